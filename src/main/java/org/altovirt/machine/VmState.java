package org.altovirt.machine;

/**
 * The lifecycle of a VM. {@link #wireName} is the QEMU RunState a client sees in
 * {@code query-status}: QEMU clients know "prelaunch" for a VM created with {@code -S}.
 */
public enum VmState {
    CREATED("prelaunch"),
    RUNNING("running"),
    PAUSED("paused"),
    SHUTDOWN("shutdown");

    private final String wireName;

    VmState(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
