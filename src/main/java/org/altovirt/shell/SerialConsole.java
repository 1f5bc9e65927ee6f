package org.altovirt.shell;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

/**
 * {@code console}: the terminal attached to the guest's serial port, a Unix socket the VM serves
 * ({@code -serial unix:PATH,server,nowait}), until Ctrl-] (0x1d). The terminal is raw meanwhile
 * (no echo, no line editing, Ctrl-C goes to the guest): the guest's own tty does those.
 */
final class SerialConsole {
    /** Ctrl-]: telnet's and virsh's escape, which a guest rarely needs. */
    static final int ESCAPE = 0x1d;
    private static final long POLL_MS = 100;

    private SerialConsole() {}

    /** How the session ended. */
    enum End {
        /** The user typed Ctrl-]. */
        ESCAPED,
        /** The VM closed the socket (it ended). */
        CLOSED
    }

    /**
     * Attaches {@code terminal} to the serial socket at {@code socket} until Ctrl-] or until the VM
     * closes it.
     *
     * @throws IOException when the socket cannot be reached
     */
    static End attach(Terminal terminal, Path socket) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            Attributes saved = terminal.enterRawMode();
            Attributes raw = terminal.getAttributes();
            raw.setLocalFlag(Attributes.LocalFlag.ISIG, false); // Ctrl-C and Ctrl-Z are the guest's
            terminal.setAttributes(raw);
            Thread pump = new Thread(() -> copyToTerminal(channel, terminal), "serial-console");
            pump.setDaemon(true);
            pump.start();
            try {
                return copyToGuest(terminal.reader(), channel, pump);
            } finally {
                terminal.setAttributes(saved);
                channel.close(); // ends the pump
                try {
                    pump.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static End copyToGuest(NonBlockingReader keys, SocketChannel channel, Thread pump) throws IOException {
        while (true) {
            int c = keys.read(POLL_MS);
            if (c == NonBlockingReader.READ_EXPIRED) {
                if (!pump.isAlive()) {
                    return End.CLOSED;
                }
                continue;
            }
            if (c == ESCAPE || c < 0) {
                return End.ESCAPED;
            }
            String typed = String.valueOf((char) c);
            if (Character.isHighSurrogate((char) c)) {
                int low = keys.read(POLL_MS); // the rest of a character outside the BMP
                typed += low >= 0 ? String.valueOf((char) low) : "";
            }
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(typed);
            try {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } catch (IOException e) {
                return End.CLOSED;
            }
        }
    }

    private static void copyToTerminal(SocketChannel channel, Terminal terminal) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        OutputStream out = terminal.output();
        try {
            int n;
            while ((n = channel.read(buf.clear())) >= 0) {
                out.write(buf.array(), 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed by attach() on Ctrl-], or by the VM: either way the session is over
        }
    }
}
