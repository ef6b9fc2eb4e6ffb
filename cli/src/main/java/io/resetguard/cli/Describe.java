package io.resetguard.cli;

import io.resetguard.model.ProtocolModel;

/** Human-readable words for the model enums, shared by the subcommands. */
final class Describe {
    private Describe() {
    }

    static String bookkeeping(final ProtocolModel.Bookkeeping b) {
        switch (b) {
            case GROUP_FLAG:
                return "group flag (resetting_domain)";
            case DEVICE_COUNTER:
                return "device counter (blocked, reset_depth, recovery_cnt)";
            default:
                return b.name().toLowerCase();
        }
    }

    static String afterReset(final ProtocolModel.AfterReset a) {
        switch (a) {
            case ALWAYS_DONE:
                return "done() always";
            case DONE_ON_SUCCESS_OR_NO_ATS:
                return "done() only if ok or no ATS";
            case PASS_RESULT:
                return "done(result)";
            default:
                return a.name().toLowerCase();
        }
    }
}
