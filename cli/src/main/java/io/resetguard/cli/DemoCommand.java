package io.resetguard.cli;

import io.resetguard.errno.Errno;
import io.resetguard.event.Event;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code resetguard demo --models LIST}: for each model, one ATS function, a failed reset then a good one.
 *
 * <pre>
 *  [1] prepare                     the function is parked on the blocking domain
 *  [2] finishReset(rc=-ENOTTY)     the reset failed: what the model's reset method does next
 *  [3] prepare                     a second reset attempt
 *  [4] finishReset(rc=0)           it succeeds
 * </pre>
 * After every step it prints the step's errno, the group snapshot as it concerns the function, the
 * invariant check and the events the step logged.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Reset one ATS function twice, first failing with -ENOTTY, then succeeding, and print the"
        + " state and the kernel log after each step (prepare, finishReset, prepare, finishReset).")
final class DemoCommand implements Callable<Integer> {
    /** The function the demo resets. */
    static final Bdf BDF = Bdf.parse("0000:3b:00.0");

    @Spec
    CommandSpec spec;

    @Option(names = {"--models", "--model"}, required = true, paramLabel = "LIST",
        completionCandidates = ModelConverter.Names.class,
        description = "Comma-separated protocol models, each demonstrated in turn: ${COMPLETION-CANDIDATES} "
            + "(see 'resetguard models'). --model is the old spelling.")
    String models;

    private ProtocolModel model;

    private PrintWriter out;
    private int eventsShown;

    @Override
    public Integer call() {
        final List<ProtocolModel> ms;
        try {
            ms = SimSettings.models(models);
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--models '" + Messages.clip(models) + "': "
                + e.getMessage());
        }
        out = spec.commandLine().getOut();
        for (int i = 0; i < ms.size(); i++) {
            if (i > 0) {
                out.println();
                out.println();
            }
            model = ms.get(i);
            eventsShown = 0;
            demo();
        }
        out.flush();
        return 0;
    }

    private void demo() {
        final Fabric fabric = Fabric.builder().model(model).build();
        final IommuGroup g = fabric.addIommu("smmu0").addGroup();
        final PciFunction fn = g.addFunction(BDF, true, 0);
        final OpCtx ctx = new OpCtx();

        out.printf("model %s: %s; re-entry %s; after a reset: %s; Linux 7.0 defects: %s%n", model.cliName(),
            Describe.bookkeeping(model.bookkeeping()), model.reentryAllowed() ? "allowed" : "WARN + -EBUSY",
            Describe.afterReset(model.afterReset()), model.hasLinux70Defects() ? "yes" : "no");
        out.printf("function %s (ATS, no PASID) in %s, state %s; blocking domain %s, default domain %s%n",
            fn.bdf(), g, fabric.stateImpl().cliName(), g.blockingDomain(), g.defaultDomain());
        report(g, fn, fabric, "[0] initial", null);

        Errno e = g.prepare(fn, ctx.reset(fabric.faults()));
        report(g, fn, fabric, "[1] prepare", "errno " + e.kernelString());

        reset(g, fn, fabric, ctx, "[2]", Errno.ENOTTY);

        e = g.prepare(fn, ctx.reset(fabric.faults()));
        report(g, fn, fabric, "[3] prepare", "errno " + e.kernelString());

        reset(g, fn, fabric, ctx, "[4]", Errno.OK);

        final GroupState s = g.snapshot();
        final boolean parked = g.rules().parked(s, s.indexOf(fn));
        out.println();
        out.printf("result: after the good reset %s is %s; %d event(s) logged%n", fn.bdf(),
            parked ? "still BLOCKED with no reset in progress (a liveness hazard)" : "unblocked",
            fabric.events().total());
    }

    /** The end of a reset method: {@link IommuGroup#finishReset} with the reset's result. */
    private void reset(final IommuGroup g, final PciFunction fn, final Fabric fabric, final OpCtx ctx,
                       final String step, final Errno rc) {
        final boolean doneCalled = g.finishReset(fn, rc, ctx.reset(fabric.faults()));
        // the reset method returns the reset's result; done() itself returns void (its ctx result is 0)
        report(g, fn, fabric, step + " finishReset(rc=" + rc.kernelString() + ")",
            "errno " + rc.kernelString() + ", done() " + (doneCalled ? "called" : "NOT called"));
    }

    /** group->resetting_domain, with the function that set it when the snapshot still knows it. */
    private static String resettingDomain(final GroupState s) {
        if (!s.resetting()) {
            return "NULL";
        }
        final PciFunction by = s.resettingBy(); // null if the function that set it was removed
        return by == null ? "set" : "set(by " + by.bdf() + ")";
    }

    private void report(final IommuGroup g, final PciFunction fn, final Fabric fabric, final String step,
                        final String result) {
        final GroupState s = g.snapshot();
        final int i = s.indexOf(fn);
        out.println();
        out.println(result == null ? step : String.format("%-28s -> %s", step, result));
        if (i < 0) {
            out.printf("    status      %s is not in the group%n", fn.bdf());
        } else {
            final DeviceState d = s.device(i);
            final boolean parked = g.rules().parked(s, i);
            out.printf("    status      %s%n", parked
                ? "BLOCKED: parked on the blocking domain for a reset"
                : "unblocked: translating through " + d.rid());
            out.printf("    snapshot    gdev->blocked=%s reset_depth=%d resetting_domain=%s recovery_cnt=%d"
                    + " RID->%s group->domain=%s%n",
                d.blocked(), d.depth(), resettingDomain(s),
                s.recoveryCnt(), d.rid(), s.domain());
        }
        final List<String> broken = Invariants.check(g, s);
        out.printf("    invariants  %s%n", broken.isEmpty() ? "ok" : String.join("; ", broken));
        final List<Event> all = fabric.events().events();
        if (all.size() == eventsShown) {
            out.println("    events      none");
        }
        for (int k = eventsShown; k < all.size(); k++) {
            final Event ev = all.get(k);
            out.printf("    event       %s  (%s)%n", ev, ev.type().message());
        }
        eventsShown = all.size();
    }
}
