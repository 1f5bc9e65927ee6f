package org.altovirt.accel.emu;

import org.altovirt.accel.Accelerator;
import org.altovirt.accel.NoGuest;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.bus.InterruptLine;
import org.altovirt.memory.GuestMemory;

/**
 * The {@code emu} accelerator: each vCPU is an {@link EmuVcpu} interpreting guest code over the
 * machine's memory and buses, with a {@link LocalApic} of its own; device interrupt lines go to
 * an {@link IoApic} at 0xFEC0_0000, as KVM's in-kernel one does. Application processors stay
 * halted, as no INIT/SIPI can reach them (IPIs are not emulated).
 */
public final class EmuAccelerator implements Accelerator {
    private final GuestMemory memory;
    private final Bus pio;
    private final Bus mmio;
    private final IoApic ioapic = new IoApic();

    public EmuAccelerator(GuestMemory memory, Bus pio, Bus mmio) {
        this.memory = memory;
        this.pio = pio;
        this.mmio = mmio;
        mmio.insert(IoApic.BASE, IoApic.SIZE, ioapic);
    }

    @Override
    public String name() {
        return "emu";
    }

    @Override
    public InterruptLine interruptLine(int irq) {
        return () -> ioapic.raise(irq);
    }

    @Override
    public VcpuBackend createVcpu(int index, BootCpuState boot, int vcpuCount) {
        if (boot == null) {
            return new NoGuest();
        }
        EmuVcpu v = new EmuVcpu(memory, pio, mmio, boot, index);
        ioapic.attach(v.apic());
        return v;
    }

    /** The I/O APIC's registers (each vCPU saves its own local APIC). */
    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode saveState() {
        return org.altovirt.state.State.object().set("ioapic", ioapic.saveState());
    }

    @Override
    public void restoreState(com.fasterxml.jackson.databind.JsonNode state) throws org.altovirt.state.StateException {
        if (state.has("ioapic")) {
            ioapic.restoreState(state.get("ioapic"));
        }
    }

    @Override
    public void close() {}
}
