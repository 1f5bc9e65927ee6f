package org.altovirt.accel;

import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.InterruptLine;

/**
 * What runs a VM's vCPUs: {@code kvm} or {@code emu} (architecture.md, Accelerators). Both see
 * the same guest memory and buses; the machine asks the accelerator for the interrupt lines its
 * devices trigger and for one backend per vCPU.
 */
public interface Accelerator extends AutoCloseable {
    /** {@code kvm} or {@code emu}, as on the command line. */
    String name();

    /** The line devices trigger to raise interrupt {@code irq} (IOAPIC pin). */
    InterruptLine interruptLine(int irq) throws AcceleratorException;

    /**
     * The backend of vCPU {@code index}; {@code boot} is the boot CPU's state for vCPU 0 and null
     * for the others, which wait for the guest to start them.
     */
    VcpuBackend createVcpu(int index, BootCpuState boot, int vcpuCount) throws AcceleratorException;

    @Override
    void close();
}
