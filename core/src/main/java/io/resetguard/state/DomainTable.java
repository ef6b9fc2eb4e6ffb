package io.resetguard.state;

import io.resetguard.fabric.Domain;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * DomainTable - the fabric-wide map from a domain's small integer id to the {@link Domain}, so that a
 * group word or function word can name a domain in {@value #ID_BITS} bits (docs/state-core.md §2).
 *
 * <pre>
 *  directory (volatile, copy-on-grow)          chunk (CHUNK = 1024 references, never moved)
 *  +---------+---------+-----+                 +--------+--------+-----+--------+
 *  | chunk 0 | chunk 1 | ... |  ---------&gt;     | id 0   | id 1   | ... | id1023 |
 *  +---------+---------+-----+                 +--------+--------+-----+--------+
 *  word code = id + 1 (0 is NULL); an id is never reused within a fabric, so a code read from a
 *  word always names the same domain: no ABA care is needed for domain handles.
 * </pre>
 *
 * <p>Writers ({@link #register}) are serialized by {@code this} and are topology operations, not hot.
 * Readers ({@link #get}) take no lock: they load the directory with acquire and the element with
 * acquire. NOTE: a chunk is filled with a release store of the element <em>after</em> the chunk
 * (possibly new) is published in the directory by a release store of the new directory, so a reader
 * that finds a non-null element also sees the {@link Domain}'s final fields (JLS 17.5) and the
 * chunk; a reader that races a growth either sees the old directory, which still holds every chunk it
 * can be asked about (a code is only ever read from a word after its domain was registered and the
 * word was published with release), or the new one.
 */
public final class DomainTable {
    /** Bits of a domain code in a word. */
    public static final int ID_BITS = 26;
    /** The largest code a word can hold. */
    public static final int MAX_CODE = (1 << ID_BITS) - 1;
    private static final int CHUNK_SHIFT = 10;
    private static final int CHUNK = 1 << CHUNK_SHIFT;
    private static final VarHandle DIR;
    private static final VarHandle ELEM = MethodHandles.arrayElementVarHandle(Domain[].class);

    static {
        try {
            DIR = MethodHandles.lookup().findVarHandle(DomainTable.class, "directory", Domain[][].class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through DIR
    private Domain[][] directory = new Domain[1][CHUNK];

    /**
     * Record {@code d} under its id. Called once per domain, by the fabric, before the domain can be
     * attached anywhere.
     *
     * @throws IllegalStateException if the id does not fit a word or is taken by another domain
     */
    public synchronized void register(final Domain d) {
        final long id = d.id();
        if (id < 0 || id + 1 > MAX_CODE) {
            throw new IllegalStateException("domain id " + id + " does not fit the " + ID_BITS + "-bit word field");
        }
        final int chunk = (int) (id >>> CHUNK_SHIFT);
        Domain[][] dir = (Domain[][]) DIR.getAcquire(this);
        if (chunk >= dir.length) {
            final Domain[][] grown = java.util.Arrays.copyOf(dir, Math.max(chunk + 1, dir.length * 2));
            for (int i = dir.length; i < grown.length; i++) {
                grown[i] = new Domain[CHUNK];
            }
            DIR.setRelease(this, grown); // NOTE: old chunks are shared, never copied: no lost element
            dir = grown;
        }
        final Domain prev = (Domain) ELEM.getAcquire(dir[chunk], (int) (id & (CHUNK - 1)));
        if (prev != null && prev != d) {
            throw new IllegalStateException("domain id " + id + " registered twice");
        }
        ELEM.setRelease(dir[chunk], (int) (id & (CHUNK - 1)), d);
    }

    /** @return the word code of {@code d}: 0 for null, else id + 1. */
    public static int code(final Domain d) {
        return d == null ? 0 : (int) (d.id() + 1);
    }

    /**
     * The domain of a word code (acquire loads, no lock, no allocation).
     *
     * @param code 0 or id + 1 of a registered domain
     * @return the domain, or null for code 0 (and for a code never registered)
     */
    public Domain get(final int code) {
        if (code == 0) {
            return null;
        }
        final int id = code - 1;
        final Domain[][] dir = (Domain[][]) DIR.getAcquire(this);
        final int chunk = id >>> CHUNK_SHIFT;
        if (chunk >= dir.length) {
            return null;
        }
        return (Domain) ELEM.getAcquire(dir[chunk], id & (CHUNK - 1));
    }

    /**
     * The code of {@code d}, checking that it is this table's domain.
     *
     * @throws IllegalArgumentException if {@code d} belongs to another fabric
     */
    public int codeChecked(final Domain d) {
        final int c = code(d);
        if (c != 0 && get(c) != d) {
            throw new IllegalArgumentException(d + " is not a domain of this fabric");
        }
        return c;
    }
}
