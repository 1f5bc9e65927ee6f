package org.altovirt.devices.virtio;

import org.altovirt.memory.MemoryLayout;

/**
 * Where the {@code index}-th virtio-mmio transport sits on StratoVirt's x86_64 microvm (docs/facts.md
 * §3): 0x200 bytes each from 0xF010_0000, IRQs from 5, and how Linux learns of it.
 *
 * @param index slot number, from 0
 * @param base guest-physical address of the register window
 * @param irq the interrupt line (GSI)
 */
public record MmioSlot(int index, long base, int irq) {
    /** IRQ of slot 0. */
    public static final int FIRST_IRQ = 5;

    /** Slot {@code index}. */
    public static MmioSlot of(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("virtio-mmio slot index " + index + " is negative");
        }
        return new MmioSlot(index, MemoryLayout.VIRTIO_MMIO_BASE + index * MmioTransport.SIZE, FIRST_IRQ + index);
    }

    /** The kernel command-line parameter announcing this transport, {@code virtio_mmio.device=512@0xf0100000:5}. */
    public String kernelParameter() {
        return String.format("virtio_mmio.device=%d@0x%x:%d", MmioTransport.SIZE, base, irq);
    }
}
