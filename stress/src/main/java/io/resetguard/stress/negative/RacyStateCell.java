package io.resetguard.stress.negative;

import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateCell;
import io.resetguard.state.Transition;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * RacyStateCell - a deliberately BROKEN {@link StateCell}: it reads the current snapshot, applies
 * the transition, and stores the result with a plain write. The read-modify-write is not atomic,
 * so two threads that read the same snapshot both "commit" and the later store silently discards
 * the earlier transition (a lost update).
 *
 * <p>It exists only as a negative control: the jcstress suite must flag a test that runs the
 * protocol through this cell. If that test ever passes, the suite has lost its power to see races
 * (too few samples, a harness change, or an outcome id that no longer matches), and the gate fails.
 * Never use it elsewhere.
 */
public final class RacyStateCell implements StateCell {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RacyStateCell.class, "state", GroupState.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private GroupState state;

    /** @param initial the first snapshot */
    public RacyStateCell(final GroupState initial) {
        STATE.setRelease(this, initial);
    }

    @Override
    public GroupState getStateAcquire() {
        return (GroupState) STATE.getAcquire(this);
    }

    @Override
    public GroupState apply(final Transition t, final OpCtx ctx) {
        final GroupState current = getStateAcquire();   // read
        ctx.beginAttempt();
        final GroupState next = t.apply(current, ctx);  // modify
        if (next != current) {
            STATE.set(this, next);                      // BUG: plain write, no CAS, no lock
        }
        return next;
    }

    @Override
    public boolean isLockFree() {
        return true;
    }
}
