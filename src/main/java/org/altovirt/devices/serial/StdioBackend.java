package org.altovirt.devices.serial;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.altovirt.sys.LibC;
import org.altovirt.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code -serial stdio}: guest output to the VMM's standard output, flushed on every write so a
 * guest console appears as it is typed; standard input feeds the guest. When standard input is a
 * terminal it is put in raw mode (as StratoVirt does: keys, ^C included, go to the guest, whose
 * tty echoes them), and restored on {@link #close} or at JVM exit.
 */
final class StdioBackend implements SerialBackend {
    private static final Logger LOG = LoggerFactory.getLogger(StdioBackend.class);
    private static final int STDIN = 0;

    private final InputStream in;
    private final OutputStream out;
    private final RawTerminal terminal;
    private final Thread restoreAtExit;
    private volatile boolean closed;
    private volatile Thread reader;
    private boolean outputFailed;

    StdioBackend(InputStream in, OutputStream out, RawTerminal terminal) {
        this.in = in;
        this.out = out;
        this.terminal = terminal;
        if (terminal != null) {
            restoreAtExit = new Thread(terminal::restore, "serial-tty-restore");
            Runtime.getRuntime().addShutdownHook(restoreAtExit);
        } else {
            restoreAtExit = null;
        }
    }

    static StdioBackend open(String option) throws SerialException {
        RawTerminal terminal = null;
        if (LibC.get().isatty(STDIN) == 1) {
            try {
                terminal = RawTerminal.enter(STDIN);
            } catch (NativeException e) {
                throw new SerialException(option + ": cannot put the terminal on standard input in raw mode: "
                        + e.getMessage(), e);
            }
        }
        return new StdioBackend(System.in, System.out, terminal);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        if (outputFailed) {
            return;
        }
        try {
            out.write(bytes, offset, length);
            out.flush();
        } catch (IOException e) {
            outputFailed = true;
            LOG.warn("serial output to standard output stopped: {}", e.toString());
        }
    }

    @Override
    public void start(SerialInput input) {
        Thread t = new Thread(() -> pump(input), "serial-stdin");
        t.setDaemon(true);
        reader = t;
        t.start();
    }

    private void pump(SerialInput input) {
        byte[] buf = new byte[256];
        try {
            int n;
            while (!closed && (n = in.read(buf)) >= 0) {
                input.receive(buf, 0, n);
            }
        } catch (InterruptedException e) {
            // closing
        } catch (IOException e) {
            if (!closed) {
                LOG.warn("serial input from standard input stopped: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = reader;
        if (t != null) {
            // A read of System.in cannot be interrupted; the daemon thread ends with the JVM.
            t.interrupt();
        }
        if (terminal != null) {
            terminal.restore();
            try {
                Runtime.getRuntime().removeShutdownHook(restoreAtExit);
            } catch (IllegalStateException e) {
                // the JVM is already exiting: the hook runs anyway and finds nothing to do
            }
        }
    }

    @Override
    public String toString() {
        return "serial: stdio" + (terminal != null ? " (raw terminal)" : "");
    }
}
