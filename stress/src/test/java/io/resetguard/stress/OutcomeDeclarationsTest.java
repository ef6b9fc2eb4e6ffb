package io.resetguard.stress;

import io.resetguard.stress.campaign.TestListing;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.Outcome;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Structural checks of the jcstress tests' {@code @Outcome} declarations, cheap enough for the
 * {@code test} phase:
 * <ul>
 * <li>every test has a catch-all {@code @Outcome(expect = FORBIDDEN)} (no id), so an unforeseen result
 *     fails instead of being graded UNKNOWN;</li>
 * <li>every ACCEPTABLE or ACCEPTABLE_INTERESTING id ends in {@code ", true"}: the arbiter's last field
 *     is "Invariants.check() is empty", so a sample with a broken invariant can only match FORBIDDEN;</li>
 * <li>every id compiles as a regular expression (jcstress 0.16 matches ids as regexps) and no
 *     allowed id is also matched by a FORBIDDEN id.</li>
 * </ul>
 */
class OutcomeDeclarationsTest {
    @Test
    void outcomesAreTotalAndInvariantViolationsAreForbidden() throws Exception {
        final List<Class<?>> tests = testClasses();
        assertTrue(tests.size() >= JcstressSuiteIT.MIN_TESTS, "tests in META-INF/TestList: " + tests);
        for (final Class<?> c : tests) {
            final List<Outcome> outcomes = new ArrayList<>();
            final JCStressMeta meta = c.getAnnotation(JCStressMeta.class);
            if (meta != null) {
                outcomes.addAll(List.of(meta.value().getAnnotationsByType(Outcome.class)));
            }
            outcomes.addAll(List.of(c.getDeclaredAnnotationsByType(Outcome.class)));
            final long catchAll = outcomes.stream().filter(OutcomeDeclarationsTest::catchAll).count();
            assertEquals(1, catchAll, c.getName() + ": needs exactly one catch-all @Outcome without id");
            assertTrue(outcomes.stream().filter(OutcomeDeclarationsTest::catchAll).allMatch(o -> o.expect() == Expect.FORBIDDEN),
                c.getName() + ": the catch-all must be FORBIDDEN");
            final List<String> forbidden = new ArrayList<>();
            final List<String> allowed = new ArrayList<>();
            for (final Outcome o : outcomes) {
                if (catchAll(o)) {
                    continue;
                }
                for (final String id : o.id()) {
                    Pattern.compile(id);
                    (o.expect() == Expect.FORBIDDEN ? forbidden : allowed).add(id);
                }
            }
            assertTrue(!allowed.isEmpty(), c.getName() + ": no allowed outcome");
            for (final String id : allowed) {
                assertTrue(id.endsWith(", true"), c.getName() + ": allowed outcome '" + id
                    + "' must end with the invariant field ', true'");
                for (final String f : forbidden) {
                    assertTrue(!Pattern.compile(f).matcher(id).matches(),
                        c.getName() + ": allowed '" + id + "' is also matched by FORBIDDEN '" + f + "'");
                }
            }
        }
    }

    /** An {@code @Outcome} without id: jcstress 0.16's default id is {@code {""}}. */
    private static boolean catchAll(final Outcome o) {
        return o.id().length == 0 || o.id().length == 1 && o.id()[0].isEmpty();
    }

    /** The test classes listed in META-INF/TestList (written by the jcstress annotation processor). */
    private static List<Class<?>> testClasses() throws IOException {
        final List<Class<?>> classes = new ArrayList<>();
        for (final TestListing.Entry e : TestListing.fromClassPath()) {
            classes.add(e.load());
        }
        return classes;
    }
}
