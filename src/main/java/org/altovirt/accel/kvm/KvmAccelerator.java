package org.altovirt.accel.kvm;

import org.altovirt.accel.Accelerator;
import org.altovirt.accel.AcceleratorException;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.bus.InterruptLine;
import org.altovirt.memory.GuestMemory;

/** The {@code kvm} accelerator: one KVM VM over the machine's memory, its vCPUs on the buses. */
public final class KvmAccelerator implements Accelerator {
    private final Kvm kvm;
    private final KvmVm vm;
    private final Bus pio;
    private final Bus mmio;

    private KvmAccelerator(Kvm kvm, KvmVm vm, Bus pio, Bus mmio) {
        this.kvm = kvm;
        this.vm = vm;
        this.pio = pio;
        this.mmio = mmio;
    }

    /** Opens /dev/kvm and creates the VM with {@code memory} as its RAM. */
    public static KvmAccelerator create(GuestMemory memory, Bus pio, Bus mmio) throws AcceleratorException {
        Kvm kvm;
        try {
            kvm = Kvm.open();
        } catch (KvmException e) {
            throw new AcceleratorException(e.getMessage(), e);
        }
        try {
            return new KvmAccelerator(kvm, KvmVm.create(kvm, memory), pio, mmio);
        } catch (KvmException e) {
            kvm.close();
            throw new AcceleratorException(e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "kvm";
    }

    @Override
    public InterruptLine interruptLine(int irq) throws AcceleratorException {
        try {
            return vm.interruptLine(irq);
        } catch (KvmException e) {
            throw new AcceleratorException(e.getMessage(), e);
        }
    }

    @Override
    public VcpuBackend createVcpu(int index, BootCpuState boot, int vcpuCount) throws AcceleratorException {
        try {
            return vm.createVcpu(index, pio, mmio, boot, vcpuCount);
        } catch (KvmException e) {
            throw new AcceleratorException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        vm.close();
        kvm.close();
    }

    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode saveState() throws org.altovirt.state.StateException {
        try {
            return vm.saveState();
        } catch (KvmException e) {
            throw new org.altovirt.state.StateException("KVM: " + e.getMessage(), e);
        }
    }

    @Override
    public void restoreState(com.fasterxml.jackson.databind.JsonNode state) throws org.altovirt.state.StateException {
        try {
            vm.restoreState(state);
        } catch (KvmException e) {
            throw new org.altovirt.state.StateException("KVM: " + e.getMessage(), e);
        }
    }
}
