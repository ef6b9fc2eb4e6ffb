package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;

import java.io.Serializable;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * ShardTask - one unit of a fleet simulation: the shard (IOMMU instance) {@code shard} of the fleet
 * {@code config} describes, under protocol model {@code model}, in replication {@code replication}.
 *
 * <p>A task is pure: its result depends on these four values only (every random number comes from
 * {@link Streams}, keyed by seed, replication and fleet function), so tasks can run anywhere, in any
 * order, on any number of threads or machines, and the results of a model's {@code config.iommus()}
 * shards, folded with {@link ShardResult#merge} in any grouping, give exactly what
 * {@link Simulation#run} gives. Serializable, so a distributed engine can ship it.
 *
 * @param config      the simulation settings (the fleet, workload, faults; its model list is not used)
 * @param replication the replication index, >= 0 (selects fresh streams)
 * @param model       the protocol model
 * @param shard       the shard index, in [0, config.iommus())
 */
public record ShardTask(SimConfig config, int replication, ProtocolModel model, int shard) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Validates every field and names the one that is wrong. */
    public ShardTask {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(model, "model");
        if (replication < 0) {
            throw new IllegalArgumentException("replication must be >= 0, was " + replication);
        }
        if (shard < 0 || shard >= config.iommus()) {
            throw new IllegalArgumentException("shard must be in [0, " + config.iommus() + "), was " + shard);
        }
    }

    /**
     * Simulate this shard on the calling thread.
     *
     * @return the shard's counts and latency histogram
     */
    public ShardResult run() {
        return run(null);
    }

    /**
     * Simulate this shard on the calling thread.
     *
     * @param simulatedNs receives slices of virtual time as they are simulated (about 1% of the
     *                    duration each; may be null)
     * @return the shard's counts and latency histogram
     */
    public ShardResult run(final LongConsumer simulatedNs) {
        return new Simulation(config, replication).runShard(model, shard, simulatedNs);
    }
}
