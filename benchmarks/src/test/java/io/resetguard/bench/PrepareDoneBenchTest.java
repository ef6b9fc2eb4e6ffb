package io.resetguard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resetguard.errno.Errno;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Calls the benchmark methods of {@link PrepareDoneBench} a few times, directly, so that a benchmark that
 * throws, or that measures an error path instead of the happy path, fails {@code mvn verify}.
 * It measures nothing.
 */
class PrepareDoneBenchTest {

    private static List<String> params(final String field) throws NoSuchFieldException {
        return Arrays.asList(PrepareDoneBench.FabricState.class.getField(field).getAnnotation(Param.class).value());
    }

    @Test
    void paramsCoverEveryModelAndStateImpl() throws NoSuchFieldException {
        assertEquals(Arrays.stream(ProtocolModel.values()).map(ProtocolModel::cliName).collect(Collectors.toList()),
            params("model"), "@Param model must list every ProtocolModel cliName");
        assertEquals(Arrays.stream(StateImpl.values()).map(StateImpl::cliName).collect(Collectors.toList()),
            params("stateImpl"), "@Param stateImpl must list every StateImpl cliName");
    }

    @Test
    void functionsParamListsTheIssueCounts() throws NoSuchFieldException {
        assertEquals(List.of("1", "64", "1024", "4096", "65536"), params("functions"));
    }

    @Test
    void prepareDoneReturnsOkForEveryParameterCombination() throws NoSuchFieldException {
        final PrepareDoneBench bench = new PrepareDoneBench();
        for (final String model : params("model")) {
            for (final String impl : params("stateImpl")) {
                for (final int functions : new int[] {1, 64}) { // the large groups only take longer to build
                    final String where = model + "/" + impl + "/" + functions;
                    final PrepareDoneBench.FabricState f = new PrepareDoneBench.FabricState();
                    f.model = model;
                    f.stateImpl = impl;
                    f.functions = functions;
                    f.setUp();
                    assertEquals(functions, f.group.snapshot().deviceCount(), where + " group size");
                    final PrepareDoneBench.ThreadState t = new PrepareDoneBench.ThreadState();
                    t.setUp(f);
                    final PrepareDoneBench.Failures c = new PrepareDoneBench.Failures();
                    c.clear();
                    final GroupState before = f.group.snapshot();
                    final int i0 = before.indexOf(t.fn);

                    for (int i = 0; i < 3; i++) { // the pair must be repeatable: state returns to idle
                        assertSame(Errno.OK, bench.prepareDone(f, t, c), where + " pair " + i);
                        assertSame(Errno.OK, bench.prepareDoneContended(f, t, c), where + " contended pair " + i);
                    }

                    assertEquals(0, c.prepareErrors, where + " prepareErrors");
                    assertEquals(0, c.ebusy, where + " ebusy");
                    assertEquals(0, c.doneErrors, where + " doneErrors");
                    assertEquals(0, c.retries, where + " retries");
                    assertEquals(0, f.fabric.events().total(), where + " events " + f.fabric.events().counts());
                    final GroupState after = f.group.snapshot();
                    assertTrue(Invariants.check(f.group, after).isEmpty(), where + " " + Invariants.check(f.group, after));
                    final int i1 = after.indexOf(t.fn);
                    assertFalse(f.group.rules().parked(after, i1), where + " left parked: " + after);
                    assertSame(before.domain(), after.domain(), where + " group->domain");
                    assertSame(before.device(i0).rid(), after.device(i1).rid(), where + " RID back on group->domain");
                    assertEquals(0, after.device(i1).depth(), where + " reset_depth");
                    assertEquals(0, after.recoveryCnt(), where + " recovery_cnt");
                    assertFalse(after.resetting(), where + " resetting_domain");
                }
            }
        }
    }

