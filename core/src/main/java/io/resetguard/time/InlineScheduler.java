package io.resetguard.time;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * InlineScheduler - runs every task on the calling thread, in zero real time.
 *
 * <p>A task scheduled from outside any task runs at once, and so does everything it schedules,
 * before {@link #schedule} returns: a whole emulated reset completes inside the call that started it.
 * A task scheduled from inside a running task is queued on that thread and runs when the current task
 * returns (a trampoline), in scheduling order. So nothing recurses: a device-lock hand-off that starts
 * the next owner's reset, or a completion that starts another invalidation, costs one queue slot, not
 * a stack frame per step.
 *
 * <p>Emulated time is one shared counter that each {@link #schedule} advances by its delay (a
 * get-and-add, so concurrent callers each see their own waits as elapsed). Readiness polls and
 * timeouts therefore resolve as in virtual time for a single caller, and instantly. Thread-safe: any
 * number of threads may drive it, which is what jcstress tests and two-thread benchmarks need; waits
 * of different threads are not ordered against each other.
 */
public final class InlineScheduler implements Scheduler {
    private final AtomicLong now = new AtomicLong();
    private final ThreadLocal<ArrayDeque<Runnable>> pending = new ThreadLocal<>();

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
        final ArrayDeque<Runnable> running = pending.get();
        if (running != null) {
            running.add(task); // inside a task: run it when the current one returns
            return;
        }
        final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        pending.set(queue);
        try {
            Runnable next = task;
            while (next != null) {
                next.run();
                next = queue.poll();
            }
        } finally {
            pending.remove();
        }
    }
}
