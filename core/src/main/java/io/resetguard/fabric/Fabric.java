package io.resetguard.fabric;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fault.FaultInjector;
import io.resetguard.model.ProtocolModel;
import io.resetguard.model.WordCell;
import io.resetguard.state.DomainTable;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateCell;
import io.resetguard.state.StateImpl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fabric - the emulated machine: IOMMU instances, their groups and functions, the domains, one
 * protocol model, one state implementation, one kernel log and one fault injector.
 *
 * <p>Build it with {@link #builder()}, then add IOMMUs, groups and functions:
 * <pre>{@code
 * Fabric f = Fabric.builder().model(ProtocolModel.SEED).build();
 * IommuGroup g = f.addIommu("smmu0").addGroup();
 * PciFunction nic = g.addFunction(Bdf.parse("0000:3b:00.0"), true, 0);
 * Errno rc = g.prepare(nic);   // 0: the NIC's RID is on the blocking domain
 * g.finishReset(nic, Errno.ENOTTY);  // seed: stays blocked, "Reset failed. Blocking ATS ..."
 * }</pre>
 *
 * <p>Topology changes are thread-safe but not meant to be hot; protocol operations on groups are.
 */
public final class Fabric {
    private final ProtocolModel model;
    private final StateImpl stateImpl;
    private final java.util.function.Function<GroupState, StateCell> cells;
    private final DomainTable domainTable = new DomainTable();
    private final int initialEpoch;
    private final EventLog events;
    private volatile FaultInjector faults;
    private final AtomicLong domainIds = new AtomicLong(1);
    private final AtomicInteger groupIds = new AtomicInteger();
    private final AtomicInteger functionIds = new AtomicInteger();
    private final List<Iommu> iommus = new CopyOnWriteArrayList<>();
    private final Map<Bdf, PciFunction> byBdf = new ConcurrentHashMap<>();

    private Fabric(final Builder b) {
        this.model = b.model;
        this.stateImpl = b.stateImpl;
        this.cells = b.cells;
        this.initialEpoch = b.initialEpoch;
        this.events = b.events;
        this.faults = b.faults;
    }

    /** @return a builder with model {@code linux-7.1}, the lock-free state and no faults. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the protocol model. */
    public ProtocolModel model() {
        return model;
    }

    /** @return the state implementation. */
    public StateImpl stateImpl() {
        return stateImpl;
    }

    /**
     * A new state cell for a group with no gdevs: the word core ({@link WordCell}) of the configured
     * {@link StateImpl}, or the builder's {@link Builder#cellFactory} cell.
     */
    StateCell newCell(final Domain blocking, final Domain defaultDomain, final int groupId) {
        if (cells != null) {
            return cells.apply(GroupState.initial(defaultDomain));
        }
        return WordCell.create(stateImpl, model, domainTable, blocking, defaultDomain, groupId, initialEpoch);
    }

    /** @return the fabric-wide table of domain ids (word codes). */
    public DomainTable domainTable() {
        return domainTable;
    }

    private Domain registered(final Domain d) {
        domainTable.register(d);
        return d;
    }

    /** @return the kernel log. */
    public EventLog events() {
        return events;
    }

    /** @return the fault injector. */
    public FaultInjector faults() {
        return faults;
    }

    /** Replace the fault injector (e.g. between the phases of a fail-nth sweep). */
    public void faults(final FaultInjector injector) {
        this.faults = Objects.requireNonNull(injector, "injector");
    }

    /**
     * Add an IOMMU instance.
     *
     * @param name its name, unique in the fabric
     * @return the IOMMU
     */
    public Iommu addIommu(final String name) {
        Objects.requireNonNull(name, "name");
        synchronized (iommus) {
            for (final Iommu i : iommus) {
                if (i.name().equals(name)) {
                    throw new IllegalArgumentException("IOMMU name '" + name + "' is already used");
                }
            }
            final Iommu i = new Iommu(this, iommus.size(), name);
            iommus.add(i);
            return i;
        }
    }

    /** @return the IOMMUs in creation order. */
    public List<Iommu> iommus() {
        return Collections.unmodifiableList(iommus);
    }

    /** @return every group of every IOMMU. */
    public List<IommuGroup> groups() {
        final List<IommuGroup> all = new ArrayList<>();
        for (final Iommu i : iommus) {
            all.addAll(i.groups());
        }
        return all;
    }

    /** @return the function at {@code bdf}, or null. */
    public PciFunction function(final Bdf bdf) {
        return byBdf.get(bdf);
    }

    /** @return how many functions were ever created. */
    public int functionCount() {
        return functionIds.get();
    }

    /** @return a new paging domain. */
    public Domain allocPagingDomain() {
        return registered(new Domain(this, domainIds.getAndIncrement(), Domain.Type.PAGING));
    }

    /** @return a new identity domain. */
    public Domain allocIdentityDomain() {
        return registered(new Domain(this, domainIds.getAndIncrement(), Domain.Type.IDENTITY));
    }

    /**
     * iommu_domain_free(): free a paging or identity domain. A second free is a WARN and -EINVAL; a
     * blocking domain cannot be freed (-EINVAL). Freeing a domain that a group still points to is
     * allowed, as in the kernel: the use is what the emulator detects.
     *
     * @param d the domain
     * @return 0 or -EINVAL
     */
    public Errno freeDomain(final Domain d) {
        if (d.isBlocking()) {
            return Errno.EINVAL;
        }
        if (!d.casFreed()) {
            events.record(EventType.WARN_DOUBLE_FREE, null, d.toString());
            return Errno.EINVAL;
        }
        return Errno.OK;
    }

    IommuGroup newGroup(final Iommu iommu, final boolean withDefaultDomain) {
        final Domain blocking = registered(new Domain(this, domainIds.getAndIncrement(), Domain.Type.BLOCKED));
        final Domain def = withDefaultDomain ? allocPagingDomain() : null;
        return new IommuGroup(this, iommu, groupIds.getAndIncrement(), blocking, def);
    }

    PciFunction newFunction(final Bdf bdf, final boolean ats, final int maxPasids, final IommuGroup group) {
        Objects.requireNonNull(bdf, "bdf");
        synchronized (byBdf) { // topology only: ids stay dense and addresses unique
            if (byBdf.containsKey(bdf)) {
                throw new IllegalArgumentException("PCI address " + bdf + " is already in the fabric");
            }
            final PciFunction fn = new PciFunction(this, functionIds.get(), bdf, ats, maxPasids, group);
            functionIds.incrementAndGet();
            byBdf.put(bdf, fn);
            return fn;
        }
    }

    /**
     * Undo {@link #newFunction} for a function whose probe failed: its address is free again. The id
     * stays used (ids are never reused).
     */
    void forgetFunction(final PciFunction fn) {
        synchronized (byBdf) {
            byBdf.remove(fn.bdf(), fn);
        }
    }

    /** Builds a {@link Fabric}. */
    public static final class Builder {
        private ProtocolModel model = ProtocolModel.LINUX_7_1;
        private StateImpl stateImpl = StateImpl.LOCK_FREE;
        private java.util.function.Function<GroupState, StateCell> cells;
        private EventLog events = new EventLog();
        private FaultInjector faults = FaultInjector.NONE;
        private int initialEpoch;

        private Builder() {
        }

        /**
         * Start every group's epoch at {@code e} (docs/state-core.md §5): tests start it next to the
         * 20-bit wrap to drive descriptors across it.
         *
         * @param e the first epoch, masked to the field
         * @return this
         */
        public Builder initialEpoch(final int e) {
            this.initialEpoch = (int) (e & io.resetguard.state.GroupWord.EPOCH_MASK);
            return this;
        }

        /** @param m the protocol model @return this */
        public Builder model(final ProtocolModel m) {
            this.model = Objects.requireNonNull(m, "model");
            return this;
        }

        /** @param s the state implementation @return this */
        public Builder stateImpl(final StateImpl s) {
            this.stateImpl = Objects.requireNonNull(s, "stateImpl");
            return this;
        }

        /**
         * Make every group's cell with {@code factory} instead of {@link StateImpl#newCell}: the hook
         * through which the stress suite's negative controls run a deliberately broken cell under the
         * real entry points. {@link Fabric#stateImpl()} still reports the configured implementation.
         *
         * @param factory makes a cell holding the given initial snapshot
         * @return this
         */
        public Builder cellFactory(final java.util.function.Function<GroupState, StateCell> factory) {
            this.cells = Objects.requireNonNull(factory, "cellFactory");
            return this;
        }

        /** @param log the kernel log to write to @return this */
        public Builder events(final EventLog log) {
            this.events = Objects.requireNonNull(log, "events");
            return this;
        }

        /** @param f the fault injector @return this */
        public Builder faults(final FaultInjector f) {
            this.faults = Objects.requireNonNull(f, "faults");
            return this;
        }

        /** @return the fabric */
        public Fabric build() {
            return new Fabric(this);
        }
    }
}
