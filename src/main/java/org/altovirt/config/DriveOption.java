package org.altovirt.config;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code -drive id=ID,file=PATH[,readonly=on|off][,direct=on|off][,serial=S][,if=none]
 * [,format=raw][,throttling.iops-total=N][,aio=native|io_uring|off]}.
 */
final class DriveOption {
    private static final List<String> KEYS = List.of("id", "file", "readonly", "direct", "serial",
            "if", "format", "throttling.iops-total", "aio");

    private DriveOption() {}

    /** How a drive's errors start: {@code "-drive id=ID"}, or the whole value without an id. */
    static String where(String raw) {
        KeyValues kv = KeyValues.parse(raw, null);
        try {
            String id = kv.string("id");
            if (id != null && !id.isEmpty()) {
                return "-drive id=" + id;
            }
        } catch (ConfigException e) {
            // a bare "id": fall through to the whole value
        }
        return "-drive " + raw;
    }

    /** Parses one {@code -drive}; the file must exist (see {@link HostFiles#requireDiskImage}). */
    static DriveConfig parse(String raw) throws ConfigException {
        KeyValues kv = KeyValues.parse(raw, null).named(where(raw)).allow(KEYS);
        String id = kv.required("id");
        KeyValues.checkId(kv.where(), "id", id);
        Path file = HostFiles.path(kv.where(), kv.required("file"));
        boolean readOnly = kv.onOff("readonly", false);
        boolean direct = kv.onOff("direct", true);
        String serial = kv.string("serial");
        String iface = kv.string("if");
        if (iface != null && !iface.equals("none")) {
            throw kv.error("if=" + iface + " is not supported (allowed: none)");
        }
        String format = kv.string("format");
        if (format != null && !format.equals("raw")) {
            throw kv.error("format=" + format + " is not supported (allowed: raw)");
        }
        long iops = kv.number("throttling.iops-total", 1, Long.MAX_VALUE, 0);
        DriveConfig.Aio aio = aio(kv, direct);
        HostFiles.requireDiskImage(kv.where(), file, readOnly);
        return new DriveConfig(id, file, readOnly, direct, serial, iops, aio);
    }

    private static DriveConfig.Aio aio(KeyValues kv, boolean direct) throws ConfigException {
        String value = kv.string("aio");
        if (value == null) {
            return DriveConfig.Aio.defaultFor(direct);
        }
        for (DriveConfig.Aio a : DriveConfig.Aio.values()) {
            if (a.optionValue().equals(value)) {
                return a;
            }
        }
        throw kv.error("aio=" + value + " is not supported (allowed: native, io_uring, off)");
    }
}
