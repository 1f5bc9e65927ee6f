package org.altovirt.accel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.InterruptLine;

/**
 * What runs a VM's vCPUs: {@code kvm} or {@code emu} (docs/architecture.md, Accelerators). Both see
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

    /** What the accelerator itself keeps of the VM (KVM: interrupt controllers, timer, clock), for a snapshot. */
    default ObjectNode saveState() throws org.altovirt.state.StateException {
        return org.altovirt.state.State.object();
    }

    /** Loads what {@link #saveState} saved, before any vCPU runs. */
    default void restoreState(JsonNode state) throws org.altovirt.state.StateException {}

    @Override
    void close();
}
