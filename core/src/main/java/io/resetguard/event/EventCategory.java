package io.resetguard.event;

/** What kind of kernel log line (or emulator finding) an {@link EventType} stands for. */
public enum EventCategory {
    /** A {@code WARN_ON()} that fired: a protocol misuse with a defined no-op or fallback. */
    WARN,
    /** A {@code pci_warn()}/{@code pr_warn()} style log line: expected but noteworthy. */
    LOG,
    /** An informational log line (method tried, result). */
    INFO,
    /** A kernel oops the emulated code would have hit (e.g. a NULL dereference). */
    OOPS,
    /** A safety or liveness violation found by the emulator itself (not a kernel message). */
    VIOLATION
}
