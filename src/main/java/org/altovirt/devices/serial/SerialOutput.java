package org.altovirt.devices.serial;

/**
 * Where a UART's transmitted bytes go. Called on vCPU threads: an implementation must not block
 * for long, and must not throw for a host-side failure (it drops the byte and says so in the log
 * instead: the guest cannot do anything about it).
 */
@FunctionalInterface
public interface SerialOutput {
    /** Transmits the low 8 bits of {@code b}. */
    void write(int b);
}
