package io.resetguard.cli;

import io.resetguard.model.ProtocolModel;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Iterator;

/**
 * Converts a {@code --model} value ({@link ProtocolModel#cliName()}) and lists the valid ones.
 *
 * <p>An unknown name becomes a picocli usage error, "Invalid value for option '--model': ...",
 * that names the valid models; the command then exits with code 2.
 */
final class ModelConverter implements ITypeConverter<ProtocolModel> {
    @Override
    public ProtocolModel convert(final String value) {
        for (final ProtocolModel m : ProtocolModel.values()) {
            if (m.cliName().equals(value)) {
                return m;
            }
        }
        throw new TypeConversionException(
            "unknown protocol model '" + value + "'; valid models: " + ProtocolModel.names());
    }

    /** The valid names, for the help text ({@code ${COMPLETION-CANDIDATES}}) and shell completion. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(ProtocolModel.values()).map(ProtocolModel::cliName).iterator();
        }
    }
}
