package org.altovirt.bench;

/** A benchmark target could not be measured (did not start, did not answer, answered wrongly). */
final class BenchFailure extends Exception {
    BenchFailure(String message) {
        super(message);
    }

    BenchFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
