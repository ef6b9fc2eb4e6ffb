package io.resetguard.stress;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Race - which race a jcstress test class exercises, for the suite's coverage count and the campaign
 * report. Variants of one race (another protocol model, the locking cell) carry the same
 * {@link #value()}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Race {
    /** @return the race, as "operation || operation" (e.g. {@code "prepare(A) || prepare(B)"}) */
    String value();

    /** @return the docs/protocol.md §7 scenario numbers it covers (empty if none names it) */
    int[] scenarios() default {};

    /** @return the §6 invariants its arbiter checks beyond {@code Invariants.check} */
    int[] invariants() default {};
}
