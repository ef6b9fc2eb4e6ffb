package io.resetguard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.sim.SimConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code resetguard scenario FILE}: a simulation described by a JSON file. Every field is optional
 * and defaults as in {@code simulate} ({@code iommus}: one per 16,384 functions, at least 8):
 * <pre>
 * {
 *   "functions": 100000, "iommus": 8, "duration": "1h", "seed": 42,
 *   "models": ["linux-7.0", "seed", "linux-7.1", "result-to-done", "seed-on-7.1"],
 *   "faultRate": 0.01, "resetFailRate": 0.5, "lateRate": 0, "ignoreInResetRate": 0,
 *   "cyclePeriod": "2m", "writesPerCycle": 3,
 *   "recovery": "fence-then-reset", "flavour": "smmuv3", "threads": 2, "report": "resetguard-report",
 *   "operatorResetDelay": "30s", "completionCountRate": 0, "completionCount": 2
 * }
 * </pre>
 * A bad file (unreadable, not JSON, an unknown field, a field of the wrong type or range) is
 * reported with the file and the field name, exit code 2, and no report is written. A field given twice,
 * content after the object, and a {@code report} that names an existing directory which is not a
 * previous report ({@link ReportDir#check}) are bad files too. A relative {@code report} is resolved
 * against the current directory, as on the command line.
 */
@Command(name = "scenario", mixinStandardHelpOptions = true,
    description = "Run the simulation described by a JSON scenario file.")
final class ScenarioCommand implements Callable<Integer> {
    private static final Set<String> FIELDS = Set.of("functions", "iommus", "duration", "seed", "models",
        "faultRate", "resetFailRate", "lateRate", "ignoreInResetRate", "cyclePeriod", "writesPerCycle", "recovery",
        "flavour", "threads", "report",
        // issue 13 part B: the same settings as simulate's --operator-reset-delay, --completion-count-rate, --completion-count
        "operatorResetDelay", "completionCountRate", "completionCount");

    /** Rejects a field given twice and anything after the object, rather than silently taking one. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The scenario (JSON).")
    Path file;

    @Override
    public Integer call() throws Exception {
        final SimConfig c;
        final Path report;
        try {
            final JsonNode root = read(file);
            c = config(root);
            report = ReportDir.check(root.has("report") ? "field 'report'" : "the default report directory",
                root.has("report") ? text(root, "report") : "resetguard-report");
        } catch (final IllegalArgumentException e) {
            spec.commandLine().getErr().println("resetguard: " + file + ": " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
        return SimRun.execute(c, report, false, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    private static JsonNode read(final Path f) {
        final String body;
        try {
            body = Files.readString(f);
        } catch (final IOException e) {
            throw new IllegalArgumentException("cannot read the file: " + e.getMessage());
        }
        final JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (final JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage() + " at line "
                + e.getLocation().getLineNr());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the scenario must be a JSON object");
        }
        for (final Iterator<String> it = root.fieldNames(); it.hasNext();) {
            final String name = it.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("field '" + name + "' is unknown; known fields: " + FIELDS);
            }
        }
        return root;
    }

    static SimConfig config(final JsonNode r) {
        final SimConfig d = SimConfig.defaults();
        final List<ProtocolModel> models = new ArrayList<>();
        if (r.has("models")) {
            final JsonNode m = r.get("models");
            if (!m.isArray() || m.isEmpty()) {
                throw new IllegalArgumentException("field 'models' must be a non-empty array of " + ProtocolModel.names());
            }
            for (final JsonNode n : m) {
                try {
                    models.add(ProtocolModel.parse(n.asText()));
                } catch (final IllegalArgumentException e) {
                    throw new IllegalArgumentException("field 'models': " + e.getMessage());
                }
            }
        } else {
            models.addAll(d.models());
        }
        try {
            final int functions = integer(r, "functions", d.functions());
            return new SimConfig(functions, integer(r, "iommus", SimConfig.autoIommus(functions)),
                r.has("duration") ? Durations.parse("field 'duration'", text(r, "duration")) : d.durationNs(),
                r.has("seed") ? longValue(r, "seed") : d.seed(), models,
                number(r, "faultRate", d.faultRate()), number(r, "resetFailRate", d.resetFailRate()),
                number(r, "lateRate", d.lateRate()), number(r, "ignoreInResetRate", d.ignoreInResetRate()),
                r.has("cyclePeriod") ? Durations.parse("field 'cyclePeriod'", text(r, "cyclePeriod")) : d.cyclePeriodNs(),
                integer(r, "writesPerCycle", d.writesPerCycle()),
                r.has("recovery") ? RecoveryPolicy.parse(text(r, "recovery")) : d.recovery(),
                r.has("flavour") ? SimulateCommand.flavour(text(r, "flavour")) : d.flavour(),
                integer(r, "threads", d.threads()),
                r.has("operatorResetDelay") ? Durations.parse("field 'operatorResetDelay'", text(r, "operatorResetDelay"))
                    : d.operatorResetDelayNs(),
                number(r, "completionCountRate", d.completionCountRate()),
                integer(r, "completionCount", d.completionCount()));
        } catch (final IllegalArgumentException e) {
            final String msg = e.getMessage();
            throw new IllegalArgumentException(msg.startsWith("field ") ? msg : "field '" + msg.split("[ ']")[0]
                + "': " + msg);
        }
    }

    private static int integer(final JsonNode r, final String f, final int dflt) {
        if (!r.has(f)) {
            return dflt;
        }
        if (!r.get(f).canConvertToInt() || !r.get(f).isIntegralNumber()) {
            throw new IllegalArgumentException("field '" + f + "' must be an integer, was " + r.get(f));
        }
        return r.get(f).intValue();
    }

    private static long longValue(final JsonNode r, final String f) {
        if (!r.get(f).isIntegralNumber() || !r.get(f).canConvertToLong()) {
            throw new IllegalArgumentException("field '" + f + "' must be an integer, was " + r.get(f));
        }
        return r.get(f).longValue();
    }

    private static double number(final JsonNode r, final String f, final double dflt) {
        if (!r.has(f)) {
            return dflt;
        }
        if (!r.get(f).isNumber()) {
            throw new IllegalArgumentException("field '" + f + "' must be a number, was " + r.get(f));
        }
        return r.get(f).doubleValue();
    }

    private static String text(final JsonNode r, final String f) {
        if (!r.get(f).isTextual()) {
            throw new IllegalArgumentException("field '" + f + "' must be a string, was " + r.get(f));
        }
        return r.get(f).asText();
    }
}
