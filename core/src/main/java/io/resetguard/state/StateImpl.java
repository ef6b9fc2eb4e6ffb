package io.resetguard.state;

/** Which {@link StateCell} a fabric's groups use. */
public enum StateImpl {
    /**
     * The word core, {@code model.LockFreeWordCell} (docs/state-core.md): one CAS per prepare/done,
     * a helped multi-word descriptor for every other operation. {@link #newCell} makes the snapshot
     * reference {@link LockFreeStateCell} instead.
     */
    LOCK_FREE("lock-free"),
    /**
     * The locking twin, {@code model.LockingWordCell}: the same words and rules under one lock per
     * group, like {@code group->mutex}. {@link #newCell} makes the snapshot reference
     * {@link LockingStateCell} instead.
     */
    LOCKING("locking");

    private final String cliName;

    StateImpl(final String cliName) {
        this.cliName = cliName;
    }

    /** @return the name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /**
     * @return a new snapshot cell of this kind holding {@code initial}: the executable reference the
     *         word core is tested against (fabrics use the word core)
     */
    public StateCell newCell(final GroupState initial) {
        return this == LOCK_FREE ? new LockFreeStateCell(initial) : new LockingStateCell(initial);
    }

    /**
     * @param name {@code lock-free} or {@code locking}
     * @return the implementation
     * @throws IllegalArgumentException naming the valid values
     */
    public static StateImpl parse(final String name) {
        for (final StateImpl i : values()) {
            if (i.cliName.equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("state implementation '" + name + "' is unknown; use lock-free or locking");
    }
}
