package io.resetguard.stress.mem;

import io.resetguard.mem.PhysMem;
import io.resetguard.stress.Race;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * PhysMemAllocFreeRace - two owners allocate and free pages of one {@link PhysMem} at once: the
 * lock-free page words and the tagged intrusive free stack under contention (docs/protocol.md §5
 * "memory corruption, concretely", invariant 1). The oracle's whole verdict on stale-ATC corruption
 * rests on this allocator: a page handed out twice, a page lost from the free stack, or a stale
 * reference that still checks VALID would make it miss a corruption or report one that did not
 * happen.
 *
 * <p>The fixture is a {@code PhysMem} of four pages. Each actor, with its own owner id, does
 * {@code a = alloc; b = alloc; free(a); c = alloc; free(b)}: four pops and two pushes each, so the
 * two actors' stack operations interleave in every order, including the ABA pattern that the top's
 * tag exists for (a pop reads top = p and its link, the other actor pops p, pushes it back on a
 * different link; the first pop's CAS must fail). Each actor holds at most two pages, so no alloc
 * can run out. The arbiter then checks what each actor's stale references reach and drains the stack.
 * Stale references are checked once both actors are done, not during their frees and allocs.
 * Measured teeth: with the tag removed from {@code PhysMem} (the top CAS'd on the page number alone),
 * one {@code -m quick} run of this test observed pages freed while still held and pages lost from
 * the stack (FORBIDDEN) in several JVM configurations; there is no standing negative control for it
 * (it would need a second, broken copy of the allocator).
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  actor 1's first page (a), checked at the end   FREED, SELF (reallocated to actor 1 again),
 *                                                     OTHER (reallocated to actor 2), VALID (forbidden)
 *  r2  actor 2's first page (a), likewise             FREED, SELF, OTHER, VALID (forbidden)
 *  r3  what broke                                     "-" if nothing: each actor's c is VALID, owned
 *                                                     by it, and the two are different pages; neither
 *                                                     actor's freed b checks VALID; freePages() is 2,
 *                                                     two allocs return the two other pages and a
 *                                                     third returns -1. Else the first thing that broke
 *  r4  sound                                          r3 is "-" (every allowed outcome requires true)
 * </pre>
 * OTHER is the interesting one: a page one owner freed was handed to the other within the race,
 * which is exactly the "freed and handed to someone else" that a stale ATC entry would then corrupt;
 * the stale reference must say REALLOCATED, never VALID.
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PhysMemAllocFreeRace}
 */
@Race(value = "alloc/free(owner 1) || alloc/free(owner 2)", invariants = {1})
@JCStressTest
@Description("PhysMem: two owners allocating and freeing pages of one memory (page words, tagged free stack)")
@Outcome(id = "(FREED|SELF), (FREED|SELF), -, true", expect = ACCEPTABLE,
    desc = "each first page is free or back with its own owner; nothing handed out twice or lost")
@Outcome(id = "OTHER, (FREED|SELF|OTHER), -, true", expect = ACCEPTABLE_INTERESTING,
    desc = "actor 1's freed page went to actor 2 during the race, and its stale reference reports "
        + "REALLOCATED (what the corruption oracle relies on)")
@Outcome(id = "(FREED|SELF), OTHER, -, true", expect = ACCEPTABLE_INTERESTING,
    desc = "actor 2's freed page went to actor 1 during the race, and its stale reference reports REALLOCATED")
@Outcome(id = "VALID, .*", expect = FORBIDDEN, desc = "a freed page's stale reference still checks VALID")
@Outcome(id = "[^,]*, VALID, .*", expect = FORBIDDEN, desc = "a freed page's stale reference still checks VALID")
@Outcome(expect = FORBIDDEN, desc = "a page handed out twice, lost from the free stack, or owned by the wrong owner")
@State
public class PhysMemAllocFreeRace {
    private static final int PAGES = 4;
    private static final int OWNER_1 = 1;
    private static final int OWNER_2 = 2;

    private final PhysMem mem = new PhysMem(PAGES);
    private long firstOf1;
    private long secondOf1;
    private long heldBy1;
    private long firstOf2;
    private long secondOf2;
    private long heldBy2;

    /** Actor 1: owner 1. */
    @Actor
    public void actor1() {
        final long a = mem.alloc(OWNER_1);
        final long b = mem.alloc(OWNER_1);
        firstOf1 = a;
        secondOf1 = b;
        heldBy1 = a >= 0 && b >= 0 && mem.free(a) ? allocThenFree(OWNER_1, b) : Long.MIN_VALUE;
    }

    /** Actor 2: owner 2. */
    @Actor
    public void actor2() {
        final long a = mem.alloc(OWNER_2);
        final long b = mem.alloc(OWNER_2);
        firstOf2 = a;
        secondOf2 = b;
        heldBy2 = a >= 0 && b >= 0 && mem.free(a) ? allocThenFree(OWNER_2, b) : Long.MIN_VALUE;
    }

    private long allocThenFree(final int owner, final long b) {
        final long c = mem.alloc(owner);
        return c >= 0 && mem.free(b) ? c : Long.MIN_VALUE;
    }

    /**
     * Runs after both actors (jcstress orders it after them).
     *
     * @param r result
     */
    @Arbiter
    public void arbiter(final LLLL_Result r) {
        r.r1 = stale(firstOf1, OWNER_1);
        r.r2 = stale(firstOf2, OWNER_2);
        final String held = held();
        r.r3 = "ok".equals(held) ? stack() : held;
        if ("ok".equals(r.r3)) {
            r.r3 = "-";
        }
        r.r4 = "-".equals(r.r3);
    }

    private String stale(final long first, final int owner) {
        if (first < 0) {
            return "NO_PAGE";
        }
        switch (mem.check(first)) {
            case VALID:
                return "VALID";
            case FREED:
                return "FREED";
            default:
                final int now = mem.owner(PhysMem.pfn(first));
                return now == owner ? "SELF" : now == (owner == OWNER_1 ? OWNER_2 : OWNER_1) ? "OTHER" : "OWNER_" + now;
        }
    }

    private String held() {
        if (heldBy1 == Long.MIN_VALUE || heldBy2 == Long.MIN_VALUE) {
            return "alloc failed or free refused";
        }
        if (mem.check(secondOf1) == PhysMem.Access.VALID || mem.check(secondOf2) == PhysMem.Access.VALID) {
            return "a freed second page's stale reference checks VALID";
        }
        if (PhysMem.pfn(heldBy1) == PhysMem.pfn(heldBy2)) {
            return "page " + PhysMem.pfn(heldBy1) + " held by both";
        }
        if (mem.check(heldBy1) != PhysMem.Access.VALID || mem.owner(PhysMem.pfn(heldBy1)) != OWNER_1) {
            return "actor 1's page " + PhysMem.toString(heldBy1) + " is " + mem.check(heldBy1);
        }
        if (mem.check(heldBy2) != PhysMem.Access.VALID || mem.owner(PhysMem.pfn(heldBy2)) != OWNER_2) {
            return "actor 2's page " + PhysMem.toString(heldBy2) + " is " + mem.check(heldBy2);
        }
        return "ok";
    }

    private String stack() {
        if (mem.freePages() != PAGES - 2) {
            return "freePages " + mem.freePages();
        }
        final long x = mem.alloc(0);
        final long y = mem.alloc(0);
        final long z = mem.alloc(0);
        if (x < 0 || y < 0 || z != -1) {
            return "drain " + x + "/" + y + "/" + z;
        }
        final int px = PhysMem.pfn(x);
        final int py = PhysMem.pfn(y);
        final int p1 = PhysMem.pfn(heldBy1);
        final int p2 = PhysMem.pfn(heldBy2);
        if (px == py || px == p1 || px == p2 || py == p1 || py == p2) {
            return "a page popped twice";
        }
        return "ok";
    }
}
