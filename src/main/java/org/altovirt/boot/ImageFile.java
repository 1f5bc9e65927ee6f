package org.altovirt.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.altovirt.memory.GuestMemory;

/**
 * A kernel or initrd file opened for loading. Every read names the file in its error, and a file
 * shorter than what its own headers promise is reported as truncated, never read past.
 */
final class ImageFile implements AutoCloseable {
    /** Copies go through a heap buffer of this size: kernels are tens of MiB, read once. */
    private static final int CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;

    private ImageFile(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static ImageFile open(Path path) throws BootException {
        if (Files.isDirectory(path)) {
            throw new BootException(path + ": is a directory, not a file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new BootException(path + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new BootException(path + ": permission denied", e);
        } catch (IOException e) {
            throw new BootException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            return new ImageFile(path, channel, channel.size());
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw new BootException(path + ": cannot read its size: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel channel, IOException failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    /** An error about this file: {@code "<path>: <problem>"}. */
    BootException error(String problem) {
        return new BootException(path + ": " + problem);
    }

    /**
     * {@code length} bytes from {@code position}, little-endian.
     *
     * @param what what those bytes are, for the truncation message
     */
    ByteBuffer read(long position, int length, String what) throws BootException {
        requireWithin(position, length, what);
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        fill(buf, position);
        return buf.flip();
    }

    /** Copies {@code length} bytes from file offset {@code position} to guest address {@code gpa}. */
    void copyTo(GuestMemory memory, long gpa, long position, long length, String what) throws BootException {
        requireWithin(position, length, what);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(length, 1)));
        long done = 0;
        while (done < length) {
            buf.clear().limit((int) Math.min(buf.capacity(), length - done));
            fill(buf, position + done);
            memory.write(gpa + done, buf.array(), 0, buf.position());
            done += buf.position();
        }
    }

    /** Refuses a range the file does not hold; the sizes come from the file's own headers. */
    void requireWithin(long position, long length, String what) throws BootException {
        if (position < 0 || length < 0 || position > size || length > size - position) {
            throw error(String.format("file is truncated: %s needs bytes [0x%x, 0x%x) but the file has %d bytes",
                    what, position, position + length, size));
        }
    }

    private void fill(ByteBuffer buf, long position) throws BootException {
        try {
            long at = position;
            while (buf.hasRemaining()) {
                int n = channel.read(buf, at);
                if (n < 0) {
                    // The file shrank after we measured it.
                    throw error("file is truncated: it ended at byte " + at + " while loading");
                }
                at += n;
            }
        } catch (IOException e) {
            throw new BootException(path + ": read error: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // A read-only channel has nothing to flush; a failing close loses nothing.
        }
    }
}
