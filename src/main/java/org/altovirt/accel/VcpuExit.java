package org.altovirt.accel;

/** Why {@link VcpuBackend#run} returned. */
public sealed interface VcpuExit {
    /** {@link VcpuBackend#kick} was called: the VMM wants the thread back. */
    record Kicked() implements VcpuExit {}

    /** The guest asked to power off or reset the machine (i8042 reset, triple fault...). */
    record GuestShutdown(String reason) implements VcpuExit {}
}
