package org.altovirt.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A disk backend from {@code -drive}, or one of the config file's {@code drive} entries. A
 * {@code virtio-blk-device} shows it to the guest.
 *
 * @param id unique among drives; a {@code virtio-blk-device} names it with {@code drive=}
 * @param file the image: an existing regular file or block device
 * @param readOnly {@code readonly=on}: opened read-only and shown read-only to the guest
 * @param direct {@code direct=on} (the default): opened with O_DIRECT
 * @param serial {@code serial=}: the disk's serial number; null when not given
 * @param iopsTotal {@code throttling.iops-total=}: I/O operations allowed per second; 0 when not
 *     throttled
 * @param aio {@code aio=}: how I/O is submitted; by default {@link Aio#NATIVE} with direct, else
 *     {@link Aio#OFF}
 */
public record DriveConfig(
        String id, Path file, boolean readOnly, boolean direct, String serial, long iopsTotal, Aio aio) {

    /** The {@code aio=} values StratoVirt accepts. */
    public enum Aio {
        /** Linux native AIO. */
        NATIVE("native"),
        /** io_uring. */
        IO_URING("io_uring"),
        /** Plain synchronous reads and writes. */
        OFF("off");

        private final String optionValue;

        Aio(String optionValue) {
            this.optionValue = optionValue;
        }

        /** The value as written on the command line. */
        public String optionValue() {
            return optionValue;
        }

        /** The default for a drive opened with or without O_DIRECT. */
        public static Aio defaultFor(boolean direct) {
            return direct ? NATIVE : OFF;
        }
    }

    public DriveConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(aio, "aio");
        if (iopsTotal < 0) {
            throw new IllegalArgumentException("iopsTotal " + iopsTotal + " is negative");
        }
    }
}
