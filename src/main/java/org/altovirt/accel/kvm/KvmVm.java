package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.*;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Irqfd;
import org.altovirt.accel.kvm.KvmStructs.MemoryRegion;
import org.altovirt.accel.kvm.KvmStructs.PitConfig;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.bus.InterruptLine;
import org.altovirt.memory.GuestMemory;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;

/**
 * A KVM virtual machine set up as StratoVirt's microvm is (docs/facts.md §5): the TSS at
 * 0xFFFB_D000, the in-kernel irqchip (PIC, IOAPIC, a LAPIC per vCPU) and PIT, and one memory slot
 * per {@link GuestMemory.Region}. Gives out interrupt lines and vCPUs. Close it after its vCPU
 * threads have left {@link KvmVcpu#run} and before unmapping the guest memory.
 */
public final class KvmVm implements AutoCloseable {
    /** Three pages below the BIOS area that KVM needs for the real-mode TSS on Intel (api.rst). */
    static final long TSS_ADDRESS = 0xFFFB_D000L;
    /** KVM_CREATE_PIT2 flags: 0, so port 0x61 (the PC speaker) stays with the VMM, as StratoVirt has it. */
    static final int PIT_FLAGS = 0;
    /** GSIs the default routing of the in-kernel irqchip covers: the IOAPIC's 24 pins. */
    static final int GSI_COUNT = 24;

    private final Kvm kvm;
    private final int fd;
    private final List<Integer> eventFds = new ArrayList<>();
    private final List<KvmVcpu> vcpus = new ArrayList<>();
    private boolean closed;

    private KvmVm(Kvm kvm, int fd) {
        this.kvm = kvm;
        this.fd = fd;
    }

    /** Creates the VM with its irqchip, PIT and memory. */
    public static KvmVm create(Kvm kvm, GuestMemory memory) throws KvmException {
        KickSignal.install();
        int fd = KvmIoctl.call(kvm.fd(), KVM_CREATE_VM, 0, "KVM_CREATE_VM");
        KvmVm vm = new KvmVm(kvm, fd);
        try {
            KvmIoctl.call(fd, KVM_SET_TSS_ADDR, TSS_ADDRESS, "KVM_SET_TSS_ADDR");
            KvmIoctl.call(fd, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
            Pointer pit = Native.allocate(PitConfig.SIZE);
            pit.putInt(PitConfig.FLAGS, PIT_FLAGS);
            KvmIoctl.call(fd, KVM_CREATE_PIT2, pit, "KVM_CREATE_PIT2");
            List<GuestMemory.Region> regions = memory.regions();
            for (int slot = 0; slot < regions.size(); slot++) {
                vm.addMemory(slot, regions.get(slot));
            }
            return vm;
        } catch (KvmException | RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    int fd() {
        return fd;
    }

    private void addMemory(int slot, GuestMemory.Region r) throws KvmException {
        Pointer p = Native.allocate(MemoryRegion.SIZE);
        p.putInt(MemoryRegion.SLOT, slot);
        p.putInt(MemoryRegion.FLAGS, 0);
        p.putLong(MemoryRegion.GUEST_PHYS_ADDR, r.guestAddress());
        p.putLong(MemoryRegion.MEMORY_SIZE, r.size());
        p.putLong(MemoryRegion.USERSPACE_ADDR, r.hostAddress());
        KvmIoctl.call(fd, KVM_SET_USER_MEMORY_REGION, p, String.format(
                "KVM_SET_USER_MEMORY_REGION slot %d [0x%x, +0x%x)", slot, r.guestAddress(), r.size()));
    }

    /**
     * An edge-triggered line to GSI {@code irq} of the in-kernel PIC/IOAPIC (0 to 23): an irqfd,
     * or KVM_IRQ_LINE where KVM lacks irqfd.
     */
    public synchronized InterruptLine interruptLine(int irq) throws KvmException {
        if (irq < 0 || irq >= GSI_COUNT) {
            throw new IllegalArgumentException("IRQ " + irq + " is not an IOAPIC pin (0 to " + (GSI_COUNT - 1) + ")");
        }
        checkOpen();
        if (!kvm.hasIrqfd()) {
            return new IrqLevelLine(fd, irq);
        }
        LibC c = LibC.get();
        int eventFd = c.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (eventFd < 0) {
            throw KvmException.last("eventfd for IRQ " + irq);
        }
        Pointer p = Native.allocate(Irqfd.SIZE);
        p.putInt(Irqfd.FD, eventFd);
        p.putInt(Irqfd.GSI, irq);
        try {
            KvmIoctl.call(fd, KVM_IRQFD, p, "KVM_IRQFD for IRQ " + irq);
        } catch (KvmException e) {
            c.close(eventFd);
            throw e;
        }
        eventFds.add(eventFd);
        return new IrqfdLine(irq, eventFd);
    }

    /**
     * Creates vCPU {@code index} (its APIC id) of {@code vcpuCount}, its exits going to {@code
     * pio} and {@code mmio}. The boot vCPU (index 0) gets {@code boot}, the loader's register
     * state; the others pass null and wait, as KVM creates them, for the guest to start them with
     * INIT and SIPI.
     */
    public synchronized KvmVcpu createVcpu(int index, Bus pio, Bus mmio, BootCpuState boot, int vcpuCount)
            throws KvmException {
        if (index < 0 || index >= vcpuCount) {
            throw new IllegalArgumentException("vCPU index " + index + " is not in [0, " + vcpuCount + ")");
        }
        if (boot != null && index != 0) {
            throw new IllegalArgumentException("vCPU " + index + " is an AP: only vCPU 0 starts from the boot state");
        }
        checkOpen();
        KvmVcpu vcpu = KvmVcpu.create(kvm, fd, index, pio, mmio, boot);
        vcpus.add(vcpu);
        return vcpu;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the KVM VM is closed");
        }
    }

    /** Closes its vCPUs (waiting for each to leave the guest), irqfds and the VM. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        vcpus.forEach(KvmVcpu::close);
        LibC c = LibC.get();
        c.close(fd); // releases the irqfds' bindings with the VM
        eventFds.forEach(c::close);
    }

    /** The in-kernel interrupt controllers, PIT and clock, for a snapshot. */
    com.fasterxml.jackson.databind.node.ObjectNode saveState() throws KvmException {
        return KvmState.saveVm(fd);
    }

    void restoreState(com.fasterxml.jackson.databind.JsonNode in) throws KvmException, org.altovirt.state.StateException {
        KvmState.restoreVm(fd, in);
    }
}
