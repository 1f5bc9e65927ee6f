package org.altovirt.devices.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Pointer;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawTerminalTest {
    @TempDir
    Path dir;

    /** Every constant RawTerminal and PtyBackend use, as the C headers define it. */
    @Test
    void termiosLayoutAndFlagsMatchTheCHeaders() throws Exception {
        Map<String, Integer> ours = new LinkedHashMap<>();
        ours.put("sizeof(struct termios)", RawTerminal.TERMIOS_SIZE);
        ours.put("offsetof(struct termios, c_iflag)", RawTerminal.C_IFLAG);
        ours.put("offsetof(struct termios, c_oflag)", RawTerminal.C_OFLAG);
        ours.put("offsetof(struct termios, c_cflag)", RawTerminal.C_CFLAG);
        ours.put("offsetof(struct termios, c_lflag)", RawTerminal.C_LFLAG);
        ours.put("offsetof(struct termios, c_cc)", RawTerminal.C_CC);
        for (String flag : new String[] {"VTIME", "VMIN", "IGNBRK", "BRKINT", "PARMRK", "ISTRIP", "INLCR",
                "IGNCR", "ICRNL", "IXON", "OPOST", "CSIZE", "CS8", "PARENB", "ISIG", "ICANON", "ECHO", "ECHONL",
                "IEXTEN", "TCSANOW"}) {
            ours.put(flag, RawTerminal.class.getDeclaredField(flag).getInt(null));
        }
        for (String pty : new String[] {"POLLIN", "POLLERR", "POLLHUP", "TCIFLUSH", "EINTR", "EAGAIN"}) {
            ours.put(pty, PtyBackend.class.getDeclaredField(pty).getInt(null));
        }
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <termios.h>\n#include <poll.h>\n#include <errno.h>\n"
                + "int main(void) {\n");
        for (String expr : ours.keySet()) {
            c.append("  printf(\"%ld\\n\", (long) (").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        String[] printed = compileAndRun(c.toString()).split("\n");
        int i = 0;
        for (Map.Entry<String, Integer> e : ours.entrySet()) {
            assertThat(Integer.parseInt(printed[i++].trim())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void rawModeTurnsOffLineEditingEchoAndSignalsAndRestoreBringsThemBack() throws Exception {
        LibC libc = LibC.get();
        int master = libc.posix_openpt(LibC.O_RDWR | LibC.O_NOCTTY);
        assertThat(master).isGreaterThanOrEqualTo(0);
        int tty = -1;
        try {
            assertThat(libc.grantpt(master)).isZero();
            assertThat(libc.unlockpt(master)).isZero();
            tty = libc.open(libc.ptsname(master), LibC.O_RDWR | LibC.O_NOCTTY, 0);
            assertThat(tty).isGreaterThanOrEqualTo(0);
            int cookedLflag = lflag(tty);
            assertThat(cookedLflag & (RawTerminal.ICANON | RawTerminal.ECHO)).as("a new pty is cooked").isNotZero();

            RawTerminal raw = RawTerminal.enter(tty);
            assertThat(lflag(tty) & (RawTerminal.ICANON | RawTerminal.ECHO | RawTerminal.ISIG)).isZero();

            raw.restore();
            assertThat(lflag(tty)).isEqualTo(cookedLflag);
        } finally {
            if (tty >= 0) {
                libc.close(tty);
            }
            libc.close(master);
        }
    }

    private static int lflag(int fd) {
        Pointer t = Native.allocate(RawTerminal.TERMIOS_SIZE);
        assertThat(LibC.get().tcgetattr(fd, t)).isZero();
        return t.getInt(RawTerminal.C_LFLAG);
    }

    private String compileAndRun(String source) throws IOException, InterruptedException {
        Path src = dir.resolve("termios.c");
        Path exe = dir.resolve("termios");
        Files.writeString(src, source);
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "gcc is not installed: cannot check the termios layout against the C headers");
            throw e;
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gcc.exitValue()).as("gcc: %s", log).isZero();
        Process run = new ProcessBuilder(exe.toString()).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
