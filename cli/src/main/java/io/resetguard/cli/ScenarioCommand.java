package io.resetguard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code resetguard scenario FILE}: a simulation described by a JSON file. Every field is optional
 * and defaults as in {@code simulate} ({@code iommus}: one per 16,384 functions, at least 8); the
 * fields are {@link SimSettings.Setting}'s, the same settings as {@code simulate}'s options, and an
 * option given on the command line overrides the file's field:
 * <pre>
 * {
 *   "functions": 100000, "iommus": 8, "duration": "1h", "seed": 42,
 *   "models": ["linux-7.0", "seed", "linux-7.1", "result-to-done", "seed-on-7.1"],
 *   "faultRate": 0.01, "resetFailRate": 0.5, "lateRate": 0, "ignoreInResetRate": 0,
 *   "cyclePeriod": "2m", "writesPerCycle": 3,
 *   "recovery": "fence-then-reset", "flavour": "smmuv3", "threads": 2, "replications": 1,
 *   "report": "resetguard-report"
 * }
 * </pre>
 * A bad file (missing, not UTF-8, not JSON, beyond Jackson's limits on nesting, number length or
 * string length, an unknown field, a field of the wrong type or range, a field given twice, content
 * after the object, a {@code report} that names an existing directory which is not a previous report)
 * is reported on one line naming the file and the problem, exit code 2, and no report is written. A
 * UTF-8 byte-order mark is accepted. A relative {@code report} is resolved against the current
 * directory, as on the command line.
 */
@Command(name = "scenario", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run the simulation described by a JSON scenario file.",
        "Its fields: functions, iommus, duration, seed, models, faultRate, resetFailRate, lateRate, "
            + "ignoreInResetRate, cyclePeriod, writesPerCycle, recovery, flavour, operatorResetDelay, "
            + "completionCountRate, completionCount, threads, replications, report "
            + "(each the option below of the same name, which overrides it)."})
final class ScenarioCommand implements java.util.concurrent.Callable<Integer> {
    /**
     * Rejects a field given twice and anything after the object, rather than silently taking one; keeps
     * a decimal's digits (so that 1e-400 is refused, not read as 0). Jackson's default
     * StreamReadConstraints (nesting 1,000, numbers of 1,000 digits, strings of 20 M characters) apply.
     */
    private static final ObjectMapper STRICT = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The scenario (JSON).")
    Path file;

    @Override
    public Integer call() throws Exception {
        final String name = Messages.clip(String.valueOf(file));
        final SimSettings.Resolved r;
        try {
            r = SimSettings.resolve(spec, read(file));
        } catch (final SimSettings.Bad e) {
            if (e.fromOption) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return bad(name + ": " + e.getMessage());
        } catch (final IllegalArgumentException e) {
            return bad(name + ": " + e.getMessage());
        }
        return SimulateCommand.run(spec, r, false, r.reportWhat().startsWith("field") ? name + ": " : "");
    }

    private int bad(final String msg) {
        final String prefix = "resetguard scenario: ";
        spec.commandLine().getErr().println(prefix + Messages.cut(msg, Messages.MAX_LINE - prefix.length()));
        spec.commandLine().getErr().flush();
        return 2;
    }

    /** @return the file's JSON object; IllegalArgumentException with one line of reason otherwise. */
    static JsonNode read(final Path f) {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (final NoSuchFileException e) {
            throw new IllegalArgumentException("no such file");
        } catch (final AccessDeniedException e) {
            throw new IllegalArgumentException("permission denied");
        } catch (final IOException e) {
            throw new IllegalArgumentException(Files.isDirectory(f) ? "is a directory, not a scenario file"
                : "cannot read the file: " + Messages.clip(String.valueOf(e.getMessage())));
        } catch (final OutOfMemoryError e) {
            throw new IllegalArgumentException("the file is too large to read");
        }
        int from = 0;
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF) {
            from = 3; // a UTF-8 byte-order mark, as some Windows editors write
        }
        final String body;
        try {
            body = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, from, bytes.length - from)).toString();
        } catch (final CharacterCodingException e) {
            throw new IllegalArgumentException("is not UTF-8 text (save it as UTF-8 JSON)");
        }
        final JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (final StreamConstraintsException e) {
            final String m = String.valueOf(e.getOriginalMessage())
                .replaceAll(",\\s*from\\s*`?StreamReadConstraints\\.\\w+\\(\\)`?", "");
            throw new IllegalArgumentException("exceeds a JSON reader limit: " + Messages.cut(m, 120) + at(e));
        } catch (final JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + Messages.clip(String.valueOf(e.getOriginalMessage()))
                + at(e));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the scenario must be a JSON object");
        }
        final List<String> known = Stream.of(SimSettings.Setting.values()).map(s -> s.field).collect(Collectors.toList());
        for (final Iterator<String> it = root.fieldNames(); it.hasNext();) {
            final String n = it.next();
            if (!known.contains(n)) {
                throw new IllegalArgumentException("field '" + Messages.clip(n) + "' is unknown (the fields are listed by "
                    + "'resetguard scenario --help')");
            }
        }
        return root;
    }

    private static String at(final JsonProcessingException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
            : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
}
