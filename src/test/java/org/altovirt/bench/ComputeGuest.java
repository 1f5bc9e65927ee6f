package org.altovirt.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A booted conformance guest whose console the benchmark types into: the emu in this JVM, or a
 * VMM process (altovirt, QEMU) driven through its stdin and stdout. {@link #compute} is the one
 * measurement, the same for all of them.
 */
sealed interface ComputeGuest extends AutoCloseable permits InProcessEmu, ConsoleProcess {
    /** The guest's prompt; it ends no line. */
    String PROMPT = "altovirt-guest> ";

    /** The result line: {@code compute: n=N checksum=%016x}. */
    Pattern RESULT = Pattern.compile("compute: n=(\\d+) checksum=([0-9a-f]{16})");

    /** A short name for the report. */
    String name();

    ConsoleTranscript console();

    /** Sends {@code text} to the guest's console input. */
    void type(String text) throws BenchFailure;

    /** From now, notes the instructions retired when the guest reads a CR; nothing where not counted. */
    default void armCarriageReturnCount() {}

    /** The instructions retired when the guest read the armed-for CR; -1 where not counted or not read. */
    default long carriageReturnCount() {
        return -1;
    }

    /** Waits for the boot banner's {@code ready} and the first prompt; returns the {@code ready} line. */
    default ConsoleTranscript.Line awaitPrompt(long deadline) throws BenchFailure {
        ConsoleTranscript.Line ready = console().awaitLine(0, "ready"::equals, deadline,
                name() + "'s boot banner line 'ready'");
        console().awaitPartial(PROMPT, deadline, name() + "'s first prompt");
        return ready;
    }

    /**
     * Types {@code compute n} at the prompt, waits for its echo, then times from writing the CR to
     * reading the result line; returns when the next prompt is there.
     *
     * @throws BenchFailure when the guest does not answer by {@code deadline}, answers with an
     *     error, or echoes another N
     */
    default ComputeRun compute(long n, long deadline) throws BenchFailure {
        String command = "compute " + n;
        ConsoleTranscript c = console();
        type(command);
        c.awaitPartial(PROMPT + command, deadline, "the echo of '" + command + "' on " + name());
        armCarriageReturnCount();
        int from = c.lineCount();
        long start = System.nanoTime();
        type("\r");
        ConsoleTranscript.Line result = c.awaitLine(from,
                l -> l.startsWith("compute: ") || l.startsWith("error: ") || l.startsWith("FATAL"),
                deadline, "the result of '" + command + "' on " + name());
        long crCount = carriageReturnCount();
        Matcher m = RESULT.matcher(result.text());
        if (!m.matches() || Long.parseLong(m.group(1)) != n) {
            throw new BenchFailure(name() + " answered '" + command + "' with: " + result.text());
        }
        c.awaitPartial(PROMPT, deadline, "the prompt after '" + command + "' on " + name());
        long instructions = crCount >= 0 && result.instructions() >= 0 ? result.instructions() - crCount : -1;
        return new ComputeRun(n, result.nanos() - start, instructions, m.group(2));
    }

    /**
     * Freezes the guest so that it takes no host CPU while another target is measured (an idle
     * guest polls its UART and keeps a CPU busy); returns once it is frozen.
     */
    void pause() throws BenchFailure;

    /** Lets a {@link #pause paused} guest run again. */
    void resume() throws BenchFailure;

    /** Stops the guest and frees what it holds. */
    @Override
    void close();
}
