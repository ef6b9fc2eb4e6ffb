package io.resetguard.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.model.ProtocolModel;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.Replications;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * SimReplications - {@code --replications N}: every replication's table, then each model's mean and
 * 95% confidence interval (Student t, {@link Replications.Estimate}) in the console and in
 * report.json ({@code "replications"}: one object per run; {@code "summary"}: per model and metric
 * {@code mean}, {@code ci95Low}, {@code ci95High}). The report's {@code "models"} stays replication 0.
 */
final class SimReplications {
    /** The console summary's columns (a subset of {@link Replications#METRICS}). */
    private static final List<String> SHOWN = List.of("resets", "failedResets", "blockedAtEnd", "corruptions",
        "livenessViolations", "timeouts");

    private SimReplications() {
    }

    /** Print each replication's table, then the mean ± the 95% half-width per model. */
    static void table(final io.resetguard.recovery.RecoveryPolicy recovery, final Replications reps,
                      final PrintWriter out) {
        for (int r = 0; r < reps.n(); r++) {
            out.printf(Locale.ROOT, "Replication %d%n", r);
            SimReport.table(recovery, reps.runs().get(r), out);
        }
        out.printf(Locale.ROOT, "Mean and 95%% confidence interval (Student t) over %d replications%n", reps.n());
        final StringBuilder fmt = new StringBuilder("%-15s");
        for (int k = 0; k < SHOWN.size(); k++) {
            fmt.append(" %22s");
        }
        fmt.append("%n");
        final Object[] head = new Object[SHOWN.size() + 1];
        head[0] = "model";
        for (int k = 0; k < SHOWN.size(); k++) {
            head[k + 1] = SHOWN.get(k);
        }
        out.printf(Locale.ROOT, fmt.toString(), head);
        for (final ModelResult m : reps.runs().get(0)) {
            final Object[] row = new Object[SHOWN.size() + 1];
            row[0] = m.model().cliName();
            for (int k = 0; k < SHOWN.size(); k++) {
                final Replications.Estimate e = reps.estimate(m.model(), Replications.METRICS.get(SHOWN.get(k)));
                row[k + 1] = String.format(Locale.ROOT, "%.1f ± %.1f", e.mean(), e.halfWidth());
            }
            out.printf(Locale.ROOT, fmt.toString(), row);
        }
    }

    /** Add {@code "replications"} and {@code "summary"} to report.json's {@code root}. */
    static void json(final Replications reps, final ObjectNode root) {
        root.put("replicationCount", reps.n());
        final ArrayNode runs = root.putArray("replications");
        for (int r = 0; r < reps.n(); r++) {
            final ObjectNode run = runs.addObject();
            run.put("replication", r);
            final ObjectNode models = run.putObject("models");
            for (final ModelResult m : reps.runs().get(r)) {
                final ObjectNode o = models.putObject(m.model().cliName());
                for (final Map.Entry<String, ToDoubleFunction<ModelResult>> e : Replications.METRICS.entrySet()) {
                    o.put(e.getKey(), (long) e.getValue().applyAsDouble(m));
                }
            }
        }
        final ObjectNode summary = root.putObject("summary");
        for (final ModelResult m : reps.runs().get(0)) {
            final ProtocolModel model = m.model();
            final ObjectNode o = summary.putObject(model.cliName());
            for (final Map.Entry<String, ToDoubleFunction<ModelResult>> e : Replications.METRICS.entrySet()) {
                final Replications.Estimate est = reps.estimate(model, e.getValue());
                final ObjectNode x = o.putObject(e.getKey());
                x.put("mean", est.mean());
                x.put("ci95Low", est.lower());
                x.put("ci95High", est.upper());
            }
        }
    }
}
