package org.altovirt.config;

/** Which accelerator runs the vCPUs: {@code -accel kvm|emu}, or {@link #AUTO} without it. */
public enum Accel {
    /** No {@code -accel}: KVM when /dev/kvm opens, else the emulator. */
    AUTO,
    /** {@code -accel kvm}: the Linux KVM hypervisor; an error when /dev/kvm cannot be used. */
    KVM,
    /** {@code -accel emu}: altovirt's own x86-64 emulator. */
    EMU;

    /** The name on the command line ({@code kvm}, {@code emu}); {@code auto} for {@link #AUTO}. */
    public String optionName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
