package io.resetguard.spark;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.cli.SweepSupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grid - a sweep's grid file: for some of {@code simulate}'s settings, the list of values to run, and
 * the product of those lists, one point per combination.
 *
 * <p>The file is a JSON object whose keys are the scenario fields of {@code resetguard scenario}
 * (the same names, types and ranges) and whose values are non-empty arrays:
 * <pre>
 *   {"faultRate": [0.001, 0.01, 0.05], "recovery": ["seed-worker", "quarantine"], "flavour": ["smmuv3", "amd"]}
 * </pre>
 * gives 3 x 2 x 2 = 12 points, the first field varying slowest. {@link #points()} returns each point
 * as a scenario-like object ({@code {"faultRate": 0.01, "recovery": "quarantine", "flavour": "amd"}})
 * that {@link SweepSupport#resolve} turns into a configuration together with the options.
 *
 * <p>Everything is checked before any task runs, and the first fault is one line naming the file and
 * the field: a file that is not a JSON object, an unknown field, a field that cannot be swept
 * ({@link #FIXED}), a value that is not a non-empty array, a value its setting refuses, a field given
 * twice, a field also given as an option.
 */
final class Grid {
    /**
     * Fields a grid may not list: the seed (swept by {@code --seeds} / {@code --replications}), the
     * models (every run runs all of {@code --models}), the output and thread settings (a sweep has
     * {@code --out}, and a task runs one shard on one thread).
     */
    static final Set<String> FIXED = Set.of("seed", "models", "report", "threads");

    /** The grid of no file: one point, the options and defaults alone. */
    static final Grid NONE = new Grid(new LinkedHashMap<>());

    private final LinkedHashMap<String, List<JsonNode>> values;

    private Grid(final LinkedHashMap<String, List<JsonNode>> values) {
        this.values = values;
    }

    /** @return the swept fields, in file order, each with its values. */
    Map<String, List<JsonNode>> values() {
        return Collections.unmodifiableMap(values);
    }

    /** @return the swept fields in file order. */
    List<String> fields() {
        return new ArrayList<>(values.keySet());
    }

    /** @return the number of points (the product of the list sizes; 1 for no field). */
    long size() {
        long n = 1;
        for (final List<JsonNode> v : values.values()) {
            n = Math.multiplyExact(n, v.size());
        }
        return n;
    }

    /**
     * @return every combination of one value per field, the first field varying slowest, as a JSON
     *         object of scenario fields
     */
    List<ObjectNode> points() {
        final List<ObjectNode> out = new ArrayList<>();
        out.add(JsonNodeFactory.instance.objectNode());
        for (final Map.Entry<String, List<JsonNode>> e : values.entrySet()) {
            final List<ObjectNode> next = new ArrayList<>(out.size() * e.getValue().size());
            for (final ObjectNode p : out) {
                for (final JsonNode v : e.getValue()) {
                    final ObjectNode q = p.deepCopy();
                    q.set(e.getKey(), v);
                    next.add(q);
                }
            }
            out.clear();
            out.addAll(next);
        }
        return out;
    }

    /**
     * Read and check a grid file. Each value is checked by resolving it alone with {@code check}, which
     * must throw IllegalArgumentException with one line naming the field if the value is bad (the
     * command passes {@link SweepSupport#resolve} with its options).
     *
     * @param what  how the user named the file, for messages ({@code --grid 'sweep.json'})
     * @param file  the file
     * @param given whether the option of a field was given on the command line (a clash is refused)
     * @param check resolves one point; throws IllegalArgumentException naming the field
     * @return the grid
     * @throws IllegalArgumentException one line starting with {@code what}
     */
    static Grid read(final String what, final Path file, final java.util.function.Predicate<String> given,
                     final java.util.function.Consumer<ObjectNode> check) {
        final String text;
        try {
            text = Files.readString(file);
        } catch (final IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + ": cannot read the file: " + reason(e));
        }
        final JsonNode root;
        try {
            root = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(text);
        } catch (final JsonProcessingException e) {
            throw new IllegalArgumentException(what + ": not valid JSON: " + e.getOriginalMessage()
                + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(what + ": must be a JSON object of setting: [values], e.g. "
                + "{\"faultRate\": [0.001, 0.01]}");
        }
        final LinkedHashMap<String, List<JsonNode>> values = new LinkedHashMap<>();
        for (final Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            final Map.Entry<String, JsonNode> e = it.next();
            final String field = e.getKey();
            final String name = what + ": field '" + SweepSupport.clip(field) + "'";
            if (FIXED.contains(field)) {
                throw new IllegalArgumentException(name + " cannot be swept by a grid: "
                    + ("seed".equals(field) ? "use --seeds or --replications"
                    : "models".equals(field) ? "every run runs all of --models"
                    : "report".equals(field) ? "a sweep writes to --out" : "a task runs one shard on one thread"));
            }
            if (!SweepSupport.isField(field)) {
                throw new IllegalArgumentException(name + " is not a setting; use a scenario field such as "
                    + "faultRate, resetFailRate, lateRate, recovery, flavour, functions, duration");
            }
            if (given.test(field)) {
                throw new IllegalArgumentException(name + " is swept, but " + SweepSupport.optionOf(field)
                    + " is also given; give one of them");
            }
            final JsonNode list = e.getValue();
            if (!list.isArray() || list.isEmpty()) {
                throw new IllegalArgumentException(name + " must be a non-empty list of values, was "
                    + SweepSupport.clip(list.toString()));
            }
            final List<JsonNode> vs = new ArrayList<>();
            for (final JsonNode v : list) {
                for (final JsonNode seen : vs) {
                    if (seen.equals(v)) {
                        throw new IllegalArgumentException(name + " lists " + SweepSupport.clip(v.toString())
                            + " twice");
                    }
                }
                final ObjectNode alone = JsonNodeFactory.instance.objectNode();
                alone.set(field, v);
                try {
                    check.accept(alone);
                } catch (final IllegalArgumentException x) {
                    throw new IllegalArgumentException(SweepSupport.line(what + ": " + x.getMessage()), x);
                }
                vs.add(v);
            }
            values.put(field, vs);
        }
        return new Grid(values);
    }

    private static String reason(final Exception e) {
        final String m = e.getMessage();
        return e instanceof java.nio.file.NoSuchFileException ? "no such file"
            : e.getClass().getSimpleName() + (m == null ? "" : ": " + SweepSupport.clip(m));
    }
}
