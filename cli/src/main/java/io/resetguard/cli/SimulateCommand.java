package io.resetguard.cli;

import io.resetguard.inv.InvFlavour;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.sim.SimConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code resetguard simulate}: a fleet under every protocol model, side by side, with a comparison
 * table and a report directory ({@code report.json}, {@code index.html}).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Simulate a fleet of ATS functions under the protocol models, side by side.")
final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--functions", description = "ATS functions in the fleet (default ${DEFAULT-VALUE}).")
    int functions = SimConfig.defaults().functions();

    @Option(names = "--iommus", description = "IOMMU instances, one shard each (default: one per 16,384 "
        + "functions, at least 8).")
    Integer iommus;

    @Option(names = "--duration", description = "Virtual time, e.g. 1h, 30m, 90s (default ${DEFAULT-VALUE}).")
    String duration = "1h";

    @Option(names = "--seed", description = "Master seed (default ${DEFAULT-VALUE}).")
    long seed = SimConfig.defaults().seed();

    @Option(names = "--models", split = ",", converter = ModelConverter.class,
        description = "Comma-separated models (default: all): ${COMPLETION-CANDIDATES}",
        completionCandidates = ModelConverter.Names.class)
    List<ProtocolModel> models = new ArrayList<>(List.of(ProtocolModel.values()));

    @Option(names = "--fault-rate", description = "Probability that a function's device hangs during the run "
        + "(default ${DEFAULT-VALUE}).")
    double faultRate = SimConfig.defaults().faultRate();

    @Option(names = "--reset-fail-rate", description = "Probability that one reset-method run on a hung device "
        + "fails (default ${DEFAULT-VALUE}).")
    double resetFailRate = SimConfig.defaults().resetFailRate();

    @Option(names = "--late-rate", description = "Probability that a function's device answers invalidations "
        + "late, after the timeout (default ${DEFAULT-VALUE}).")
    double lateRate = SimConfig.defaults().lateRate();

    @Option(names = "--ignore-in-reset-rate", description = "Probability that a function's device ignores "
        + "invalidations while it is being reset (default ${DEFAULT-VALUE}).")
    double ignoreInResetRate = SimConfig.defaults().ignoreInResetRate();

    @Option(names = "--recovery", description = "none, seed-worker, fence-then-reset or quarantine (default ${DEFAULT-VALUE}).")
    String recovery = SimConfig.defaults().recovery().cliName();

    @Option(names = "--flavour", description = "smmuv3, vt-d or amd (default ${DEFAULT-VALUE}).")
    String flavour = SimConfig.defaults().flavour().cliName();

    @Option(names = "--report", description = "Report directory (default ${DEFAULT-VALUE}).")
    String report = "resetguard-report";

    @Option(names = "--threads", description = "Worker threads (default: the available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    // --- issue 13 part B: quarantine policy and Completion Count (the same settings as ScenarioCommand's
    // operatorResetDelay, completionCountRate, completionCount fields) ------------------------------------

    @Option(names = "--operator-reset-delay", description = "--recovery quarantine: how long after a quarantine "
        + "an operator or AER resets the function (default ${DEFAULT-VALUE}).")
    String operatorResetDelay = Durations.format(SimConfig.OPERATOR_RESET_DELAY_NS);

    @Option(names = "--completion-count-rate", description = "Probability that a function's device answers each "
        + "invalidation with --completion-count completion messages (default ${DEFAULT-VALUE}).")
    double completionCountRate = SimConfig.defaults().completionCountRate();

    @Option(names = "--completion-count", description = "Completion Count of those devices, 1..8 "
        + "(default ${DEFAULT-VALUE}).")
    int completionCount = SimConfig.defaults().completionCount();

    // --- end of issue 13 part B options ---------------------------------------------------------------

    @Override
    public Integer call() throws Exception {
        final SimConfig c;
        try {
            c = new SimConfig(functions, iommus != null ? iommus : SimConfig.autoIommus(functions), Durations.parse("--duration", duration), seed, models, faultRate,
                resetFailRate, lateRate, ignoreInResetRate, SimConfig.defaults().cyclePeriodNs(), SimConfig.defaults().writesPerCycle(),
                RecoveryPolicy.parse(recovery), flavour(flavour), threads,
                Durations.parse("--operator-reset-delay", operatorResetDelay), completionCountRate, completionCount);
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), optionName(e.getMessage()));
        }
        final Path target;
        try {
            target = ReportDir.check("--report", report);
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return SimRun.execute(c, target, !noProgress, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    static InvFlavour flavour(final String name) {
        for (final InvFlavour f : InvFlavour.values()) {
            if (f.cliName().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("flavour '" + name + "' is unknown; use smmuv3, vt-d or amd");
    }

    /** Name the option a SimConfig validation message is about. */
    private static String optionName(final String msg) {
        final String[][] map = {{"functions", "--functions"}, {"iommus", "--iommus"}, {"duration", "--duration"},
            {"models", "--models"}, {"faultRate", "--fault-rate"}, {"resetFailRate", "--reset-fail-rate"},
            {"lateRate", "--late-rate"}, {"ignoreInResetRate", "--ignore-in-reset-rate"},
            {"threads", "--threads"}, {"recovery", "--recovery"}, {"flavour", "--flavour"},
            {"operatorResetDelay", "--operator-reset-delay"}, {"completionCountRate", "--completion-count-rate"},
            {"completionCount", "--completion-count"}};
        for (final String[] m : map) {
            if (msg.startsWith(m[0] + " ") || msg.startsWith(m[0] + "'")) {
                return m[1] + ": " + msg;
            }
        }
        return msg;
    }
}
