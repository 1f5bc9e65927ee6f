package org.altovirt.shell;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.jline.terminal.impl.LineDisciplineTerminal;
import org.jline.utils.ScreenTerminal;

/**
 * A terminal for tests: JLine's virtual terminal, drawn on an emulated 100×30 screen, so a test
 * types keys and reads the screen a user would see (cursor moves and redraws included).
 */
final class Screen implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ScreenTerminal.VirtualTerminal vt;

    Screen() throws Exception {
        vt = ScreenTerminal.withTerminal("test", "xterm-256color", 100, 30);
    }

    LineDisciplineTerminal terminal() {
        return vt.terminal();
    }

    /** Types {@code keys} as if on a keyboard ({@code \r} is Enter, {@code \t} is Tab). */
    void type(String keys) throws Exception {
        vt.terminal().processInputBytes(keys.getBytes(StandardCharsets.UTF_8));
    }

    /** The screen now, one line per row, trailing blanks removed. */
    String text() {
        StringBuilder out = new StringBuilder();
        for (String row : vt.screen().toString().split("\n", -1)) {
            out.append(row.stripTrailing()).append('\n');
        }
        return out.toString().stripTrailing();
    }

    /** Waits until the screen shows {@code text}; returns the screen. */
    String await(String text) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            String now = text();
            if (now.contains(text)) {
                return now;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the screen did not show '" + text + "' within " + PATIENCE + "; it shows:\n" + now);
            }
            vt.screen().waitDirty(50); // wakes on the next change, bounded by the deadline above
        }
    }

    /** Waits until the last row that is not blank is {@code line} (a fresh prompt, say); returns the screen. */
    String awaitLastLine(String line) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (!lastLine().equals(line)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the last line did not become '" + line + "' within " + PATIENCE + "; the screen:\n" + text());
            }
            vt.screen().waitDirty(50); // wakes on the next change, bounded by the deadline above
        }
        return text();
    }

    /** The last row that is not blank: where the prompt and the typed line are. */
    String lastLine() {
        String[] rows = text().split("\n");
        return rows[rows.length - 1];
    }

    @Override
    public void close() throws Exception {
        vt.terminal().close();
    }
}
