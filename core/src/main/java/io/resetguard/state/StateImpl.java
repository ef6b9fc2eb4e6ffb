package io.resetguard.state;

/** Which {@link StateCell} a fabric's groups use. */
public enum StateImpl {
    /** {@link LockFreeStateCell}: compare-and-set on an immutable snapshot. */
    LOCK_FREE("lock-free"),
    /** {@link LockingStateCell}: one lock per group, like {@code group->mutex}. */
    LOCKING("locking");

    private final String cliName;

    StateImpl(final String cliName) {
        this.cliName = cliName;
    }

    /** @return the name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /** @return a new cell of this kind holding {@code initial}. */
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
