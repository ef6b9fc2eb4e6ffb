package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleConsumer;
import java.util.function.ToDoubleFunction;

/**
 * Replications - the same simulation run {@code n} times with fresh random streams (replication
 * {@code r} is {@code new Simulation(config, r)}), and each model's numbers summarised by their mean
 * and a 95% confidence interval (Student t with {@code n - 1} degrees of freedom: the replications
 * are independent and identically distributed, their mean approximately normal).
 *
 * @param config the settings every replication shares
 * @param runs   per replication (in order 0..n-1), the results of every model, in the config's order
 */
public record Replications(SimConfig config, List<List<ModelResult>> runs) {
    /** The metrics a summary covers, by their report names. */
    public static final Map<String, ToDoubleFunction<ModelResult>> METRICS = metrics();

    /** Copies the lists. */
    public Replications {
        Objects.requireNonNull(config, "config");
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("replications must be >= 1, was 0");
        }
        final List<List<ModelResult>> copy = new ArrayList<>();
        for (final List<ModelResult> r : runs) {
            copy.add(List.copyOf(r));
        }
        runs = List.copyOf(copy);
    }

    private static Map<String, ToDoubleFunction<ModelResult>> metrics() {
        final Map<String, ToDoubleFunction<ModelResult>> m = new LinkedHashMap<>();
        m.put("resets", ModelResult::resets);
        m.put("failedResets", ModelResult::failedResets);
        m.put("blockedAtEnd", ModelResult::blockedAtEnd);
        m.put("corruptions", ModelResult::corruptions);
        m.put("staleReads", ModelResult::staleReads);
        m.put("livenessViolations", ModelResult::livenessViolations);
        m.put("useAfterFree", ModelResult::useAfterFree);
        m.put("invalidations", ModelResult::invalidations);
        m.put("timeouts", ModelResult::timeouts);
        m.put("invalidationLatencyP50Ns", ModelResult::invalidationLatencyP50Ns);
        m.put("invalidationLatencyP99Ns", ModelResult::invalidationLatencyP99Ns);
        m.put("quarantined", ModelResult::quarantined);
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Run replications 0..n-1 of every model of {@code config}, one after another.
     *
     * @param progress receives the fraction done over all replications (may be null)
     */
    public static Replications run(final SimConfig config, final int n, final DoubleConsumer progress)
        throws InterruptedException {
        if (n < 1) {
            throw new IllegalArgumentException("replications must be >= 1, was " + n);
        }
        final List<List<ModelResult>> runs = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            final int done = r;
            runs.add(new Simulation(config, r).runAll(progress == null ? null : f -> progress.accept((done + f) / n)));
        }
        return new Replications(config, runs);
    }

    /**
     * A mean and its 95% confidence interval.
     *
     * @param mean      the sample mean
     * @param halfWidth t(0.975, n-1) * s / sqrt(n); NaN for one replication (no interval)
     * @param n         the number of replications
     */
    public record Estimate(double mean, double halfWidth, int n) {
        /** @return the interval's lower end. */
        public double lower() {
            return mean - halfWidth;
        }

        /** @return the interval's upper end. */
        public double upper() {
            return mean + halfWidth;
        }

        /** @return the estimate of {@code xs}, with a 95% Student t interval. */
        public static Estimate of(final double[] xs) {
            final SummaryStatistics s = new SummaryStatistics();
            for (final double x : xs) {
                s.addValue(x);
            }
            if (xs.length < 2) {
                return new Estimate(s.getMean(), Double.NaN, xs.length);
            }
            final double t = new TDistribution(xs.length - 1).inverseCumulativeProbability(0.975);
            return new Estimate(s.getMean(), t * s.getStandardDeviation() / Math.sqrt(xs.length), xs.length);
        }
    }

    /** @return the number of replications. */
    public int n() {
        return runs.size();
    }

    /** @return {@code metric}'s estimate for {@code model}, over the replications. */
    public Estimate estimate(final ProtocolModel model, final ToDoubleFunction<ModelResult> metric) {
        final double[] xs = new double[runs.size()];
        for (int r = 0; r < xs.length; r++) {
            xs[r] = metric.applyAsDouble(of(runs.get(r), model));
        }
        return Estimate.of(xs);
    }

    private static ModelResult of(final List<ModelResult> rs, final ProtocolModel m) {
        for (final ModelResult x : rs) {
            if (x.model() == m) {
                return x;
            }
        }
        throw new IllegalArgumentException("no result for model " + m.cliName());
    }
}
