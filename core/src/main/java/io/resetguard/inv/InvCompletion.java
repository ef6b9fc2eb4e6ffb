package io.resetguard.inv;

import io.resetguard.errno.Errno;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * InvCompletion - what a submitter holds for a sync (CMD_SYNC / VT-d wait descriptor): it can be
 * polled, given a callback, or waited on with a timeout. It completes exactly once, with 0 or an
 * errno; nobody ever spins on it.
 */
public final class InvCompletion {
    /**
     * A throwable from a callback, kept for the thread that ran it. A callback runs inside either
     * {@link #complete} (registered before) or {@link #onComplete} (registered after), always on the
     * thread making that call; the call rethrows it. Without this, {@link CompletableFuture} would
     * keep it in a dependent future nobody reads, and a broken continuation (the rest of a reset,
     * say) would stop the emulation silently instead of failing the run.
     */
    private static final ThreadLocal<Throwable> CALLBACK_FAILURE = new ThreadLocal<>();

    private final CompletableFuture<Errno> future = new CompletableFuture<>();
    private final long submittedNs;

    InvCompletion(final long submittedNs) {
        this.submittedNs = submittedNs;
    }

    /** @return a completion that is already complete with {@code e}. */
    static InvCompletion completed(final long nowNs, final Errno e) {
        final InvCompletion c = new InvCompletion(nowNs);
        c.complete(e);
        return c;
    }

    boolean complete(final Errno e) {
        final boolean first = future.complete(e);
        rethrowCallbackFailure();
        return first;
    }

    /** @return the emulated time the sync was submitted. */
    public long submittedNs() {
        return submittedNs;
    }

    /** @return the result, or null while pending. */
    public Errno poll() {
        return future.getNow(null);
    }

    /** @return whether it completed. */
    public boolean isDone() {
        return future.isDone();
    }

    /**
     * Run {@code callback} with the result when it completes (at once, on this thread, if it has).
     * If the callback throws, the exception propagates out of the call that ran it: this one, or the
     * engine's completing call (and from there out of the scheduler's run).
     *
     * @param callback the continuation
     */
    public void onComplete(final Consumer<Errno> callback) {
        future.thenAccept(rc -> {
            try {
                callback.accept(rc);
            } catch (final Throwable t) {
                final Throwable first = CALLBACK_FAILURE.get();
                if (first == null) {
                    CALLBACK_FAILURE.set(t);
                } else if (first != t) {
                    first.addSuppressed(t);
                }
            }
        });
        rethrowCallbackFailure();
    }

    private static void rethrowCallbackFailure() {
        final Throwable t = CALLBACK_FAILURE.get();
        if (t == null) {
            return;
        }
        CALLBACK_FAILURE.remove();
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw new IllegalStateException("a completion callback threw", t);
    }

    /**
     * Block the calling thread until complete or {@code timeout} of real time passed. Only for
     * callers in real time; in virtual time the engine only advances when the driver loop runs.
     *
     * @return the result, or {@link Errno#ETIMEDOUT} if it did not complete in time
     */
    public Errno await(final long timeout, final TimeUnit unit) throws InterruptedException {
        try {
            return future.get(timeout, unit);
        } catch (final TimeoutException e) {
            return Errno.ETIMEDOUT;
        } catch (final ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
