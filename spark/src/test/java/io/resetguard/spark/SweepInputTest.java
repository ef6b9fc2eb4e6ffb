package io.resetguard.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to {@code sweep}: one line naming the option, field or file, exit code 2, before Spark
 * starts and before anything is written. None of these tests starts Spark.
 */
class SweepInputTest {
    @TempDir
    Path tmp;

    /** Run the sweep; assert exit code 2, one error line containing every {@code needles}, nothing written. */
    private void refused(final List<String> args, final String... needles) {
        final Path out = tmp.resolve("out");
        final List<String> all = new ArrayList<>(List.of("sweep", "--functions", "100", "--duration", "1m"));
        all.addAll(args);
        if (!args.contains("--out")) {
            all.add("--out");
            all.add(out.toString());
        }
        if (!args.contains("--master")) {
            all.add("--master");
            all.add("local[1]");
        }
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        final int rc = SweepMain.run(all.toArray(new String[0]), new PrintWriter(o), new PrintWriter(e));
        final String err = e.toString();
        assertEquals(2, rc, err);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.startsWith("resetguard sweep: "), err);
        for (final String n : needles) {
            assertTrue(err.contains(n), "'" + n + "' not in: " + err);
        }
        assertFalse(Files.exists(out), "the output directory was created");
        assertFalse(o.toString().contains("Spark started"), "Spark was started");
    }

    private String grid(final String json) throws Exception {
        final Path g = tmp.resolve("grid.json");
        Files.writeString(g, json);
        return g.toString();
    }

    @Test
    void unknownGridField() throws Exception {
        refused(List.of("--grid", grid("{\"faultRat\": [0.1]}")), "--grid", "field 'faultRat' is not a setting");
    }

    @Test
    void emptyGridList() throws Exception {
        refused(List.of("--grid", grid("{\"faultRate\": []}")), "field 'faultRate' must be a non-empty list");
    }

    @Test
    void gridValueNotAList() throws Exception {
        refused(List.of("--grid", grid("{\"faultRate\": 0.1}")), "field 'faultRate' must be a non-empty list");
    }

    @Test
    void gridValueOutOfRange() throws Exception {
        refused(List.of("--grid", grid("{\"faultRate\": [0.1, 3]}")), "--grid", "faultRate", "[0, 1]");
    }

    @Test
    void gridValueOfTheWrongType() throws Exception {
        refused(List.of("--grid", grid("{\"recovery\": [\"seed-worker\", \"reboot\"]}")), "--grid", "recovery");
    }

    @Test
    void gridFieldAlsoGivenAsOption() throws Exception {
        refused(List.of("--fault-rate", "0.1", "--grid", grid("{\"faultRate\": [0.01]}")),
            "field 'faultRate' is swept, but --fault-rate is also given");
    }

    @Test
    void gridCannotSweepTheSeed() throws Exception {
        refused(List.of("--grid", grid("{\"seed\": [1, 2]}")), "field 'seed' cannot be swept", "--seeds");
    }

    @Test
    void gridValueTwice() throws Exception {
        refused(List.of("--grid", grid("{\"faultRate\": [0.1, 0.1]}")), "lists 0.1 twice");
    }

    @Test
    void gridNotJson() throws Exception {
        refused(List.of("--grid", grid("faultRate: [0.1]")), "--grid", "not valid JSON");
    }

    @Test
    void gridFieldTwice() throws Exception {
        refused(List.of("--grid", grid("{\"faultRate\": [0.1], \"faultRate\": [0.2]}")), "--grid", "not valid JSON",
            "faultRate");
    }

    @Test
    void gridMissing() {
        refused(List.of("--grid", tmp.resolve("nope.json").toString()), "--grid", "no such file");
    }

    @Test
    void unreachableMaster() throws Exception {
        final int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        refused(List.of("--master", "spark://127.0.0.1:" + port), "--master 'spark://127.0.0.1:" + port + "'",
            "no Spark master answers");
    }

    @Test
    void notAMasterUrl() {
        refused(List.of("--master", "locale[2]"), "--master 'locale[2]'", "not a Spark master URL");
        refused(List.of("--master", "local[0]"), "--master 'local[0]'");
        refused(List.of("--master", "spark://host-without-port"), "is not HOST:PORT");
    }

    @Test
    void seedsAndReplications() {
        refused(List.of("--seeds", "1,2", "--replications", "3"), "--seeds and --replications");
        refused(List.of("--seeds", "1,2", "--seed", "3"), "--seeds and --seed");
        refused(List.of("--seeds", "1,x"), "--seeds '1,x'", "'x' is not a whole number");
        refused(List.of("--seeds", "1,1"), "seed 1 is listed twice");
        refused(List.of("--replications", "0"), "--replications '0'");
    }

    @Test
    void tooManyRuns() throws Exception {
        refused(List.of("--replications", "10000", "--grid",
                grid("{\"faultRate\": [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.2]}")),
            "the sweep has 110,000 runs; at most 100,000");
    }

    @Test
    void badSettingNamesTheOption() {
        refused(List.of("--fault-rate", "2"), "--fault-rate '2'");
    }

    @Test
    void outputOfTheUserIsNeverReplaced() throws Exception {
        final Path mine = tmp.resolve("mine");
        Files.createDirectories(mine);
        Files.writeString(mine.resolve("notes.txt"), "keep me");
        final StringWriter e = new StringWriter();
        final int rc = SweepMain.run(new String[] {"sweep", "--functions", "100", "--master", "local[1]", "--out",
            mine.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(e));
        assertEquals(2, rc, e.toString());
        assertTrue(e.toString().contains("--out") && e.toString().contains("not a ResetGuard report"), e.toString());
        assertEquals("keep me", Files.readString(mine.resolve("notes.txt")));
    }

    @Test
    void gridPointsAreTheProductFirstFieldSlowest() throws Exception {
        final Grid g = Grid.read("g", Path.of(grid("{\"faultRate\": [0.1, 0.2], \"recovery\": [\"none\", "
            + "\"seed-worker\", \"quarantine\"]}")), f -> false, p -> { });
        assertEquals(6, g.size());
        final List<ObjectNode> ps = g.points();
        assertEquals(6, ps.size());
        assertEquals("{\"faultRate\":0.1,\"recovery\":\"none\"}", ps.get(0).toString());
        assertEquals("{\"faultRate\":0.1,\"recovery\":\"seed-worker\"}", ps.get(1).toString());
        assertEquals("{\"faultRate\":0.2,\"recovery\":\"quarantine\"}", ps.get(5).toString());
        assertEquals(1, Grid.NONE.points().size());
    }

    @Test
    void aLocalSweepWhoseShardsCannotFitTheHeapIsRefused() {
        final io.resetguard.sim.SimConfig big = io.resetguard.sim.SimConfig.defaults().withFleet(1_000_000, 8);
        final List<SweepRun> runs = List.of(new SweepRun(0, big, 0, Grid.NONE.points().get(0)));
        final long heap = 100L << 20; // two shards of 125,000 functions fit (about 75 MB), four do not (125 MB)
        SweepCommand.heapCheck(runs, "local[2]", heap);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SweepCommand.heapCheck(runs, "local[4]", heap));
        assertTrue(e.getMessage().startsWith("--master 'local[4]': run 0 (1,000,000 functions on 8 IOMMUs) needs "
            + "about"), e.getMessage());
        assertTrue(e.getMessage().contains("-Xmx") && e.getMessage().contains("local[N]"), e.getMessage());
        // executors have their own heaps
        SweepCommand.heapCheck(runs, "spark://127.0.0.1:7077", heap);
    }

    @Test
    void localSlots() {
        assertEquals(1, MasterUrl.localSlots("local"));
        assertEquals(3, MasterUrl.localSlots("local[3,2]"));
        assertEquals(Runtime.getRuntime().availableProcessors(), MasterUrl.localSlots("local[*]"));
        assertEquals(0, MasterUrl.localSlots("yarn"));
    }

    @Test
    void localMastersAreAcceptedWithoutANetwork() {
        for (final String m : new String[] {"local", "local[*]", "local[2]", "local[2,3]", "local[*,2]",
            "local-cluster[2,1,1024]", "yarn"}) {
            MasterUrl.check(m);
        }
        assertThrows(IllegalArgumentException.class, () -> MasterUrl.check("local[]"));
    }
}
