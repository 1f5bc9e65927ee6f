package org.altovirt.devices.serial;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;
import org.altovirt.config.SerialConfig;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pty backend seen from a terminal program that opens /dev/pts/N. */
class PtyBackendTest {
    private final LibC libc = LibC.get();
    private PtyBackend backend;
    private String announced;
    private int user = -1;

    @BeforeEach
    void open() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            backend = (PtyBackend) SerialBackend.open(new SerialConfig.Pty());
        } finally {
            System.setErr(stderr);
        }
        announced = captured.toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void close() {
        if (user >= 0) {
            libc.close(user);
        }
        backend.close();
    }

    private int openTerminal() {
        int fd = libc.open(backend.name(), LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_NONBLOCK, 0);
        assertThat(fd).as("open " + backend.name()).isGreaterThanOrEqualTo(0);
        return fd;
    }

    /** Reads from the terminal until {@code expected} has arrived; fails after 5 seconds. */
    private String readUntil(int fd, String expected) {
        StringBuilder got = new StringBuilder();
        Pointer pfd = Native.allocate(8);
        Pointer buf = Native.allocate(4096);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!got.toString().contains(expected)) {
            int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
            assertThat(left).as("waiting for '%s', got '%s'", expected, got).isPositive();
            pfd.putInt(0, fd);
            pfd.putShort(4, (short) 1);
            pfd.putShort(6, (short) 0);
            if (libc.poll(pfd, 1, left) > 0) {
                long n = libc.read(fd, buf, 4096);
                for (int i = 0; i < n; i++) {
                    got.append((char) (buf.getByte(i) & 0xFF));
                }
            }
        }
        return got.toString();
    }

    @Test
    void theTerminalNameIsAnnouncedOnStderr() {
        assertThat(backend.name()).startsWith("/dev/pts/");
        assertThat(announced).isEqualTo("altovirt: serial on " + backend.name() + System.lineSeparator());
    }

    @Test
    void guestOutputReachesTheTerminalUntranslated() {
        user = openTerminal();
        backend.write("login: \n".getBytes(StandardCharsets.US_ASCII), 0, 8);
        assertThat(readUntil(user, "login: \n")).as("raw: no NL to CRNL").isEqualTo("login: \n");
    }

    @Test
    void whatTheUserTypesReachesTheGuestAtOnceWithoutEcho() throws Exception {
        CollectingInput guest = new CollectingInput();
        backend.start(guest);
        user = openTerminal();
        Pointer keys = Native.allocate(3);
        keys.put(0, new byte[] {'l', 's', '\r'}, 0, 3);
        assertThat(libc.write(user, keys, 3)).isEqualTo(3);
        guest.awaitEndsWith("ls\r"); // no line buffering: CR arrives as CR
        backend.write('#');
        assertThat(readUntil(user, "#")).as("no echo of the typed keys").isEqualTo("#");
    }

    @Test
    void withNobodyReadingOutputNeverBlocksAndTheNewestIsKept() {
        byte[] line = new byte[1000];
        java.util.Arrays.fill(line, (byte) '.');
        for (int i = 0; i < 200; i++) { // 200 KB: far more than the pty buffers
            backend.write(line, 0, line.length);
        }
        backend.write("LATEST".getBytes(StandardCharsets.US_ASCII), 0, 6);
        user = openTerminal();
        assertThat(readUntil(user, "LATEST")).endsWith("LATEST");
    }

    @Test
    void closingStopsTheReaderThread() throws Exception {
        backend.start(new CollectingInput());
        backend.close();
        Uart8250Test.waitFor(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("serial-pty") && t.isAlive()), "the pty reader to end");
    }
}