    @Test
    void everyThreadGetsItsOwnFunctionOfTheOneGroup() {
        final PrepareDoneBench.FabricState f = new PrepareDoneBench.FabricState();
        f.model = "linux-7.1";
        f.stateImpl = "lock-free";
        f.functions = 1;
        f.setUp();
        final PrepareDoneBench.ThreadState a = new PrepareDoneBench.ThreadState();
        a.setUp(f);
        final PrepareDoneBench.ThreadState b = new PrepareDoneBench.ThreadState();
        b.setUp(f);
        assertNotSame(a.fn, b.fn);
        assertSame(f.group, a.fn.group());
        assertSame(f.group, b.fn.group());
        assertEquals(2, f.group.snapshot().deviceCount(), "a group smaller than the thread count grows");
    }

    @Test
    void linux70SiblingPrepareDuringAResetCountsAsEbusy() {
        // What two threads see under linux-7.0: a sibling's prepare while the group is resetting.
        final PrepareDoneBench.FabricState f = new PrepareDoneBench.FabricState();
        f.model = "linux-7.0";
        f.stateImpl = "locking";
        f.functions = 2;
        f.setUp();
        final PrepareDoneBench.ThreadState a = new PrepareDoneBench.ThreadState();
        a.setUp(f);
        final PrepareDoneBench.ThreadState b = new PrepareDoneBench.ThreadState();
        b.setUp(f);
        assertSame(Errno.OK, f.group.prepare(a.fn)); // a's reset in progress
        final PrepareDoneBench.Failures c = new PrepareDoneBench.Failures();
        c.clear();
        assertSame(Errno.EBUSY, new PrepareDoneBench().prepareDoneContended(f, b, c));
        assertEquals(1, c.prepareErrors);
        assertEquals(1, c.ebusy);
        f.group.done(a.fn);
    }

    @Test
    void jmhAnnotationProcessorRegisteredBothBenchmarks() throws IOException {
        final String list;
        try (InputStream in = PrepareDoneBench.class.getResourceAsStream("/META-INF/BenchmarkList")) {
            assertTrue(in != null, "META-INF/BenchmarkList missing: the JMH annotation processor did not run");
            list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (final String m : List.of("prepareDone", "casTransition", "prepareDoneContended", "casTransitionContended",
            "prepareDoneSameFunction")) {
            assertTrue(list.contains("io.resetguard.bench.jmh_generated.PrepareDoneBench_" + m + "_jmhTest"), list);
        }
    }

    @Test
    void casTransitionFlips() {
        final PrepareDoneBench bench = new PrepareDoneBench();
        final PrepareDoneBench.CasState s = new PrepareDoneBench.CasState();
        final Object first = bench.casTransition(s);
        assertSame(s.b, first);
        assertSame(s.b, s.ref.get());
        final Object second = bench.casTransitionContended(s);
        assertNotSame(first, second);
        assertSame(s.a, s.ref.get());
    }

    @Test
    void sameFunctionPairsShareOneFunctionAndLeaveItIdle() {
        for (final String impl : List.of("lock-free", "locking")) {
            final PrepareDoneBench.FabricState f = new PrepareDoneBench.FabricState();
            f.model = "linux-7.1";
            f.stateImpl = impl;
            f.functions = 1;
            f.setUp();
            final PrepareDoneBench.SameFunctionState a = new PrepareDoneBench.SameFunctionState();
            a.setUp(f);
            final PrepareDoneBench.SameFunctionState b = new PrepareDoneBench.SameFunctionState();
            b.setUp(f);
            assertSame(a.fn, b.fn, impl + ": both threads take the same function");
            final PrepareDoneBench.Failures c = new PrepareDoneBench.Failures();
            c.clear();
            final PrepareDoneBench bench = new PrepareDoneBench();
            assertSame(Errno.OK, bench.prepareDoneSameFunction(f, a, c), impl);
            assertSame(Errno.OK, bench.prepareDoneSameFunction(f, b, c), impl);
            assertEquals(0, c.prepareErrors + c.doneErrors + c.retries, impl + " counters");
            assertFalse(f.group.isParked(a.fn), impl + " left parked");
        }
    }
}
