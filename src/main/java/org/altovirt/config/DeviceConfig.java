package org.altovirt.config;

import java.util.Objects;

/**
 * A device from {@code -device DRIVER,...} (or made from the config file's {@code drive},
 * {@code net} and {@code balloon}). On the microvm each becomes a virtio-mmio transport; at most
 * {@value #MAX_DISKS} disks, {@value #MAX_NICS} NICs and {@value #MAX_BALLOONS} balloon
 * (docs/facts.md §3).
 */
public sealed interface DeviceConfig {
    /** At most six virtio-blk disks, hot-plugged ones included (docs/managing-vms.md). */
    int MAX_DISKS = 6;
    /** At most two virtio-net NICs, hot-plugged ones included (docs/managing-vms.md). */
    int MAX_NICS = 2;
    /** At most one balloon. */
    int MAX_BALLOONS = 1;

    /** The device's id, unique among devices; QMP's {@code device_del} names it. */
    String id();

    /** The {@code -device} driver name, e.g. {@code virtio-blk-device}. */
    String driver();

    /**
     * {@code -device virtio-blk-device,drive=ID[,id=ID][,serial=S][,iothread=T][,bootindex=N]}.
     *
     * @param id the device id; the drive's id when not given
     * @param drive the id of the {@link DriveConfig} it shows to the guest
     * @param serial the serial number: this device's {@code serial=}, else its drive's, else null
     * @param iothread {@code iothread=}: the I/O thread asked for; null when not given
     * @param bootIndex {@code bootindex=}, 0 to 255; null when not given
     */
    record VirtioBlk(String id, String drive, String serial, String iothread, Integer bootIndex)
            implements DeviceConfig {
        /** The driver name on the command line. */
        public static final String DRIVER = "virtio-blk-device";

        public VirtioBlk {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(drive, "drive");
        }

        @Override
        public String driver() {
            return DRIVER;
        }
    }

    /**
     * {@code -device virtio-net-device,netdev=ID[,id=ID][,mac=XX:XX:XX:XX:XX:XX]}.
     *
     * @param id the device id; the netdev's id when not given
     * @param netdev the id of the {@link NetdevConfig} it connects to
     * @param mac the guest's unicast MAC address, lower case; null when not given
     */
    record VirtioNet(String id, String netdev, String mac) implements DeviceConfig {
        /** The driver name on the command line. */
        public static final String DRIVER = "virtio-net-device";

        public VirtioNet {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(netdev, "netdev");
        }

        @Override
        public String driver() {
            return DRIVER;
        }
    }

    /**
     * {@code -device virtio-balloon-device[,id=ID][,deflate-on-oom=on|off][,free-page-reporting=on|off]}.
     *
     * @param id the device id; {@value #DEFAULT_ID} when not given
     * @param deflateOnOom offer VIRTIO_BALLOON_F_DEFLATE_ON_OOM (default off)
     * @param freePageReporting offer VIRTIO_BALLOON_F_PAGE_REPORTING (default off)
     */
    record VirtioBalloon(String id, boolean deflateOnOom, boolean freePageReporting)
            implements DeviceConfig {
        /** The driver name on the command line. */
        public static final String DRIVER = "virtio-balloon-device";
        /** The id of a balloon given without one. */
        public static final String DEFAULT_ID = "balloon0";

        public VirtioBalloon {
            Objects.requireNonNull(id, "id");
        }

        @Override
        public String driver() {
            return DRIVER;
        }
    }
}
