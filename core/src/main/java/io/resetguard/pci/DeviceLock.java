package io.resetguard.pci;

import io.resetguard.time.Scheduler;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * DeviceLock - the emulated {@code pci_dev_lock()} ({@code device_lock} + cfg-access lock), as a
 * non-blocking, FIFO hand-off lock: a task that cannot take it leaves a continuation, and
 * {@link #unlock} hands the lock to the first waiter and runs its continuation on the
 * {@link Scheduler}. Nothing ever blocks a thread, so it works in virtual time.
 *
 * <pre>
 *  State (immutable, swapped by CAS)
 *  +-------+-------------------------------+
 *  | owner | waiters[0] waiters[1] ...     |   owner == null  =&gt; waiters is empty
 *  +-------+-------------------------------+
 * </pre>
 *
 * <p>Memory ordering: every transition is a volatile CAS on one reference, so whatever the owner did
 * before {@link #unlock} happens-before the next owner's continuation runs (the CAS that installs it
 * as owner reads the unlocking CAS's value).
 *
 * <p>Owners are tokens (one per reset task), not threads: an emulated task may continue on another
 * thread after a wait. The lock is not reentrant: {@link #tryLock} by the owner fails.
 */
public final class DeviceLock {
    private static final Waiter[] NONE = new Waiter[0];

    private record Waiter(Object owner, Runnable onAcquired) {
    }

    private static final class State {
        final Object owner;
        final Waiter[] waiters;

        State(final Object owner, final Waiter[] waiters) {
            this.owner = owner;
            this.waiters = waiters;
        }
    }

    private static final State FREE = new State(null, NONE);

    private final AtomicReference<State> state = new AtomicReference<>(FREE);
    private final Scheduler scheduler;

    /** @param scheduler where hand-offs run the next owner's continuation */
    public DeviceLock(final Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /**
     * {@code pci_dev_trylock()}: take the lock if it is free.
     *
     * @param owner the task's token
     * @return {@code true} if taken
     */
    public boolean tryLock(final Object owner) {
        Objects.requireNonNull(owner, "owner");
        return state.compareAndSet(FREE, new State(owner, NONE));
    }

    /**
     * {@code pci_dev_lock()}: take the lock now and run {@code onAcquired} inline, or queue and run it
     * when a hand-off makes {@code owner} the owner.
     */
    public void lock(final Object owner, final Runnable onAcquired) {
        Objects.requireNonNull(owner, "owner");
        for (;;) {
            final State cur = state.get();
            if (cur.owner == null) {
                if (state.compareAndSet(cur, new State(owner, NONE))) {
                    onAcquired.run();
                    return;
                }
            } else {
                final Waiter[] w = Arrays.copyOf(cur.waiters, cur.waiters.length + 1);
                w[cur.waiters.length] = new Waiter(owner, onAcquired);
                if (state.compareAndSet(cur, new State(cur.owner, w))) {
                    return;
                }
            }
        }
    }

    /**
     * {@code pci_dev_unlock()}: release, or hand the lock to the first waiter.
     *
     * @param owner the current owner's token
     * @throws IllegalStateException if {@code owner} does not hold the lock (an emulator bug)
     */
    public void unlock(final Object owner) {
        for (;;) {
            final State cur = state.get();
            if (cur.owner != owner) {
                throw new IllegalStateException("device lock released by a non-owner");
            }
            if (cur.waiters.length == 0) {
                if (state.compareAndSet(cur, FREE)) {
                    return;
                }
            } else {
                final Waiter next = cur.waiters[0];
                final Waiter[] rest = cur.waiters.length == 1 ? NONE
                    : Arrays.copyOfRange(cur.waiters, 1, cur.waiters.length);
                if (state.compareAndSet(cur, new State(next.owner, rest))) {
                    scheduler.execute(next.onAcquired);
                    return;
                }
            }
        }
    }

    /** @return the current owner token, or null (a volatile read; racy by nature). */
    public Object owner() {
        return state.get().owner;
    }

    /** @return whether {@code owner} holds the lock now. */
    public boolean isHeldBy(final Object owner) {
        return state.get().owner == owner;
    }
}
