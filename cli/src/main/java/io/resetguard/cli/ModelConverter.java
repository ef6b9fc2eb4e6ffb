package io.resetguard.cli;

import io.resetguard.model.ProtocolModel;

import java.util.Arrays;
import java.util.Iterator;

/**
 * The valid {@code --models} names, for the help text ({@code ${COMPLETION-CANDIDATES}}) and shell
 * completion. The names themselves are parsed by {@link SimSettings#models(String)}, which every
 * command uses, so that an empty or unknown name gets the same one-line error everywhere.
 */
final class ModelConverter {
    private ModelConverter() {
    }

    /** The valid names ({@link ProtocolModel#cliName()}), in declaration order. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(ProtocolModel.values()).map(ProtocolModel::cliName).iterator();
        }
    }
}
