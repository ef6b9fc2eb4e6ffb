package io.resetguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.resetguard.inv.InvFlavour;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.sim.SimConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SimSettings - the simulation settings that {@code simulate} and {@code scenario} share, written once.
 *
 * <p>Each {@link Setting} is one option ({@code --fault-rate}) and one scenario field
 * ({@code faultRate}) with one strict parser, so the two commands cannot drift: {@link #addTo} adds
 * every setting as an option to a command, and {@link #resolve} builds the {@link SimConfig} from, in
 * order of precedence, the options given, a scenario file's fields, and {@link SimConfig#defaults()}.
 *
 * <p>A bad value is an {@link Bad} naming the option (with the value as the user wrote it) or the
 * field, in one line; a range error of {@link SimConfig} is mapped to its setting the same way.
 */
final class SimSettings {
    /** How a setting's text is parsed. */
    enum Kind { INT, LONG, RATE, DURATION, MODELS, RECOVERY, FLAVOUR, PATH }

    /** One setting: its option, its scenario field, its parser and its help. */
    enum Setting {
        FUNCTIONS("--functions", "functions", "N", Kind.INT,
            "ATS functions in the fleet (default " + fmt("%,d", D.CONFIG.functions()) + ")."),
        IOMMUS("--iommus", "iommus", "N", Kind.INT,
            "IOMMU instances, one shard each (default: one per " + fmt("%,d", SimConfig.FUNCTIONS_PER_IOMMU)
                + " functions, at least 8)."),
        DURATION("--duration", "duration", "D", Kind.DURATION,
            "Virtual time, e.g. 1h, 1h30m, 7d (default " + Durations.format(D.CONFIG.durationNs()) + ")."),
        SEED("--seed", "seed", "S", Kind.LONG, "Master seed (default " + D.CONFIG.seed() + ")."),
        MODELS("--models", "models", "LIST", Kind.MODELS,
            "Comma-separated models (default: all): " + ProtocolModel.names() + "."),
        FAULT_RATE("--fault-rate", "faultRate", "X", Kind.RATE,
            "Probability that a function's device hangs during the run (default " + D.CONFIG.faultRate() + ")."),
        RESET_FAIL_RATE("--reset-fail-rate", "resetFailRate", "X", Kind.RATE,
            "Probability that one reset-method run on a hung device fails (default "
                + D.CONFIG.resetFailRate() + ")."),
        LATE_RATE("--late-rate", "lateRate", "X", Kind.RATE,
            "Probability that a function's device answers invalidations late, after the timeout (default "
                + D.CONFIG.lateRate() + ")."),
        IGNORE_IN_RESET_RATE("--ignore-in-reset-rate", "ignoreInResetRate", "X", Kind.RATE,
            "Probability that a function's device ignores invalidations while it is being reset (default "
                + D.CONFIG.ignoreInResetRate() + ")."),
        CYCLE_PERIOD("--cycle-period", "cyclePeriod", "D", Kind.DURATION,
            "Mean time between a function's map/write/unmap cycles (default "
                + Durations.format(D.CONFIG.cyclePeriodNs()) + ")."),
        WRITES_PER_CYCLE("--writes-per-cycle", "writesPerCycle", "N", Kind.INT,
            "Translated writes per cycle (default " + D.CONFIG.writesPerCycle() + ")."),
        RECOVERY("--recovery", "recovery", "POLICY", Kind.RECOVERY,
            "none, seed-worker, fence-then-reset or quarantine (default " + D.CONFIG.recovery().cliName() + ")."),
        FLAVOUR("--flavour", "flavour", "NAME", Kind.FLAVOUR,
            "smmuv3, vt-d or amd (default " + D.CONFIG.flavour().cliName() + ")."),
        OPERATOR_RESET_DELAY("--operator-reset-delay", "operatorResetDelay", "D", Kind.DURATION,
            "--recovery quarantine: how long after a quarantine an operator or AER resets the function (default "
                + Durations.format(D.CONFIG.operatorResetDelayNs()) + ")."),
        COMPLETION_COUNT_RATE("--completion-count-rate", "completionCountRate", "X", Kind.RATE,
            "Probability that a function's device answers each invalidation with --completion-count "
                + "completion messages (default " + D.CONFIG.completionCountRate() + ")."),
        COMPLETION_COUNT("--completion-count", "completionCount", "N", Kind.INT,
            "Completion Count of those devices, 1..8 (default " + D.CONFIG.completionCount() + ")."),
        THREADS("--threads", "threads", "N", Kind.INT, "Worker threads (default: the available processors)."),
        REPLICATIONS("--replications", "replications", "N", Kind.INT, "Independent runs with fresh random "
            + "streams, each reported, with their mean and a 95% confidence interval (default 1)."),
        REPORT("--report", "report", "DIR", Kind.PATH, "Report directory (default " + D.REPORT + "); "
            + "an existing one is replaced only if ResetGuard wrote it.");

        final String option;
        final String field;
        final String label;
        final Kind kind;
        final String help;

        Setting(final String option, final String field, final String label, final Kind kind, final String help) {
            this.option = option;
            this.field = field;
            this.label = label;
            this.kind = kind;
            this.help = help;
        }

        /** @return the setting whose scenario field is {@code field}, or null. */
        static Setting ofField(final String field) {
            for (final Setting s : values()) {
                if (s.field.equals(field)) {
                    return s;
                }
            }
            return null;
        }
    }

    /** The default report directory. */
    static final String DEFAULT_REPORT = D.REPORT;

    /**
     * The defaults the help text states, taken from {@link SimConfig#defaults()} so they cannot drift
     * (a nested class, so that the enum's constants can reach them while the enum initializes).
     */
    private static final class D {
        static final SimConfig CONFIG = SimConfig.defaults();
        static final String REPORT = "resetguard-report";
    }

    private static String fmt(final String f, final Object v) {
        return String.format(java.util.Locale.ROOT, f, v);
    }

    /** A bad setting: its message is one line naming the option or field. */
    static final class Bad extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        /** Whether the value came from the command line (else from a scenario file). */
        final boolean fromOption;

        Bad(final String message, final boolean fromOption) {
            super(message);
            this.fromOption = fromOption;
        }
    }

    /** The settings resolved: the configuration, and where the report goes and how the user named it. */
    record Resolved(SimConfig config, String report, String reportWhat, int replications) {
    }

    /** The most replications a run may ask for (each is a whole simulation). */
    static final int MAX_REPLICATIONS = 10_000;

    private SimSettings() {
    }

    /** Add every {@link Setting} to {@code cmd} as a string option (parsed later, strictly, by {@link #resolve}). */
    static void addTo(final CommandSpec cmd) {
        addTo(cmd, java.util.EnumSet.noneOf(Setting.class));
    }

    /**
     * Add every {@link Setting} but {@code except} to {@code cmd} as a string option; a command that
     * has its own option of the same name (a sweep's {@code --replications}) leaves that setting out.
     */
    static void addTo(final CommandSpec cmd, final java.util.Set<Setting> except) {
        for (final Setting s : Setting.values()) {
            if (except.contains(s)) {
                continue;
            }
            cmd.addOption(OptionSpec.builder(s.option).paramLabel(s.label).type(String.class)
                .description(s.help).build());
        }
    }

    /**
     * Build the configuration.
     *
     * @param cmd  the command the options were added to by {@link #addTo}, after parsing
     * @param file a scenario file's root object, or null
     * @return the configuration and the report directory
     * @throws Bad one line naming the option (and its value as given) or the field
     */
    static Resolved resolve(final CommandSpec cmd, final JsonNode file) {
        final ParseResult pr = cmd.commandLine().getParseResult();
        final Map<Setting, Object> v = new EnumMap<>(Setting.class);
        final Map<Setting, String> shown = new EnumMap<>(Setting.class);
        final Set<Setting> fromOption = new HashSet<>();
        for (final Setting s : Setting.values()) {
            if (pr != null && pr.hasMatchedOption(s.option)) {
                final String text = cmd.findOption(s.option).getValue();
                final String name = s.option + " '" + Messages.clip(text) + "'";
                shown.put(s, name);
                fromOption.add(s);
                v.put(s, parse(s, text, name, true));
            } else if (file != null && file.has(s.field)) {
                final String name = "field '" + s.field + "'";
                shown.put(s, name);
                v.put(s, fromJson(s, file.get(s.field), name));
            }
        }
        final SimConfig d = SimConfig.defaults();
        final int functions = (Integer) v.getOrDefault(Setting.FUNCTIONS, d.functions());
        @SuppressWarnings("unchecked")
        final List<ProtocolModel> models = (List<ProtocolModel>) v.getOrDefault(Setting.MODELS, d.models());
        final SimConfig c;
        try {
            c = new SimConfig(functions,
                (Integer) v.getOrDefault(Setting.IOMMUS, SimConfig.autoIommus(functions)),
                (Long) v.getOrDefault(Setting.DURATION, d.durationNs()),
                (Long) v.getOrDefault(Setting.SEED, d.seed()), models,
                (Double) v.getOrDefault(Setting.FAULT_RATE, d.faultRate()),
                (Double) v.getOrDefault(Setting.RESET_FAIL_RATE, d.resetFailRate()),
                (Double) v.getOrDefault(Setting.LATE_RATE, d.lateRate()),
                (Double) v.getOrDefault(Setting.IGNORE_IN_RESET_RATE, d.ignoreInResetRate()),
                (Long) v.getOrDefault(Setting.CYCLE_PERIOD, d.cyclePeriodNs()),
                (Integer) v.getOrDefault(Setting.WRITES_PER_CYCLE, d.writesPerCycle()),
                (RecoveryPolicy) v.getOrDefault(Setting.RECOVERY, d.recovery()),
                (InvFlavour) v.getOrDefault(Setting.FLAVOUR, d.flavour()),
                (Integer) v.getOrDefault(Setting.THREADS, d.threads()),
                (Long) v.getOrDefault(Setting.OPERATOR_RESET_DELAY, d.operatorResetDelayNs()),
                (Double) v.getOrDefault(Setting.COMPLETION_COUNT_RATE, d.completionCountRate()),
                (Integer) v.getOrDefault(Setting.COMPLETION_COUNT, d.completionCount()));
        } catch (final IllegalArgumentException e) {
            throw rangeError(e.getMessage(), shown, fromOption);
        }
        final int replications = (Integer) v.getOrDefault(Setting.REPLICATIONS, 1);
        if (replications < 1 || replications > MAX_REPLICATIONS) {
            throw rangeError("replications must be in 1.." + MAX_REPLICATIONS + ", was " + replications, shown,
                fromOption);
        }
        final String report = (String) v.getOrDefault(Setting.REPORT, DEFAULT_REPORT);
        final String what = shown.containsKey(Setting.REPORT)
            ? (fromOption.contains(Setting.REPORT) ? Setting.REPORT.option : shown.get(Setting.REPORT))
            : "the default report directory";
        return new Resolved(c, report, what, replications);
    }

    /** Map a {@link SimConfig} message ("faultRate must be in [0, 1], was 3.0") to its setting. */
    private static Bad rangeError(final String msg, final Map<Setting, String> shown, final Set<Setting> fromOption) {
        final String first = msg.split("[ ']", 2)[0];
        final Setting s = Setting.ofField(first);
        if (s == null) {
            return new Bad(Messages.line(msg), !fromOption.isEmpty());
        }
        final String rest = msg.substring(first.length()).strip();
        final String name = shown.getOrDefault(s, s.option + " (default)");
        return new Bad(Messages.line(name + ": " + rest), fromOption.contains(s) || !shown.containsKey(s));
    }

    private static Object fromJson(final Setting s, final JsonNode n, final String name) {
        switch (s.kind) {
            case INT:
            case LONG:
                if (!n.isIntegralNumber()) {
                    throw new Bad(name + ": must be a whole number, was " + Messages.clip(n.toString()), false);
                }
                return parse(s, n.asText(), name, false);
            case RATE:
                if (!n.isNumber()) {
                    throw new Bad(name + ": must be a number, was " + Messages.clip(n.toString()), false);
                }
                return parse(s, n.isBigDecimal() ? n.decimalValue().toString() : n.asText(), name, false);
            case MODELS:
                if (!n.isArray() || n.isEmpty()) {
                    throw new Bad(name + ": must be a non-empty array of " + ProtocolModel.names(), false);
                }
                final List<ProtocolModel> ms = new ArrayList<>();
                for (final JsonNode e : n) {
                    if (!e.isTextual()) {
                        throw new Bad(name + ": must be an array of model names, had " + Messages.clip(e.toString()),
                            false);
                    }
                    try {
                        ms.add(model(e.asText()));
                    } catch (final IllegalArgumentException x) {
                        throw new Bad(Messages.line(name + ": " + x.getMessage()), false);
                    }
                }
                return ms;
            default:
                if (!n.isTextual()) {
                    throw new Bad(name + ": must be a string, was " + Messages.clip(n.toString()), false);
                }
                return parse(s, n.asText(), name, false);
        }
    }

    /** Parse one setting's text; {@code name} prefixes the message. */
    static Object parse(final Setting s, final String text, final String name, final boolean fromOption) {
        try {
            switch (s.kind) {
                case INT:
                    return Numbers.parseInt(text);
                case LONG:
                    return Numbers.parseLong(text);
                case RATE:
                    return Numbers.parseDouble(text);
                case DURATION:
                    try {
                        return Durations.parse("", text);
                    } catch (final IllegalArgumentException e) {
                        // Durations names the value itself: keep only the reason
                        final String m = e.getMessage();
                        throw new IllegalArgumentException(m.substring(m.indexOf("': ") + 3));
                    }
                case MODELS:
                    return models(text);
                case RECOVERY:
                    try {
                        return RecoveryPolicy.parse(text);
                    } catch (final IllegalArgumentException e) {
                        throw new IllegalArgumentException("unknown policy; use " + java.util.Arrays.stream(RecoveryPolicy.values()).map(RecoveryPolicy::cliName).collect(java.util.stream.Collectors.joining(", ")));
                    }
                case FLAVOUR:
                    return flavour(text);
                default:
                    if (text == null || text.isBlank()) {
                        throw new IllegalArgumentException("must name a directory");
                    }
                    return text;
            }
        } catch (final IllegalArgumentException e) {
            throw new Bad(Messages.line(name + ": " + e.getMessage()), fromOption);
        }
    }

    /** @return the models of a comma-separated list; an empty name (as in {@code seed,}) is refused. */
    static List<ProtocolModel> models(final String text) {
        final List<ProtocolModel> ms = new ArrayList<>();
        for (final String m : (text == null ? "" : text).split(",", -1)) {
            ms.add(model(m));
        }
        return ms;
    }

    /** @return the model named {@code m}; IllegalArgumentException for an empty or unknown name. */
    static ProtocolModel model(final String m) {
        if (m.isEmpty()) {
            throw new IllegalArgumentException("an empty model name; valid models: " + ProtocolModel.names());
        }
        for (final ProtocolModel p : ProtocolModel.values()) {
            if (p.cliName().equals(m)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol model '" + Messages.clip(m) + "'; valid models: "
            + ProtocolModel.names());
    }

    /** @return the flavour named {@code name}. */
    static InvFlavour flavour(final String name) {
        for (final InvFlavour f : InvFlavour.values()) {
            if (f.cliName().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown flavour; use " + java.util.Arrays.stream(InvFlavour.values()).map(InvFlavour::cliName).collect(java.util.stream.Collectors.joining(", ")));
    }
}
