package org.altovirt.bench;

import java.util.HexFormat;
import org.altovirt.acceptance.GuestReference;

/**
 * The conformance guest's {@code compute N} checksum recomputed on the host, line for line as
 * guest-images/conformance-guest/src/checksum.c and test/reference.py compute it (the acceptance
 * tests' {@link GuestReference}). A guest that prints anything else ran
 * the workload wrongly.
 */
final class ComputeReference {
    private ComputeReference() {}

    /** {@code compute N}'s checksum. */
    static long checksum(long iterations) {
        return GuestReference.compute(iterations);
    }

    /** The checksum as the guest prints it: 16 lowercase hex digits. */
    static String hex(long iterations) {
        return HexFormat.of().toHexDigits(checksum(iterations));
    }
}
