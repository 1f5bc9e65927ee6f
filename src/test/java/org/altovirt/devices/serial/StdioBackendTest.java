package org.altovirt.devices.serial;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StdioBackendTest {
    /** Records what was flushed: bytes written but not flushed do not count as shown. */
    private static final class Screen extends ByteArrayOutputStream {
        private String shown = "";

        @Override
        public synchronized void flush() {
            shown = toString(StandardCharsets.US_ASCII);
        }
    }

    @Test
    void everyWriteIsFlushedSoTheConsoleAppearsPromptly() {
        Screen screen = new Screen();
        StdioBackend backend = new StdioBackend(new PipedInputStream(), screen, null);
        backend.write('$');
        assertThat(screen.shown).isEqualTo("$");
        backend.write(" ls".getBytes(StandardCharsets.US_ASCII), 0, 3);
        assertThat(screen.shown).isEqualTo("$ ls");
        backend.close();
    }

    @Test
    void standardInputFeedsTheGuestUntilEndOfFile() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(keyboard);
        StdioBackend backend = new StdioBackend(stdin, new Screen(), null);
        CollectingInput guest = new CollectingInput();
        backend.start(guest);
        keyboard.write("uname -a\r".getBytes(StandardCharsets.US_ASCII));
        keyboard.flush();
        guest.awaitEndsWith("uname -a\r");
        keyboard.close();
        backend.close();
    }
}
