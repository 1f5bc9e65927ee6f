package org.altovirt.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * What a guest's serial console has printed, as complete lines stamped with the moment their line
 * feed arrived (and, for the in-process emu, the instructions retired by then), plus the line in
 * progress (where the prompt and the echo of a command being typed appear). Written by one thread
 * (a reader of the VMM's stdout, or the emu's vCPU thread through the UART) and awaited by another
 * with a deadline.
 */
final class ConsoleTranscript {
    /** How much of the console's end a failure message quotes. */
    private static final int TAIL_CHARS = 1200;

    /**
     * A complete line, without its CR LF.
     *
     * @param nanos {@link System#nanoTime()} when its line feed arrived
     * @param instructions guest instructions retired when its line feed was written; -1 when not counted
     */
    record Line(String text, long nanos, long instructions) {}

    private final LongSupplier instructions;
    private final StringBuilder all = new StringBuilder();
    private final StringBuilder partial = new StringBuilder();
    private final List<Line> lines = new ArrayList<>();
    private String closed;

    /**
     * @param instructions read on the writing thread at each line feed (the emu's vCPU thread, where
     *     the count is exact); null when the guest's instructions are not counted
     */
    ConsoleTranscript(LongSupplier instructions) {
        this.instructions = instructions;
    }

    /** Appends output; the time (and instruction count) is taken at the first line feed in it. */
    synchronized void accept(byte[] bytes, int off, int len) {
        long now = 0;
        long count = -1;
        for (int i = off; i < off + len; i++) {
            char c = (char) (bytes[i] & 0xFF);
            all.append(c);
            if (c == '\n') {
                if (now == 0) {
                    now = System.nanoTime();
                    count = instructions == null ? -1 : instructions.getAsLong();
                }
                lines.add(new Line(partial.toString(), now, count));
                partial.setLength(0);
            } else if (c != '\r') {
                partial.append(c);
            }
        }
        notifyAll();
    }

    /** One byte, as a UART transmits it. */
    void accept(int b) {
        accept(new byte[] {(byte) b}, 0, 1);
    }

    /** No more output will come (the VMM exited, or the vCPU stopped); waiters fail with {@code why}. */
    synchronized void close(String why) {
        if (closed == null) {
            closed = why;
        }
        notifyAll();
    }

    synchronized int lineCount() {
        return lines.size();
    }

    /** Waits until the line in progress ends with {@code suffix} (a prompt, an echo). */
    synchronized void awaitPartial(String suffix, long deadline, String what) throws BenchFailure {
        while (!partial.toString().endsWith(suffix)) {
            await(deadline, what);
        }
    }

    /** Waits for the first complete line from index {@code from} on that {@code matches}. */
    synchronized Line awaitLine(int from, Predicate<String> matches, long deadline, String what) throws BenchFailure {
        int next = from;
        while (true) {
            for (; next < lines.size(); next++) {
                if (matches.test(lines.get(next).text())) {
                    return lines.get(next);
                }
            }
            await(deadline, what);
        }
    }

    private void await(long deadline, String what) throws BenchFailure {
        if (closed != null) {
            throw new BenchFailure("waiting for " + what + ": " + closed + "; console ends:\n" + tail());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new BenchFailure("waiting for " + what + ": no answer by the deadline; console ends:\n" + tail());
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchFailure("interrupted while waiting for " + what);
        }
    }

    /** The last characters printed, for messages. */
    synchronized String tail() {
        int from = Math.max(0, all.length() - TAIL_CHARS);
        return all.substring(from).replace("\r", "");
    }
}
