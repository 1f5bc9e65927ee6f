package org.altovirt.bench;

import java.util.HexFormat;

/**
 * The conformance guest's {@code compute N} checksum recomputed on the host, line for line as
 * guest-images/conformance-guest/src/checksum.c and test/reference.py compute it (a copy of the
 * acceptance tests' one, which is package-private there). A guest that prints anything else ran
 * the workload wrongly.
 */
final class ComputeReference {
    private static final long FNV_INIT = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;

    private ComputeReference() {}

    /** {@code compute N}'s checksum. */
    static long checksum(long iterations) {
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

    /** The checksum as the guest prints it: 16 lowercase hex digits. */
    static String hex(long iterations) {
        return HexFormat.of().toHexDigits(checksum(iterations));
    }
}
