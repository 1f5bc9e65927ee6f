package org.altovirt.bus;

/**
 * A device on the port-I/O or MMIO bus. Offsets are relative to the device's base; sizes are 1,
 * 2, 4 or 8 bytes; values are zero-extended little-endian. Called on vCPU threads, possibly
 * several at once: a device guards its own state.
 */
public interface BusDevice {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
