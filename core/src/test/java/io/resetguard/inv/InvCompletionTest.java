package io.resetguard.inv;

import io.resetguard.errno.Errno;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A completion's callbacks run once, and a callback that throws fails the call that ran it. */
class InvCompletionTest {

    @Test
    void aCallbackRegisteredBeforeCompletionThatThrowsFailsTheCompletingCall() {
        final InvCompletion c = new InvCompletion(0);
        final List<Errno> seen = new ArrayList<>();
        final IllegalStateException boom = new IllegalStateException("continuation broke");
        c.onComplete(seen::add);
        c.onComplete(rc -> {
            throw boom;
        });
        c.onComplete(seen::add);
        assertSame(boom, assertThrows(IllegalStateException.class, () -> c.complete(Errno.OK)));
        assertEquals(List.of(Errno.OK, Errno.OK), seen, "the other callbacks still ran");
        assertTrue(c.isDone());
        c.onComplete(seen::add); // nothing stale is left on this thread
        assertEquals(3, seen.size());
    }

    @Test
    void aCallbackRegisteredAfterCompletionThatThrowsFailsTheRegisteringCall() {
        final InvCompletion c = InvCompletion.completed(0, Errno.ETIMEDOUT);
        final AssertionError broke = new AssertionError("broken");
        assertSame(broke, assertThrows(AssertionError.class, () -> c.onComplete(rc -> {
            throw broke;
        })));
        assertEquals(Errno.ETIMEDOUT, c.poll());
    }
}
