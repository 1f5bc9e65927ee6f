package org.altovirt.devices.serial;

import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;

/**
 * A terminal put in raw mode (what cfmakeraw(3) does: no echo, no line editing, no signals from
 * ^C, no CR/NL translation, 8-bit bytes), with its earlier settings kept so {@link #restore} can
 * put them back. The guest's own tty layer does the line editing and echo.
 *
 * <p>{@code struct termios} as glibc lays it out on Linux x86-64; the offsets and flag values are
 * checked against the C headers by a test.
 */
final class RawTerminal {
    static final int TERMIOS_SIZE = 60;
    static final int C_IFLAG = 0;
    static final int C_OFLAG = 4;
    static final int C_CFLAG = 8;
    static final int C_LFLAG = 12;
    static final int C_CC = 17;
    static final int VTIME = 5;
    static final int VMIN = 6;

    static final int IGNBRK = 0x1;
    static final int BRKINT = 0x2;
    static final int PARMRK = 0x8;
    static final int ISTRIP = 0x20;
    static final int INLCR = 0x40;
    static final int IGNCR = 0x80;
    static final int ICRNL = 0x100;
    static final int IXON = 0x400;
    static final int OPOST = 0x1;
    static final int CSIZE = 0x30;
    static final int CS8 = 0x30;
    static final int PARENB = 0x100;
    static final int ISIG = 0x1;
    static final int ICANON = 0x2;
    static final int ECHO = 0x8;
    static final int ECHONL = 0x40;
    static final int IEXTEN = 0x8000;
    static final int TCSANOW = 0;

    private final int fd;
    private final Pointer saved;
    private final AtomicBoolean restored = new AtomicBoolean();

    private RawTerminal(int fd, Pointer saved) {
        this.fd = fd;
        this.saved = saved;
    }

    /** Puts the terminal on {@code fd} in raw mode. */
    static RawTerminal enter(int fd) throws NativeException {
        LibC libc = LibC.get();
        Pointer saved = Native.allocate(TERMIOS_SIZE);
        if (libc.tcgetattr(fd, saved) != 0) {
            throw NativeException.last("tcgetattr(" + fd + ")");
        }
        Pointer raw = Native.allocate(TERMIOS_SIZE);
        byte[] copy = new byte[TERMIOS_SIZE];
        saved.get(0, copy, 0, TERMIOS_SIZE);
        raw.put(0, copy, 0, TERMIOS_SIZE);
        makeRaw(raw);
        if (libc.tcsetattr(fd, TCSANOW, raw) != 0) {
            throw NativeException.last("tcsetattr(" + fd + ", raw)");
        }
        return new RawTerminal(fd, saved);
    }

    /** Applies cfmakeraw(3)'s changes to a {@code struct termios}. */
    static void makeRaw(Pointer t) {
        t.putInt(C_IFLAG, t.getInt(C_IFLAG) & ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
        t.putInt(C_OFLAG, t.getInt(C_OFLAG) & ~OPOST);
        t.putInt(C_LFLAG, t.getInt(C_LFLAG) & ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN));
        t.putInt(C_CFLAG, (t.getInt(C_CFLAG) & ~(CSIZE | PARENB)) | CS8);
        t.putByte(C_CC + VMIN, (byte) 1);
        t.putByte(C_CC + VTIME, (byte) 0);
    }

    /** Puts the saved settings back; only the first call does anything. */
    void restore() {
        if (restored.compareAndSet(false, true)) {
            // Best effort: at exit there is no one left to tell, and the fd may be gone already.
            LibC.get().tcsetattr(fd, TCSANOW, saved);
        }
    }
}
