package io.resetguard.stress.negative;

import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.model.WordRules;
import io.resetguard.state.FnWord;
import io.resetguard.state.GroupWord;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Planted;
import io.resetguard.stress.Probe;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * PlainStoreFnWord - NEGATIVE CONTROL (must fail): the word core's one-word prepare (the real
 * {@link WordRules#prepareCounter}, linux-7.1) applied to one function word with a plain store where
 * {@code LockFreeWordCell} does a compare-and-set. Two nested prepares of one function (depth 1
 * already) each read depth 1 and store depth 2: one increment is lost. The correct result is depth
 * 3; the planted outcome is 2. Result fields: r1 reset_depth, r2 invariant 7 on the word (blocked
 * and depth &gt; 0).
 */
@Gate
@Planted({"2, true"})
@JCStressTest
@Description("NEGATIVE CONTROL (must fail): word-core prepare with a plain store instead of the CAS")
@Outcome(id = "3, true", expect = ACCEPTABLE, desc = "both increments of reset_depth applied")
@Outcome(id = "2, true", expect = FORBIDDEN, desc = "lost update: the plain store overwrote the other prepare")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class PlainStoreFnWord {
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private final PciFunction a;
    private final long g;
    private final long[] words = new long[FnWord.STRIDE];
    private final OpCtx ctx1 = new OpCtx();
    private final OpCtx ctx2 = new OpCtx();

    /** One function at depth 1 (blocked), its word in a padded array, the group word read once. */
    public PlainStoreFnWord() {
        final IommuGroup group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        a = Probe.atsFunction(group, Probe.BDF_A);
        g = GroupWord.BLK; // blocking domain allocated; the rule reads nothing else at depth > 0
        WORDS.setRelease(words, 0, FnWord.of(1, 1, 0, false, 0));
    }

    private void prepare(final OpCtx ctx) {
        final long f = (long) WORDS.getAcquire(words, 0);
        final long nf = WordRules.prepareCounter(ProtocolModel.LINUX_7_1, a, f, g, 1, true, ctx.reset(a.fabric().faults()));
        WORDS.setRelease(words, 0, nf); // BUG: a plain store where the cell does compareAndSet(f, nf)
    }

    /** @param r result */
    @Actor
    public void actor1(final LL_Result r) {
        prepare(ctx1);
    }

    /** @param r result */
    @Actor
    public void actor2(final LL_Result r) {
        prepare(ctx2);
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LL_Result r) {
        final long f = (long) WORDS.getAcquire(words, 0);
        r.r1 = FnWord.depth(f);
        r.r2 = FnWord.blocked(f) != 0 && FnWord.depth(f) > 0; // invariant 7 on the word

    }
}
