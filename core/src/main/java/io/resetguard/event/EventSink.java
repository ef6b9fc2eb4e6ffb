package io.resetguard.event;

import io.resetguard.fabric.Bdf;

/**
 * Where the emulated kernel writes its log: WARN_ON sites, pci_warn lines, oopses and violations.
 *
 * <p>Implementations must be safe to call from any thread without blocking.
 */
@FunctionalInterface
public interface EventSink {
    /**
     * Record one event.
     *
     * @param type   the site
     * @param bdf    the function concerned, or {@code null}
     * @param detail free text, may be empty
     */
    void record(EventType type, Bdf bdf, String detail);
}
