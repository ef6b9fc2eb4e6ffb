package io.resetguard.time;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * InlineScheduler - runs every task at once on the calling thread, in zero real time.
 *
 * <p>Emulated time is one shared counter that each {@link #schedule} advances by its delay (a
 * get-and-add, so concurrent callers each see their own wait as elapsed). Readiness polls and
 * timeouts therefore resolve exactly as in virtual time for a single caller, and instantly. Thread-
 * safe: any number of threads may drive it, which is what jcstress tests and two-thread benchmarks
 * need; the price is that waits of different threads are not ordered against each other.
 *
 * <p>Recursion: {@link #schedule} runs its task inside the call, so a chain of n waits nests n calls
 * deep; the emulated chains are short (a readiness poll doubles up to 60 s: 17 steps).
 * {@link #execute} ("as soon as possible, after the current task") is trampolined per thread: called
 * while this thread is already running an executed task, it queues the task and returns, and the
 * outermost {@link #execute} runs the queue, in order, before it returns. Chains of hand-offs whose
 * length has no bound (a device lock handed from waiter to waiter, each of whose resets ends by
 * handing it on; two threads queueing resets of one function as fast as they can) therefore run in
 * a loop, not in a stack of nested unlocks.
 *
 * <p>What callers see: the task of an outermost {@link #execute} has run, with everything it
 * executed, when {@link #execute} returns; a nested {@link #execute} returns first and its task runs
 * when the current executed task is finished. Nothing is ever left queued once the outermost call
 * returns, also when a task throws (the rest still run; the first throwable is rethrown, later ones
 * are suppressed into it).
 */
public final class InlineScheduler implements Scheduler {
    private final AtomicLong now = new AtomicLong();
    // NOTE: one per thread, shared by every InlineScheduler (jcstress makes one per sample; a
    // ThreadLocal per instance would cost a map entry per sample and thread). Only the owning thread
    // touches its queue, so it needs no publication. A task of one scheduler that executes on another
    // queues behind the current task all the same, which is what execute() promises.
    private static final ThreadLocal<Trampoline> TRAMPOLINE = ThreadLocal.withInitial(Trampoline::new);

    /** One thread's queue of executed tasks, and whether that thread is inside one. */
    private static final class Trampoline {
        final ArrayDeque<Runnable> queued = new ArrayDeque<>();
        boolean running;
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public void schedule(final long delayNs, final Runnable task) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("delayNs must be >= 0, was " + delayNs);
        }
        if (delayNs != 0) {
            now.getAndAdd(delayNs);
        }
        task.run();
    }

    @Override
    public void execute(final Runnable task) {
        final Trampoline t = TRAMPOLINE.get();
        if (t.running) {
            t.queued.addLast(task);
            return;
        }
        t.running = true;
        Throwable failure = null;
        Runnable next = task;
        try {
            while (next != null) {
                try {
                    next.run();
                } catch (final Throwable e) {
                    if (failure == null) {
                        failure = e;
                    } else if (e != failure) { // the same instance twice (cached, or a preallocated OOME)
                        failure.addSuppressed(e);
                    }
                }
                next = t.queued.pollFirst();
            }
        } finally {
            t.running = false;
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        if (failure != null) {
            throw new IllegalStateException(failure); // a sneaky checked throwable
        }
    }

    /** @return whether the calling thread is running a task of {@link #execute} (for tests). */
    boolean executingOnThisThread() {
        return TRAMPOLINE.get().running;
    }
}
