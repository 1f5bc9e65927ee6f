package org.altovirt.acceptance;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * A guest's serial console on altovirt's stdio — the conformance guest's, or the Linux guest's
 * shell: what the guest printed (read from the process's captured standard output as it grows)
 * and what we type. Output is consumed in order; each wait looks only at what came after the
 * last thing found.
 */
final class GuestConsole {
    static final String PROMPT = "altovirt-guest> ";
    /** The emu interprets every instruction: boots and commands take longer than on KVM. */
    static final Duration PATIENCE = Duration.ofSeconds(90);

    private final AltovirtProcess process;
    private final String prompt;
    private final Duration patience;
    private int consumed;
    private boolean atPrompt;

    GuestConsole(AltovirtProcess process) {
        this(process, false);
    }

    /** @param atPrompt the guest is waiting at its prompt already (a restored guest) */
    GuestConsole(AltovirtProcess process, boolean atPrompt) {
        this(process, PROMPT, PATIENCE, atPrompt);
    }

    /** A console whose shell prints {@code prompt}, waited for up to {@code patience} each time. */
    GuestConsole(AltovirtProcess process, String prompt, Duration patience, boolean atPrompt) {
        this.process = process;
        this.prompt = prompt;
        this.patience = patience;
        this.atPrompt = atPrompt;
    }

    /** Waits until {@code text} appears after what was consumed; returns the output up to its end. */
    String await(String text) throws InterruptedException {
        Instant deadline = Instant.now().plus(patience);
        while (true) {
            String out = process.stdout();
            int at = out.indexOf(text, consumed);
            if (at >= 0) {
                String seen = out.substring(consumed, at + text.length());
                consumed = at + text.length();
                atPrompt = seen.endsWith(prompt);
                return seen;
            }
            if (!process.isAlive()) {
                throw new AssertionError("altovirt ended before the guest printed '" + text + "'; console: "
                        + out.substring(consumed) + "; stderr: " + process.stderr());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the guest did not print '" + text + "' within " + patience
                        + "; console since the last match: " + out.substring(consumed));
            }
            Thread.sleep(20); // polling the growing output file, bounded by the deadline
        }
    }

    /** What the guest printed after the last match, without waiting. */
    String unread() {
        return process.stdout().substring(consumed);
    }

    /** Types {@code command} and Enter, and returns its output once the prompt is back. */
    String run(String command) throws IOException, InterruptedException {
        if (!atPrompt) {
            await(prompt);
        }
        type(command);
        String out = await(prompt);
        int echo = out.indexOf(command);
        String body = echo >= 0 ? out.substring(echo + command.length()) : out;
        return body.substring(0, body.length() - prompt.length()).strip();
    }

    void type(String command) throws IOException {
        atPrompt = false;
        process.type(command + "\r");
    }
}
