package org.altovirt.bench;

/**
 * One timed {@code compute N} on a guest's console.
 *
 * @param n the iterations asked for (and echoed back by the guest)
 * @param nanos from the command's CR being written to its result line being read
 * @param instructions guest instructions retired from the guest reading that CR to it writing the
 *     result line; -1 where they are not counted (a separate process)
 * @param checksum the checksum the guest printed, 16 hex digits
 */
record ComputeRun(long n, long nanos, long instructions, String checksum) {
    double seconds() {
        return nanos / 1e9;
    }

    double nanosPerIteration() {
        return (double) nanos / n;
    }

    /** Millions of guest instructions per second; NaN where they were not counted. */
    double mips() {
        return instructions < 0 ? Double.NaN : instructions / (nanos / 1e3);
    }
}
