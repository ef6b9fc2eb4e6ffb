package io.resetguard.pci;

import io.resetguard.errno.Errno;

/** The continuation of an emulated reset: receives its result once it finished in emulated time. */
@FunctionalInterface
public interface ResetCallback {
    /** @param rc 0 or the error the kernel function would have returned */
    void complete(Errno rc);
}
