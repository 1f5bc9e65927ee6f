package org.altovirt.devices.virtio;

/**
 * One buffer of a descriptor chain (virtio 1.x §2.7.5): a guest-physical range already checked to
 * lie within guest RAM, and whether the device may write it.
 *
 * @param address guest-physical start
 * @param length bytes (a descriptor's length is an unsigned 32-bit value)
 * @param writable device-writable (VIRTQ_DESC_F_WRITE) rather than device-readable
 */
public record Descriptor(long address, long length, boolean writable) {}
