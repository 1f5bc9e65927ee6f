package org.altovirt.acceptance;

/**
 * What the conformance guest computes, recomputed on the host (guest-images/conformance-guest:
 * README, src/checksum.c, test/reference.py): checksums the guest prints must match these.
 */
public final class GuestReference {
    private static final long FNV_INIT = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;

    private GuestReference() {}

    /** FNV-1a 64 of {@code data[off..off+len)}. */
    public static long fnv1a64(byte[] data, int off, int len) {
        long h = FNV_INIT;
        for (int i = off; i < off + len; i++) {
            h = (h ^ (data[i] & 0xFF)) * FNV_PRIME;
        }
        return h;
    }

    /** The byte {@code blk write} stores at disk byte offset {@code offset} for {@code pattern}. */
    public static byte patternByte(long offset, long pattern) {
        long x = ((offset ^ pattern) & 0xFFFF_FFFFL) * 2654435761L & 0xFFFF_FFFFL;
        return (byte) (x >>> 24);
    }

    /** {@code compute N}'s checksum, line for line as the guest computes it. */
    public static long compute(long iterations) {
        long a = 0x243F6A8885A308D3L;
        long b = 0x13198A2E03707344L;
        long h = FNV_INIT;
        for (long i = 0; i < iterations; i++) {
            a = a * 0x5851F42D4C957F2DL + 0x14057B7EF767814FL;
            b ^= a >>> 29;
            b = Long.rotateLeft(b, 17);
            long d = (b & 0xFFFF) | 1;
            if ((a & 0x100) != 0) {
                b = b + Long.divideUnsigned(a, d);
            } else {
                b = b - Long.remainderUnsigned(a, d);
            }
            long x = (a ^ (b >>> 32)) & 0xFFFF_FFFFL;
            x = (x * 2654435761L + (x >>> 13)) & 0xFFFF_FFFFL;
            h = (h ^ (b + x + i)) * FNV_PRIME;
        }
        return h;
    }
}
