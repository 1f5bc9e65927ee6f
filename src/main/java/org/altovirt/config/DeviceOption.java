package org.altovirt.config;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code -device DRIVER,...} for the three microvm devices. Whether the named drive or netdev
 * exists, and the device limits, are checked once every option is read ({@link ConfigDraft}).
 */
final class DeviceOption {
    private static final List<String> DRIVERS = List.of(DeviceConfig.VirtioBlk.DRIVER,
            DeviceConfig.VirtioNet.DRIVER, DeviceConfig.VirtioBalloon.DRIVER);
    private static final List<String> BLK_KEYS =
            List.of("driver", "drive", "id", "serial", "iothread", "bootindex");
    private static final List<String> NET_KEYS = List.of("driver", "netdev", "id", "mac");
    private static final List<String> BALLOON_KEYS =
            List.of("driver", "id", "deflate-on-oom", "free-page-reporting");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");

    private DeviceOption() {}

    /** Parses one {@code -device}; errors start with {@code "-device <value>"}. */
    static DeviceConfig parse(String raw) throws ConfigException {
        KeyValues kv = KeyValues.parse(raw, "driver").named("-device " + raw);
        String driver = kv.string("driver");
        if (driver == null || driver.isEmpty()) {
            throw kv.error("the device driver is missing (allowed: " + String.join(", ", DRIVERS) + ")");
        }
        switch (driver) {
            case DeviceConfig.VirtioBlk.DRIVER: {
                kv.allow(BLK_KEYS, BLK_KEYS.subList(1, BLK_KEYS.size()));
                String drive = kv.required("drive");
                String id = kv.id("id");
                long bootIndex = kv.number("bootindex", 0, 255, -1);
                return new DeviceConfig.VirtioBlk(id == null ? drive : id, drive, kv.string("serial"),
                        kv.string("iothread"), bootIndex < 0 ? null : (int) bootIndex);
            }
            case DeviceConfig.VirtioNet.DRIVER: {
                kv.allow(NET_KEYS, NET_KEYS.subList(1, NET_KEYS.size()));
                String netdev = kv.required("netdev");
                String id = kv.id("id");
                String mac = kv.string("mac");
                return new DeviceConfig.VirtioNet(id == null ? netdev : id, netdev,
                        mac == null ? null : mac(kv.where(), mac));
            }
            case DeviceConfig.VirtioBalloon.DRIVER: {
                kv.allow(BALLOON_KEYS, BALLOON_KEYS.subList(1, BALLOON_KEYS.size()));
                String id = kv.id("id");
                return new DeviceConfig.VirtioBalloon(
                        id == null ? DeviceConfig.VirtioBalloon.DEFAULT_ID : id,
                        kv.onOff("deflate-on-oom", false), kv.onOff("free-page-reporting", false));
            }
            default:
                throw kv.error("unknown device '" + driver + "' (allowed: " + String.join(", ", DRIVERS) + ")");
        }
    }

    /** A unicast MAC address, six hex bytes separated by ':'; returned in lower case. */
    static String mac(String where, String mac) throws ConfigException {
        if (!MAC.matcher(mac).matches()) {
            throw new ConfigException(where + ": mac '" + mac
                    + "' must be six hex bytes separated by ':' (e.g. 52:54:00:12:34:56)");
        }
        if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
            throw new ConfigException(where + ": mac '" + mac
                    + "' is a multicast address; a NIC needs a unicast one (first byte even)");
        }
        return mac.toLowerCase(Locale.ROOT);
    }
}
