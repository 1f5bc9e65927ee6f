package org.altovirt.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Checks on the host files that options name: kernels, initrds, disk images. */
final class HostFiles {
    /** st_mode's file-type bits, and the block-device type (see stat(2)). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private HostFiles() {}

    /** {@code value} as a path; {@code "<where>: invalid path"} when the OS cannot name it. */
    static Path path(String where, String value) throws ConfigException {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new ConfigException(where + ": invalid path (" + e.getReason() + ")");
        }
    }

    /**
     * A kernel or initrd: an existing, readable regular file. Messages: {@code "<where>: no such
     * file"}, {@code "<where>: not a regular file"}, {@code "<where>: not readable"}.
     */
    static void requireBootImage(String where, Path path) throws ConfigException {
        if (!Files.exists(path)) {
            throw new ConfigException(where + ": no such file");
        }
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(where + ": not a regular file");
        }
        if (!Files.isReadable(path)) {
            throw new ConfigException(where + ": not readable");
        }
    }

    /**
     * A disk image: an existing regular file or block device, readable, and writable unless
     * {@code readOnly}. Messages: {@code "<where>: file PATH does not exist"}, {@code "... is
     * not a regular file or block device"}, {@code "... is not readable"}, {@code "... is not
     * writable (use readonly=on to open it read-only)"}.
     */
    static void requireDiskImage(String where, Path path, boolean readOnly) throws ConfigException {
        String file = where + ": file " + path;
        if (!Files.exists(path)) {
            throw new ConfigException(file + " does not exist");
        }
        if (!Files.isRegularFile(path) && !isBlockDevice(path)) {
            throw new ConfigException(file + " is not a regular file or block device");
        }
        if (!Files.isReadable(path)) {
            throw new ConfigException(file + " is not readable");
        }
        if (!readOnly && !Files.isWritable(path)) {
            throw new ConfigException(file + " is not writable (use readonly=on to open it read-only)");
        }
    }

    private static boolean isBlockDevice(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            return mode instanceof Integer m && (m & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // no unix attribute view (not Linux): only regular files are disks
        }
    }
}
