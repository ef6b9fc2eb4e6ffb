package io.resetguard.errno;

/**
 * Errno - a kernel error result as a value.
 *
 * <p>Every protocol operation of the emulator returns one of these instead of throwing, as the
 * kernel returns {@code 0} or {@code -Exxx}. {@link #OK} stands for {@code 0}. The numeric value of
 * each constant is the Linux x86-64/arm64 errno, so {@link #kernelValue()} prints what the kernel
 * would return (for example {@code -16} for {@link #EBUSY}).
 *
 * <p>Exceptions are reserved for misuse of the Java API by the embedding program (a null argument,
 * a function of another fabric), never for a protocol outcome.
 */
public enum Errno {
    /** Success ({@code 0}). */
    OK(0),
    /** Operation not permitted, e.g. claiming DMA ownership of a group that is already owned. */
    EPERM(1),
    /** I/O error, e.g. AMD completion-wait timeout (docs/protocol.md §3.5). */
    EIO(5),
    /** Try again: {@code pci_try_reset_function()} contention, VT-d ITE abort (§3.4, §4.3). */
    EAGAIN(11),
    /** Out of memory, e.g. blocking-domain allocation failed (§1.2 step 4). */
    ENOMEM(12),
    /** Bad address: a translation request for an IOVA that is not mapped (or rejected). */
    EFAULT(14),
    /** Device or resource busy: attach during a reset, M70 re-entry (§1.2, §1.6). */
    EBUSY(16),
    /** No such device: M71 {@code __dev_to_gdev()} found no group device (§1.3). */
    ENODEV(19),
    /** Invalid argument, e.g. PM reset when not in D0 (§4.1). */
    EINVAL(22),
    /** Not supported here: reset method absent or readiness timeout; the walk goes on (§4.2). */
    ENOTTY(25),
    /** Timed out: ATC invalidation without completion (§3.4). */
    ETIMEDOUT(110);

    private final int errno;

    Errno(final int errno) {
        this.errno = errno;
    }

    /** @return the positive errno number ({@code 0} for {@link #OK}). */
    public int errno() {
        return errno;
    }

    /** @return the value a kernel function would return: {@code 0} or {@code -errno}. */
    public int kernelValue() {
        return -errno;
    }

    /** @return {@code true} for {@link #OK}. */
    public boolean isOk() {
        return this == OK;
    }

    /** @return {@code true} for any error, i.e. a non-zero kernel return value. */
    public boolean isError() {
        return this != OK;
    }

    /**
     * Map a kernel return value back to its constant.
     *
     * @param kernelValue {@code 0} or a negative errno
     * @return the constant
     * @throws IllegalArgumentException if the value is not one the emulator models
     */
    public static Errno ofKernelValue(final int kernelValue) {
        for (final Errno e : values()) {
            if (e.kernelValue() == kernelValue) {
                return e;
            }
        }
        throw new IllegalArgumentException("errno value " + kernelValue + " is not modelled");
    }

    /** @return the kernel spelling, {@code 0} or {@code -EBUSY}. */
    public String kernelString() {
        return this == OK ? "0" : "-" + name();
    }
}
