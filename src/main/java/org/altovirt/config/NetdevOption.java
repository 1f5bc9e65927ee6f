package org.altovirt.config;

import java.util.List;

/** {@code -netdev tap,id=ID,ifname=NAME[,vhost=on|off]}: only tap backends. */
final class NetdevOption {
    private static final List<String> KEYS = List.of("type", "id", "ifname", "vhost");

    private NetdevOption() {}

    /** How a netdev's errors start: {@code "-netdev id=ID"}, or the whole value without an id. */
    static String where(String raw) {
        try {
            String id = KeyValues.parse(raw, "type").string("id");
            if (id != null && !id.isEmpty()) {
                return "-netdev id=" + id;
            }
        } catch (ConfigException e) {
            // a bare "id": fall through to the whole value
        }
        return "-netdev " + raw;
    }

    /** Parses one {@code -netdev}. */
    static NetdevConfig parse(String raw) throws ConfigException {
        KeyValues kv = KeyValues.parse(raw, "type").named(where(raw)).allow(KEYS);
        String type = kv.required("type");
        if (!type.equals("tap")) {
            throw kv.error("type '" + type + "' is not supported (allowed: tap)");
        }
        String id = kv.required("id");
        KeyValues.checkId(kv.where(), "id", id);
        String ifname = ifname(kv.where(), kv.required("ifname"));
        return new NetdevConfig(id, ifname, kv.onOff("vhost", false));
    }

    /** A tap device name: at most 15 characters, no '/' or white space. */
    static String ifname(String where, String ifname) throws ConfigException {
        if (ifname.length() > NetdevConfig.MAX_IFNAME_LENGTH) {
            throw new ConfigException(where + ": ifname '" + ifname + "' is longer than "
                    + NetdevConfig.MAX_IFNAME_LENGTH + " characters");
        }
        if (!ifname.matches("[^/\\s]+")) {
            throw new ConfigException(where + ": ifname '" + ifname
                    + "' must not contain '/' or white space");
        }
        return ifname;
    }
}
