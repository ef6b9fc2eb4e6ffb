package io.resetguard.fabric;

/**
 * A PCI function address, {@code segment:bus:device.function}, as Linux prints it
 * ({@code 0000:3b:00.1}).
 *
 * <p>Ranges: segment 0..0xffff, bus 0..0xff, device 0..0x1f, function 0..7. The whole address packs
 * into one int ({@link #packed()}): segment in bits 31..16, bus in 15..8, device in 7..3, function in
 * 2..0 — the kernel's {@code PCI_DEVID} with the segment on top.
 *
 * @param segment  PCI segment (domain) number
 * @param bus      bus number
 * @param device   device number
 * @param function function number
 */
public record Bdf(int segment, int bus, int device, int function) implements Comparable<Bdf> {
    /** Validates every field and names the one that is out of range. */
    public Bdf {
        check("segment", segment, 0xffff);
        check("bus", bus, 0xff);
        check("device", device, 0x1f);
        check("function", function, 0x7);
    }

    private static void check(final String field, final int value, final int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(
                "PCI address " + field + " must be in 0.." + max + " (0x" + Integer.toHexString(max) + "), was " + value);
        }
    }

    /**
     * Parse {@code ssss:bb:dd.f} or {@code bb:dd.f} (segment 0), hexadecimal as {@code lspci} prints.
     *
     * @param text the address
     * @return the address
     * @throws IllegalArgumentException naming the malformed part
     */
    public static Bdf parse(final String text) {
        if (text == null) {
            throw new IllegalArgumentException("PCI address must not be null");
        }
        final String[] colon = text.trim().split(":", -1);
        if (colon.length < 2 || colon.length > 3) {
            throw new IllegalArgumentException("PCI address '" + text + "' must look like 0000:3b:00.1 or 3b:00.1");
        }
        final int segment = colon.length == 3 ? hex(text, "segment", colon[0], 4) : 0;
        final int bus = hex(text, "bus", colon[colon.length - 2], 2);
        final String[] dot = colon[colon.length - 1].split("\\.", -1);
        if (dot.length != 2) {
            throw new IllegalArgumentException("PCI address '" + text + "' lacks the '.function' part");
        }
        return new Bdf(segment, bus, hex(text, "device", dot[0], 2), hex(text, "function", dot[1], 1));
    }

    private static int hex(final String text, final String field, final String part, final int maxDigits) {
        if (part.isEmpty() || part.length() > maxDigits) {
            throw new IllegalArgumentException(
                "PCI address '" + text + "': " + field + " '" + part + "' must have 1.." + maxDigits + " hex digits");
        }
        try {
            return Integer.parseInt(part, 16);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(
                "PCI address '" + text + "': " + field + " '" + part + "' is not hexadecimal", e);
        }
    }

    /** @return the address packed as described in the class comment. */
    public int packed() {
        return segment << 16 | bus << 8 | device << 3 | function;
    }

    /** @return the address unpacked from {@link #packed()}. */
    public static Bdf ofPacked(final int packed) {
        return new Bdf(packed >>> 16, packed >>> 8 & 0xff, packed >>> 3 & 0x1f, packed & 0x7);
    }

    /** Equal iff the packed addresses are equal (cheaper than the record's generated equals). */
    @Override
    public boolean equals(final Object o) {
        return o instanceof Bdf && ((Bdf) o).packed() == packed();
    }

    /** The packed address: a cheap, well-spread hash (the generated one is slow in the interpreter). */
    @Override
    public int hashCode() {
        return packed();
    }

    @Override
    public int compareTo(final Bdf o) {
        return Integer.compareUnsigned(packed(), o.packed());
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%d", segment, bus, device, function);
    }
}
