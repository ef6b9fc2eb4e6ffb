package io.resetguard.fault;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.PciFunction;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * FailNth - fails exactly the n-th injectable call, in the manner of the kernel's
 * {@code iommufd_fail_nth} selftest: run a passing sequence once to count its points, then run it
 * again failing point 1, 2, ... in turn.
 *
 * <p>Counting is atomic, so the injector is thread-safe, but "the n-th call" is only reproducible for
 * single-threaded sequences.
 */
public final class FailNth implements FaultInjector {
    private final int nth;
    private final Errno error;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile FaultPoint failedPoint;

    /**
     * @param nth   the 1-based index of the call to fail; 0 fails nothing and only counts
     * @param error the errno the failing call returns
     */
    public FailNth(final int nth, final Errno error) {
        if (nth < 0) {
            throw new IllegalArgumentException("nth must be >= 0, was " + nth);
        }
        if (error == Errno.OK) {
            throw new IllegalArgumentException("error must not be OK");
        }
        this.nth = nth;
        this.error = error;
    }

    @Override
    public Errno draw(final FaultPoint point, final PciFunction fn) {
        if (calls.incrementAndGet() == nth) {
            failedPoint = point;
            return error;
        }
        return Errno.OK;
    }

    /** @return how many injectable calls were made so far. */
    public int calls() {
        return calls.get();
    }

    /** @return the point that was failed, or {@code null} if the n-th call was not reached. */
    public FaultPoint failedPoint() {
        return failedPoint;
    }
}
