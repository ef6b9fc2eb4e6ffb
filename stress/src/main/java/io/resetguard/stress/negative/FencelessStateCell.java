package io.resetguard.stress.negative;

import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateCell;
import io.resetguard.state.Transition;

/**
 * FencelessStateCell - a deliberately BROKEN {@link StateCell} for one writer thread: it applies the
 * transition and publishes the new snapshot with a plain store, and readers load it with a plain
 * load. There is no lost update (one writer), only the missing fence: nothing orders the publication
 * of "blocked" before the writer's next load of another location.
 *
 * <p>Only for the negative control {@link FencelessBlockedFlag}, whose fabric gives it to its group
 * through {@code Fabric.Builder.cellFactory}. Never use it elsewhere.
 */
public final class FencelessStateCell implements StateCell {
    private GroupState state; // BUG: plain field, plain store, plain load

    /** @param initial the first snapshot */
    public FencelessStateCell(final GroupState initial) {
        this.state = initial;
    }

    @Override
    public GroupState getStateAcquire() {
        return state;
    }

    @Override
    public GroupState apply(final Transition t, final OpCtx ctx) {
        final GroupState current = state;
        ctx.beginAttempt(current);
        final GroupState next = t.apply(current, ctx);
        if (next != current) {
            state = next;
        }
        return next;
    }

    @Override
    public boolean isLockFree() {
        return true;
    }
}
