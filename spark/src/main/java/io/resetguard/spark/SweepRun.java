package io.resetguard.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;

import java.util.List;

/**
 * SweepRun - one run of a sweep: one point of the grid under one seed and replication, every model of
 * {@code config.models()}.
 *
 * @param index       the run's position in the sweep (0-based; the order of sweep.json and Parquet)
 * @param config      the settings, with the run's seed
 * @param replication the replication index (0 unless {@code --replications}); 0 is what
 *                    {@code simulate} runs
 * @param point       the grid values of this run (scenario fields; empty without a grid)
 */
record SweepRun(int index, SimConfig config, int replication, ObjectNode point) {
    /**
     * What a run gave.
     *
     * @param run     the run
     * @param results one per model, in {@code run.config().models()} order
     */
    record Result(SweepRun run, List<ModelResult> results) {
    }
}
