package io.resetguard.pci;

/**
 * What a reset method does when it runs, as fault injection decides it (per function, per method,
 * per attempt).
 */
public enum ResetOutcome {
    /** The reset works: the function is ready {@link PciCaps#readyDelayMs()} after the trigger. */
    SUCCESS,
    /** The method reports -ENOTTY after prepare (device disconnected, {@code _RST} failed, quirk said no): the walk goes on. */
    ENOTTY,
    /** The function never becomes ready: {@code pci_dev_wait()} gives up after 60 s with -ENOTTY (§4.2). */
    READINESS_TIMEOUT,
    /** The method refuses before prepare with -EINVAL (pm when not in D0): the walk stops. */
    EINVAL,
    /** The method fails after the reset with -EIO: the walk stops. */
    EIO,
    /** The method's prepare() fails with -ENOMEM (blocking-domain allocation): the walk stops. */
    PREPARE_ENOMEM
}
