package org.altovirt.bus;

/**
 * A device's interrupt: edge-triggered, as an irqfd is on KVM (what StratoVirt and Firecracker
 * use for the UART and virtio-mmio). The accelerator provides it; the device only triggers it.
 */
@FunctionalInterface
public interface InterruptLine {
    void trigger();
}
