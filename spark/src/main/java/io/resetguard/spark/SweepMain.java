package io.resetguard.spark;

import io.resetguard.cli.SweepSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * SweepMain - the entry point of the spark module: {@code resetguard sweep ...}.
 *
 * <pre>
 *   ./resetguard sweep --functions 40000 --duration 20m --fault-rate 0.05 --seeds 7,8 --master 'local[2]' --out DIR
 *   spark-submit --class io.resetguard.spark.SweepMain spark/target/resetguard-spark.jar sweep ... --out DIR
 * </pre>
 *
 * <p>Exit codes as {@code resetguard}'s: 0 success, 1 a failure during the run, 2 bad input (one line
 * on standard error naming the option, field or file), before any task runs.
 */
@Command(name = "resetguard", mixinStandardHelpOptions = true, subcommands = SweepCommand.class,
    description = "ResetGuard on Apache Spark.")
public final class SweepMain implements Runnable {
    /**
     * Run the command and exit the JVM with its exit code.
     *
     * @param args {@code sweep} and its options
     */
    public static void main(final String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** @return the command line with the one-line usage-error handler of {@code resetguard}. */
    static CommandLine commandLine() {
        final CommandLine cl = new CommandLine(new SweepMain());
        SweepSupport.addSettings(cl.getSubcommands().get("sweep").getCommandSpec());
        cl.setParameterExceptionHandler(SweepSupport::usageError);
        return cl;
    }

    /**
     * Run with the given streams, without exiting (tests, embedding).
     *
     * @return the exit code
     */
    static int run(final String[] args, final PrintWriter out, final PrintWriter err) {
        final CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing subcommand: sweep");
    }
}
