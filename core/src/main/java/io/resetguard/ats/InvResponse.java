package io.resetguard.ats;

/** How a function answers ATC Invalidate Requests (fault injection, docs/protocol.md §5, §7). */
public enum InvResponse {
    /** Processes the request and completes after its answer latency. */
    NORMAL,
    /** Ignores requests that arrive while it is in a hardware reset (PCIe permits this), else normal. */
    IGNORE_IN_RESET,
    /** Never answers and never processes them: its ATC keeps stale entries. */
    HANG,
    /** Processes and answers, but only after the engine's timeout plus a delay: a late completion. */
    LATE
}
