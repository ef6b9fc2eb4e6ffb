package io.resetguard.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.cli.SweepSupport;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SweepOutput - what a sweep writes into its {@code --out} directory:
 * <ul>
 *   <li>{@code sweep.json}: {@code {"schemaVersion", "generator", "master", "grid", "wallSeconds", "runs":
 *       [{"run", "seed", "replication", "grid", "settings", "models": {...}}]}}, where {@code settings}
 *       and each model's object have exactly report.json's fields (of {@code simulate}), so a run of a
 *       sweep and a {@code simulate} of the same seed and settings can be compared field by field;</li>
 *   <li>{@code runs.parquet/}: one row per run and model ({@link #SCHEMA}), written by Spark;</li>
 *   <li>{@code index.html}: the charts across the sweep ({@link SweepHtml}).</li>
 * </ul>
 * The caller writes into a temporary directory and commits it whole (SweepSupport.OutDir).
 */
final class SweepOutput {
    /** The version of sweep.json's and the Parquet rows' layout; raised when a field changes meaning. */
    static final int SCHEMA_VERSION = 1;

    /** The Parquet rows: the run, its settings, the model, its counts (report.json's names). */
    static final StructType SCHEMA = schema();

    /** The directory of the Parquet files inside the output. */
    static final String PARQUET = "runs.parquet";

    private SweepOutput() {
    }

    private static StructType schema() {
        final List<StructField> f = new ArrayList<>();
        final Object[][] cols = {
            {"run", DataTypes.IntegerType}, {"seed", DataTypes.LongType}, {"replication", DataTypes.IntegerType},
            {"functions", DataTypes.IntegerType}, {"iommus", DataTypes.IntegerType},
            {"durationNs", DataTypes.LongType}, {"faultRate", DataTypes.DoubleType},
            {"resetFailRate", DataTypes.DoubleType}, {"lateRate", DataTypes.DoubleType},
            {"ignoreInResetRate", DataTypes.DoubleType}, {"cyclePeriodNs", DataTypes.LongType},
            {"writesPerCycle", DataTypes.IntegerType}, {"recovery", DataTypes.StringType},
            {"flavour", DataTypes.StringType}, {"operatorResetDelayNs", DataTypes.LongType},
            {"completionCountRate", DataTypes.DoubleType}, {"completionCount", DataTypes.IntegerType},
            {"model", DataTypes.StringType},
            {"resets", DataTypes.LongType}, {"failedResets", DataTypes.LongType},
            {"blockedAtEnd", DataTypes.LongType}, {"corruptions", DataTypes.LongType},
            {"staleReads", DataTypes.LongType}, {"livenessViolations", DataTypes.LongType},
            {"useAfterFree", DataTypes.LongType}, {"invalidations", DataTypes.LongType},
            {"timeouts", DataTypes.LongType}, {"invalidationLatencyP50Ns", DataTypes.LongType},
            {"invalidationLatencyP99Ns", DataTypes.LongType}, {"events", DataTypes.LongType},
            {"wallNs", DataTypes.LongType}, {"quarantined", DataTypes.LongType},
            {"healthyFunctionsQuarantined", DataTypes.LongType}, {"completionWaitTimeouts", DataTypes.LongType},
            {"idleItagCompletions", DataTypes.LongType},
        };
        for (final Object[] c : cols) {
            f.add(DataTypes.createStructField((String) c[0], (DataType) c[1], false));
        }
        return DataTypes.createStructType(f);
    }

    /** @return the Parquet rows of {@code results}, one per run and model, in run and model order. */
    static List<Row> rows(final List<SweepRun.Result> results) {
        final List<Row> rows = new ArrayList<>();
        for (final SweepRun.Result res : results) {
            final SimConfig c = res.run().config();
            for (final ModelResult r : res.results()) {
                rows.add(RowFactory.create(res.run().index(), c.seed(), res.run().replication(), c.functions(),
                    c.iommus(), c.durationNs(), c.faultRate(), c.resetFailRate(), c.lateRate(),
                    c.ignoreInResetRate(), c.cyclePeriodNs(), c.writesPerCycle(), c.recovery().cliName(),
                    c.flavour().cliName(), c.operatorResetDelayNs(), c.completionCountRate(), c.completionCount(),
                    r.model().cliName(), r.resets(), r.failedResets(), r.blockedAtEnd(), r.corruptions(),
                    r.staleReads(), r.livenessViolations(), r.useAfterFree(), r.invalidations(), r.timeouts(),
                    r.invalidationLatencyP50Ns(), r.invalidationLatencyP99Ns(), r.events(), r.wallNs(),
                    r.quarantined(), r.healthyFunctionsQuarantined(), r.completionWaitTimeouts(),
                    r.idleItagCompletions()));
            }
        }
        return rows;
    }

    /**
     * @param grid        the grid's fields and values (empty without a grid)
     * @param master      the Spark master the sweep ran on
     * @param wallSeconds the sweep's wall time, Spark's start-up included
     * @return sweep.json's tree
     */
    static ObjectNode json(final List<SweepRun.Result> results, final Grid grid, final String master,
                           final double wallSeconds) {
        final ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("generator", "resetguard sweep");
        root.put("master", master);
        final ObjectNode g = root.putObject("grid");
        grid.values().forEach((k, vs) -> g.putArray(k).addAll(vs));
        root.put("wallSeconds", wallSeconds);
        final ArrayNode runs = root.putArray("runs");
        for (final SweepRun.Result res : results) {
            final SweepRun run = res.run();
            long wallNs = 0;
            for (final ModelResult r : res.results()) {
                wallNs += r.wallNs();
            }
            // report.json's own tree, so that settings and models keep its fields exactly
            final ObjectNode report = SweepSupport.reportJson(run.config(), res.results(), wallNs / 1e9);
            final ObjectNode o = runs.addObject();
            o.put("run", run.index());
            o.put("seed", run.config().seed());
            o.put("replication", run.replication());
            o.set("grid", run.point());
            final ObjectNode settings = (ObjectNode) report.get("settings");
            settings.remove("threads"); // a task runs one shard on one thread; not a setting of a sweep
            o.set("settings", settings);
            o.put("taskSeconds", wallNs / 1e9);
            o.set("models", report.get("models"));
        }
        return root;
    }

    /**
     * Write sweep.json, the Parquet rows and index.html into {@code dir} (which must exist and be empty).
     *
     * @param spark the session that writes the Parquet files
     */
    static void write(final Path dir, final SparkSession spark, final List<SweepRun.Result> results, final Grid grid,
                      final String master, final double wallSeconds) throws IOException {
        final ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        final JsonNode json = json(results, grid, master, wallSeconds);
        om.writeValue(dir.resolve("sweep.json").toFile(), json);
        spark.createDataFrame(rows(results), SCHEMA).coalesce(1).write()
            .parquet(dir.resolve(PARQUET).toUri().toString());
        Files.writeString(dir.resolve("index.html"), SweepHtml.page(results, grid, master, wallSeconds),
            StandardCharsets.UTF_8);
    }
}
