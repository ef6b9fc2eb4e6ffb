package io.resetguard.inv;

/**
 * The device side of ATC invalidation as the engine sees it: whether a function takes
 * invalidations at all, and the delivery of an Invalidate Request with its ITag. The endpoint answers
 * later (or never) by calling {@link IommuEngine#complete}.
 */
public interface AtcEndpoint {
    /**
     * @return {@code false} if the driver mutes {@code cmd} (by its {@link InvCommand.Purpose}: ATS
     *         disabled, the function fenced or parked); the engine then resolves it at once as done
     */
    boolean accepts(InvCommand cmd);

    /**
     * Deliver an Invalidate Request.
     *
     * @param engine the engine to answer to
     * @param cmd    the ATC_INV command
     * @param itag   its ITag (0..31)
     * @param tagGen the ITag's generation; echo it in the completion
     */
    void deliver(IommuEngine engine, InvCommand cmd, int itag, long tagGen);
}
