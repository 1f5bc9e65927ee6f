package org.altovirt.memory;

/**
 * An access outside guest RAM. Addresses come from the guest, so this is the guest's fault: a
 * device that gets one fails its request (or itself), the emu raises a fault; the VMM goes on.
 */
public final class GuestMemoryException extends RuntimeException {
    private final long address;
    private final long length;

    public GuestMemoryException(long address, long length) {
        super(String.format("guest address range [0x%x, +0x%x) is not in guest RAM", address, length), null, false, false);
        this.address = address;
        this.length = length;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}
