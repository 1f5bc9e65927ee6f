package org.altovirt.devices.serial;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code -serial file:PATH}: guest output written to a file, created or truncated at start as
 * QEMU does; no input. Each write reaches the file at once (no buffering in the VMM), so the file
 * is complete up to the last byte even if the VMM is killed.
 */
final class FileBackend implements SerialBackend {
    private static final Logger LOG = LoggerFactory.getLogger(FileBackend.class);

    private final Path path;
    private final FileChannel file;
    private boolean failed;

    private FileBackend(Path path, FileChannel file) {
        this.path = path;
        this.file = file;
    }

    static FileBackend open(String option, Path path) throws SerialException {
        try {
            return new FileBackend(path, FileChannel.open(path, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw SerialException.of(option, "cannot open " + path + " for writing", e);
        }
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        if (failed) {
            return;
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
            while (buf.hasRemaining()) {
                file.write(buf);
            }
        } catch (IOException e) {
            // A full disk must not stop the guest: stop writing and say so once.
            failed = true;
            LOG.warn("serial output to {} stopped: {}", path, e.toString());
        }
    }

    @Override
    public void start(SerialInput input) {
        // output only
    }

    @Override
    public synchronized void close() {
        failed = true;
        try {
            file.close();
        } catch (IOException e) {
            LOG.warn("closing serial output file {}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "serial: file " + path;
    }
}
