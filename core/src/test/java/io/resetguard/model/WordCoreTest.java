package io.resetguard.model;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.state.GroupState;
import io.resetguard.state.GroupWord;
import io.resetguard.state.StateImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WordCoreTest - what the word core promises beyond the snapshot rules (docs/state-core.md): a
 * transition that changes nothing writes nothing, a 7.1-family prepare/done never writes the group
 * word, epochs wrap, slots are reused and the word array grows.
 */
class WordCoreTest {
    private static IommuGroup group(final ProtocolModel m, final StateImpl impl, final int epoch) {
        return Fabric.builder().model(m).stateImpl(impl).initialEpoch(epoch).build().addIommu("smmu0").addGroup();
    }

    private static WordCell cell(final IommuGroup g) {
        return (WordCell) g.cell();
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolModel.class, names = {"LINUX_7_0", "LINUX_7_1", "QUAR_V6"})
    void refusedAttachAndReplaceWriteNothing(final ProtocolModel m) {
        final IommuGroup g = group(m, StateImpl.LOCK_FREE, 0);
        final PciFunction a = g.addFunction(Bdf.parse("00:01.0"), true, 0);
        g.addFunction(Bdf.parse("00:01.1"), true, 0);
        final Domain d = g.fabric().allocPagingDomain();
        assertSame(Errno.OK, g.prepare(a));
        final long before = cell(g).groupWord();
        assertSame(Errno.EBUSY, g.attachGroup(d));
        assertSame(Errno.EBUSY, g.replaceGroup(d));
        assertEquals(before, cell(g).groupWord(), "a fenced attach is decided from one read: no descriptor, no epoch");
        assertSame(Errno.OK, g.replaceGroup(g.defaultDomain()), "already there: 0, nothing written");
        assertEquals(before, cell(g).groupWord());
        g.done(a);
        assertSame(Errno.OK, g.replaceGroup(d));
        assertNotEquals(before, cell(g).groupWord(), "an applied replace is a multi-word operation");
    }

    @Test
    void linux70ReentryWritesNothing() {
        final IommuGroup g = group(ProtocolModel.LINUX_7_0, StateImpl.LOCK_FREE, 0);
        final PciFunction a = g.addFunction(Bdf.parse("00:01.0"), true, 0);
        final PciFunction b = g.addFunction(Bdf.parse("00:01.1"), true, 0);
        assertSame(Errno.OK, g.prepare(a));
        final long before = cell(g).groupWord();
        assertSame(Errno.EBUSY, g.prepare(b));
        assertEquals(before, cell(g).groupWord());
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void linux71PrepareAndDoneNeverWriteTheGroupWord(final StateImpl impl) {
        final IommuGroup g = group(ProtocolModel.LINUX_7_1, impl, 0);
        final PciFunction a = g.addFunction(Bdf.parse("00:01.0"), true, 0);
        final PciFunction b = g.addFunction(Bdf.parse("00:01.1"), true, 0);
        g.prepare(a); // the first prepare allocates the blocking domain: a multi-word operation
        g.done(a);
        final long before = cell(g).groupWord();
        for (int i = 0; i < 3; i++) {
            assertSame(Errno.OK, g.prepare(a));
            assertSame(Errno.OK, g.prepare(b));
            assertTrue(g.isParked(a) && g.isParked(b));
            g.done(b);
            g.done(a, Errno.EIO);
        }
        assertEquals(before, cell(g).groupWord(), "only the functions' own words were written");
        assertEquals(0, g.snapshot().recoveryCnt(), "recovery_cnt is derived from the function words");
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void epochsWrapAndSlotsAreReusedAsTheArrayGrows(final StateImpl impl) {
        final IommuGroup g = group(ProtocolModel.QUAR_V6, impl, (int) GroupWord.EPOCH_MASK - 2);
        final PciFunction[] fns = new PciFunction[9];
        for (int i = 0; i < fns.length; i++) {
            fns[i] = g.addFunction(Bdf.parse("00:02." + (i % 8)).equals(Bdf.parse("00:02.0")) && i == 8
                ? Bdf.parse("00:03.0") : Bdf.parse("00:02." + (i % 8)), true, 4);
        }
        assertTrue(GroupWord.epoch(cell(g).groupWord()) < 16, "the epoch wrapped: " + GroupWord.epoch(cell(g).groupWord()));
        assertSame(Errno.OK, g.prepare(fns[3]));
        assertSame(Errno.OK, g.unplug(fns[1]));
        assertSame(Errno.OK, g.unplug(fns[5]));
        assertSame(Errno.OK, g.hotplug(fns[5]));
        final GroupState s = g.snapshot();
        assertEquals(8, s.deviceCount());
        assertSame(fns[5], s.device(7).fn(), "a re-added function is the last gdev, whatever slot it got");
        assertTrue(g.isParked(fns[3]));
        g.done(fns[3], Errno.EIO);
        assertTrue(g.snapshot().deviceOf(fns[3]).broken());
        assertEquals(1, g.snapshot().recoveryCnt());
        assertTrue(Invariants.check(g, g.snapshot()).isEmpty(), Invariants.check(g, g.snapshot()).toString());
    }
}
