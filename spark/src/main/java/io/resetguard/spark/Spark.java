package io.resetguard.spark;

import org.apache.spark.sql.SparkSession;

/**
 * Spark - how the sweep starts its Spark session.
 *
 * <p>On {@code local[...]} masters the web UI is off (nothing to look at for a batch of seconds to
 * minutes, and no port to bind on a shared machine); on a cluster Spark's own configuration
 * ({@code spark-submit --conf}, {@code spark-defaults.conf}) applies unchanged. Speculative execution
 * and task retries are safe: a task is deterministic, so a second attempt gives the same result and
 * Spark keeps one.
 */
final class Spark {
    private Spark() {
    }

    /**
     * @param master the master URL, checked by {@link MasterUrl#check}
     * @return a new (or spark-submit's) session on {@code master}; the caller stops it
     */
    static SparkSession session(final String master) {
        final SparkSession.Builder b = SparkSession.builder().appName("resetguard sweep").master(master)
            // the Parquet rows have 35 columns; Spark warns when a plan's description would cut them
            .config("spark.sql.debug.maxToStringFields", "100");
        if (master.startsWith("local")) {
            b.config("spark.ui.enabled", "false");
        }
        return b.getOrCreate();
    }
}
