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
 * Calls the benchmark methods of {@link PrepareDoneBench} once, directly, so that a benchmark that
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
    void prepareDoneReturnsOkForEveryParameterCombination() throws NoSuchFieldException {
        final PrepareDoneBench bench = new PrepareDoneBench();
        for (final String model : params("model")) {
            for (final String impl : params("stateImpl")) {
                final String where = model + "/" + impl;
                final PrepareDoneBench.FabricState f = new PrepareDoneBench.FabricState();
                f.model = model;
                f.stateImpl = impl;
                f.setUp();
                final PrepareDoneBench.ThreadState t = new PrepareDoneBench.ThreadState();
                t.setUp(f);
                final PrepareDoneBench.Failures c = new PrepareDoneBench.Failures();
                c.clear();
                final GroupState before = f.group.snapshot();

                for (int i = 0; i < 3; i++) { // the pair must be repeatable: state returns to idle
                    assertSame(Errno.OK, bench.prepareDone(f, t, c), where + " pair " + i);
                }

                assertEquals(0, c.prepareErrors, where + " prepareErrors");
                assertEquals(0, c.doneErrors, where + " doneErrors");
                assertEquals(0, c.retries, where + " retries");
                assertEquals(0, f.fabric.events().total(), where + " events " + f.fabric.events().counts());
                final GroupState after = f.group.snapshot();
                assertTrue(Invariants.check(f.group, after).isEmpty(), where + " " + Invariants.check(f.group, after));
                assertFalse(f.group.rules().parked(after, after.indexOf(t.fn)), where + " left parked: " + after);
                assertSame(before.domain(), after.domain(), where + " group->domain");
                assertSame(before.device(0).rid(), after.device(0).rid(), where + " RID back on group->domain");
                assertEquals(0, after.device(0).depth(), where + " reset_depth");
                assertEquals(0, after.recoveryCnt(), where + " recovery_cnt");
                assertFalse(after.resetting(), where + " resetting_domain");
            }
        }
    }

    @Test
    void jmhAnnotationProcessorRegisteredBothBenchmarks() throws IOException {
        final String list;
        try (InputStream in = PrepareDoneBench.class.getResourceAsStream("/META-INF/BenchmarkList")) {
            assertTrue(in != null, "META-INF/BenchmarkList missing: the JMH annotation processor did not run");
            list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(list.contains("io.resetguard.bench.jmh_generated.PrepareDoneBench_prepareDone_jmhTest"), list);
        assertTrue(list.contains("io.resetguard.bench.jmh_generated.PrepareDoneBench_casTransition_jmhTest"), list);
    }

    @Test
    void casTransitionFlips() {
        final PrepareDoneBench bench = new PrepareDoneBench();
        final PrepareDoneBench.CasState s = new PrepareDoneBench.CasState();
        final Object first = bench.casTransition(s);
        assertSame(s.b, first);
        assertSame(s.b, s.ref.get());
        final Object second = bench.casTransition(s);
        assertNotSame(first, second);
        assertSame(s.a, s.ref.get());
    }
}
