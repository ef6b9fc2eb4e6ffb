package io.resetguard.cli;

import io.resetguard.model.ProtocolModel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code resetguard models}: the protocol models, one per line. */
@Command(name = "models", mixinStandardHelpOptions = true,
    description = "List the protocol models that --models accepts, with how each one keeps and ends a reset.")
final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--models", paramLabel = "LIST", description = "Comma-separated models to list (default: all).")
    String models;

    @Override
    public Integer call() {
        final List<ProtocolModel> shown;
        try {
            shown = models == null ? List.of(ProtocolModel.values()) : SimSettings.models(models);
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--models '" + Messages.clip(models) + "': "
                + e.getMessage());
        }
        final List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"MODEL", "BOOKKEEPING", "RE-ENTRY", "AFTER RESET", "LINUX 7.0 DEFECTS", "DESCRIPTION"});
        for (final ProtocolModel m : shown) {
            rows.add(new String[] {
                m.cliName(),
                Describe.bookkeeping(m.bookkeeping()),
                m.reentryAllowed() ? "allowed" : "WARN + -EBUSY",
                Describe.afterReset(m.afterReset()),
                m.hasLinux70Defects() ? "yes" : "no",
                m.description()});
        }
        final int[] w = new int[rows.get(0).length];
        for (final String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        final PrintWriter out = spec.commandLine().getOut();
        for (final String[] r : rows) {
            final StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                b.append(r[i]);
                if (i < r.length - 1) {
                    b.append(" ".repeat(w[i] - r[i].length() + 2));
                }
            }
            out.println(b);
        }
        out.flush();
        return 0;
    }
}
