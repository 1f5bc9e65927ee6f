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
 * machine's memory and buses. It has no interrupt controller yet, so device interrupts go
 * nowhere and a guest must poll (the conformance guest does); application processors stay
 * halted, as no INIT/SIPI can reach them.
 */
public final class EmuAccelerator implements Accelerator {
    private final GuestMemory memory;
    private final Bus pio;
    private final Bus mmio;

    public EmuAccelerator(GuestMemory memory, Bus pio, Bus mmio) {
        this.memory = memory;
        this.pio = pio;
        this.mmio = mmio;
    }

    @Override
    public String name() {
        return "emu";
    }

    @Override
    public InterruptLine interruptLine(int irq) {
        return () -> {};
    }

    @Override
    public VcpuBackend createVcpu(int index, BootCpuState boot, int vcpuCount) {
        return boot == null ? new NoGuest() : new EmuVcpu(memory, pio, mmio, boot, index);
    }

    @Override
    public void close() {}
}
