package io.resetguard.pci;

import io.resetguard.fabric.PciFunction;

/**
 * Decides the {@link ResetOutcome} of each reset-method run. Called once per run (not in probe
 * mode), from the thread running the reset; implementations must be thread-safe.
 */
@FunctionalInterface
public interface ResetFaults {
    /** Every reset succeeds. */
    ResetFaults NONE = (fn, m, attempt) -> ResetOutcome.SUCCESS;

    /**
     * @param fn      the function
     * @param method  the method about to run
     * @param attempt how many times this method ran on this function before (0 for the first)
     * @return the outcome
     */
    ResetOutcome outcome(PciFunction fn, ResetMethod method, int attempt);
}
