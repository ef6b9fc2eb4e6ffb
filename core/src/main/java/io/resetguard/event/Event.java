package io.resetguard.event;

import io.resetguard.fabric.Bdf;

/**
 * One recorded event.
 *
 * @param seq    position in the fabric's event order (assigned at record time; unique, increasing)
 * @param type   what happened
 * @param bdf    the function it concerns, or {@code null} for group- or fabric-wide events
 * @param detail free text: domain ids, depths, the operation that triggered it
 */
public record Event(long seq, EventType type, Bdf bdf, String detail) {
    @Override
    public String toString() {
        return "#" + seq + " " + type.category() + " " + type.name()
            + (bdf == null ? "" : " " + bdf) + (detail == null || detail.isEmpty() ? "" : " " + detail);
    }
}
