package io.resetguard.spark;

import org.apache.spark.sql.SparkSession;

/**
 * Spark - how the sweep starts its Spark session.
 *
 * <p>On {@code local[...]} masters the web UI is off (nothing to look at for a batch of seconds to
 * minutes, and no port to bind on a shared machine); on a cluster Spark's own configuration
 * ({@code spark-submit --conf}, {@code spark-defaults.conf}) applies, and when the sweep was started
 * without spark-submit ({@code ./resetguard sweep --master spark://...}) the session ships this
 * module's jar to the executors ({@code spark.jars}) and gives them the core's JVM option
 * ({@link #CORE_JVM_OPTIONS}), unless those are set already. Speculative execution
 * and task retries are safe: a task is deterministic, so a second attempt gives the same result and
 * Spark keeps one.
 */
final class Spark {
    /** The JVM option the core needs on every executor (Agrona reaches jdk.internal.misc.Unsafe). */
    static final String CORE_JVM_OPTIONS = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    private Spark() {
    }

    /** @return the jar this class was loaded from, or null (a classes directory, as in the module's tests). */
    static String ownJar() {
        try {
            final java.security.CodeSource cs = Spark.class.getProtectionDomain().getCodeSource();
            if (cs == null) {
                return null;
            }
            final java.nio.file.Path p = java.nio.file.Path.of(cs.getLocation().toURI());
            return java.nio.file.Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p.toString() : null;
        } catch (final java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
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
        } else {
            // started without spark-submit: ship this jar, and give executors the core's JVM option
            final String jar = ownJar();
            if (jar != null && System.getProperty("spark.jars") == null) {
                b.config("spark.jars", jar);
            }
            if (System.getProperty("spark.executor.extraJavaOptions") == null) {
                b.config("spark.executor.extraJavaOptions", CORE_JVM_OPTIONS);
            }
        }
        return b.getOrCreate();
    }
}
