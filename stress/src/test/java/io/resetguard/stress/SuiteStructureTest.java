package io.resetguard.stress;

import io.resetguard.stress.campaign.TestListing;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Structure of the suite and of its "verify" subset, checked in {@code test} (before the minutes-long
 * jcstress run): every race test names its race, every negative control is in the gate, and the gate
 * still covers at least {@link JcstressSuiteIT#MIN_RACES} distinct races of docs/protocol.md.
 */
class SuiteStructureTest {
    @Test
    void everyTestNamesItsRaceAndEveryControlIsInTheGate() throws Exception {
        final List<TestListing.Entry> all = TestListing.fromClassPath();
        for (final TestListing.Entry e : all) {
            if (e.negative()) {
                assertTrue(e.gate(), e.name() + ": every negative control must be in the gate (@Gate)");
                assertNull(e.race(), e.name() + ": a negative control is not a race of the protocol; no @Race");
            } else {
                final Race race = e.race();
                assertNotNull(race, e.name() + ": needs @Race");
                assertTrue(race.scenarios().length + race.invariants().length > 0,
                    e.name() + ": @Race names no §7 scenario and no §6 invariant");
            }
        }
    }

    @Test
    void noTestClassExtendsAnotherTestClass() throws Exception {
        // @Outcome and @Description are @Inherited: a test that extends another test and also names it
        // in @JCStressMeta declares every outcome twice, and jcstress 0.16 then counts only the
        // FORBIDDEN samples (seen once: 64 "samples" where some 13,000 per configuration had run).
        for (final TestListing.Entry e : TestListing.fromClassPath()) {
            for (Class<?> up = e.load().getSuperclass(); up != null; up = up.getSuperclass()) {
                assertNull(up.getAnnotation(org.openjdk.jcstress.annotations.JCStressTest.class),
                    e.name() + " extends the jcstress test " + up.getName() + "; hold it as a field instead");
            }
        }
    }

    @Test
    void everyNegativeControlNamesTheOutcomesOfItsPlantedBug() throws Exception {
        for (final TestListing.Entry e : TestListing.fromClassPath()) {
            if (e.negative()) {
                final io.resetguard.stress.Planted p = e.load().getAnnotation(io.resetguard.stress.Planted.class);
                assertTrue(p != null && p.value().length > 0, e.name() + " has no @Planted outcomes");
            }
        }
    }

    @Test
    void gateCoversEnoughRacesAndAllControls() throws Exception {
        final List<TestListing.Entry> all = TestListing.fromClassPath();
        final List<TestListing.Entry> gate = all.stream().filter(TestListing.Entry::gate).collect(Collectors.toList());
        final Set<String> races = gate.stream().filter(e -> !e.negative()).map(e -> e.race().value())
            .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(races.size() >= JcstressSuiteIT.MIN_RACES, "gate races: " + races);
        final long controls = gate.stream().filter(TestListing.Entry::negative).count();
        assertEquals(all.stream().filter(TestListing.Entry::negative).count(), controls);
        assertTrue(controls >= JcstressSuiteIT.MIN_CONTROLS, "controls in the gate: " + controls);
        assertEquals(Gate.TESTS, gate.size(), "Gate.TESTS is the gate's size that every document quotes");
    }

    @Test
    void gateRegexpSelectsExactlyTheGate() throws Exception {
        final List<TestListing.Entry> all = TestListing.fromClassPath();
        final List<TestListing.Entry> gate = all.stream().filter(TestListing.Entry::gate).collect(Collectors.toList());
        final java.util.regex.Pattern p = java.util.regex.Pattern.compile(TestListing.regexp(gate));
        for (final TestListing.Entry e : all) {
            assertEquals(e.gate(), p.matcher(e.name()).find(), e.name());
        }
    }
}
