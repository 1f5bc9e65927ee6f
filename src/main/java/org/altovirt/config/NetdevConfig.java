package org.altovirt.config;

import java.util.Objects;

/**
 * A network backend from {@code -netdev tap,id=ID,ifname=NAME[,vhost=on|off]}, or one of the
 * config file's {@code net} entries.
 *
 * @param id unique among netdevs; a {@code virtio-net-device} names it with {@code netdev=}
 * @param ifname the host tap device, at most 15 characters
 * @param vhost whether the in-kernel vhost-net backend is asked for (snapshots refuse it)
 */
public record NetdevConfig(String id, String ifname, boolean vhost) {
    /** Linux's IFNAMSIZ (16) less the terminating NUL. */
    public static final int MAX_IFNAME_LENGTH = 15;

    public NetdevConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ifname, "ifname");
    }
}
