package io.resetguard.mem;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pages, generations and the intrusive LIFO free stack. */
class PhysMemTest {

    @Test
    void lifoReuseMakesOldReferencesStale() {
        final PhysMem m = new PhysMem(3);
        final long a = m.alloc(1);
        final long b = m.alloc(2);
        assertEquals(0, PhysMem.pfn(a));
        assertEquals(1, PhysMem.pfn(b));
        assertTrue(m.free(a));
        assertEquals(PhysMem.Access.FREED, m.check(a));
        assertFalse(m.free(a), "double free");
        final long c = m.alloc(3);
        assertEquals(0, PhysMem.pfn(c), "the page freed last comes back first");
        assertEquals(PhysMem.Access.REALLOCATED, m.check(a));
        assertEquals(PhysMem.Access.VALID, m.check(c));
        assertEquals(3, m.owner(0));
        assertEquals(1, m.freePages());
        m.alloc(4);
        assertEquals(-1, m.alloc(5), "exhausted");
        assertEquals(0, m.freePages());
        assertTrue(m.free(b));
        assertEquals(-1, m.owner(1));
        assertEquals(1, PhysMem.pfn(m.alloc(6)));
    }

    /** Two threads allocate and free for a while: no page is ever handed out twice at once, none is lost. */
    @Test
    void concurrentAllocAndFreeNeverShareAPageOrLoseOne() throws Exception {
        final int pages = 8;
        final PhysMem m = new PhysMem(pages);
        final int[] holders = new int[pages];
        final AtomicInteger clashes = new AtomicInteger();
        final CountDownLatch go = new CountDownLatch(1);
        final List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            final int me = t + 1;
            final Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (final InterruptedException e) {
                    return;
                }
                final long[] held = new long[3];
                for (int k = 0; k < 200_000; k++) {
                    for (int j = 0; j < held.length; j++) {
                        held[j] = m.alloc(me);
                        if (held[j] >= 0) {
                            final int pfn = PhysMem.pfn(held[j]);
                            synchronized (holders) {
                                if (holders[pfn] != 0) {
                                    clashes.incrementAndGet();
                                }
                                holders[pfn] = me;
                            }
                        }
                    }
                    for (final long ref : held) {
                        if (ref >= 0) {
                            synchronized (holders) {
                                holders[PhysMem.pfn(ref)] = 0;
                            }
                            if (!m.free(ref)) {
                                clashes.incrementAndGet();
                            }
                        }
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        go.countDown();
        for (final Thread th : ts) {
            th.join();
        }
        assertEquals(0, clashes.get());
        assertEquals(pages, m.freePages());
        final Set<Integer> seen = new HashSet<>();
        for (int k = 0; k < pages; k++) {
            assertTrue(seen.add(PhysMem.pfn(m.alloc(9))), "each page once");
        }
        assertEquals(-1, m.alloc(9));
    }
}
