package io.resetguard.stress;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gate - marks a jcstress test class as part of the short run of {@code mvn verify} (the "verify"
 * subset). Tests without it run only in the campaign ({@code resetguard stress}).
 *
 * <p>Every jcstress test costs seconds in the gate's {@code -m quick -fsm 0 -sc false} run (six
 * JVM configurations, each a fresh fork; docs/results.md has the measured times), so the gate holds one
 * class for each of the races that matter most (the model that shows the most) plus every negative
 * control: {@value #TESTS} tests. The other races, models and locking-cell variants run in the
 * campaign. {@code JcstressSuiteIT} builds its {@code -t} regular expression from the classes that
 * carry this annotation; {@code SuiteStructureTest} checks that exactly {@value #TESTS} do, that every
 * negative control is marked and that the subset still covers at least 15 distinct races.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Gate {
    /**
     * The number of tests in the gate: the one number every document quotes. Change it together with
     * the {@code @Gate} annotations ({@code SuiteStructureTest} fails otherwise).
     */
    int TESTS = 25;
}
