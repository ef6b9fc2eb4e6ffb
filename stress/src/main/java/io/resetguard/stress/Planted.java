package io.resetguard.stress;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Planted - the outcomes by which a negative control's planted bug shows itself.
 *
 * <p>Every class of {@code io.resetguard.stress.negative} carries it. The gate and the campaign count
 * a control as caught only when one of these FORBIDDEN outcomes was observed: a control that fails
 * for another reason (its fixture broke, a catch-all outcome) has not shown that the suite detects
 * the bug it plants, and is MISSED. {@code SuiteStructureTest} checks that every control has it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Planted {
    /**
     * @return regular expressions over jcstress' result string (as in {@code @Outcome#id}), each
     *         matching the whole result
     */
    String[] value();
}
