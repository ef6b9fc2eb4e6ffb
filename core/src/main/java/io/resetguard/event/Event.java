package io.resetguard.event;

import io.resetguard.fabric.Bdf;

/**
 * One recorded event.
 *
 * @param seq    position in the fabric's event order (assigned at record time; unique, increasing)
 * @param timeNs emulated time of the event (the log's clock; 0 without one)
 * @param type   what happened
 * @param bdf    the function it concerns, or {@code null} for group- or fabric-wide events
 * @param detail free text: domain ids, depths, the operation that triggered it
 */
public record Event(long seq, long timeNs, EventType type, Bdf bdf, String detail) {
    @Override
    public String toString() {
        return "#" + seq + " @" + timeNs / 1_000_000 + "ms " + type.category() + " " + type.name()
            + (bdf == null ? "" : " " + bdf) + (detail == null || detail.isEmpty() ? "" : " " + detail);
    }
}
