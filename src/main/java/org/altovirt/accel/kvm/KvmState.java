package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.ClockData;
import org.altovirt.accel.kvm.KvmStructs.Fpu;
import org.altovirt.accel.kvm.KvmStructs.Irqchip;
import org.altovirt.accel.kvm.KvmStructs.LapicState;
import org.altovirt.accel.kvm.KvmStructs.MpState;
import org.altovirt.accel.kvm.KvmStructs.Msrs;
import org.altovirt.accel.kvm.KvmStructs.PitState2;
import org.altovirt.accel.kvm.KvmStructs.Regs;
import org.altovirt.accel.kvm.KvmStructs.Sregs;
import org.altovirt.accel.kvm.KvmStructs.VcpuEvents;
import org.altovirt.state.State;
import org.altovirt.state.StateException;
import org.altovirt.sys.Native;

/**
 * A KVM VM's and vCPU's state for a snapshot: the kernel's own structures, saved byte for byte
 * (base64) as KVM_GET_* hands them out and given back to the matching KVM_SET_* — the same host
 * kernel ABI that {@code KvmAbiTest} checks. Per vCPU: registers, FPU/SSE, segment and control
 * registers, the MSRs the boot setup writes, the local APIC, the MP state and pending events. Per
 * VM: the two PICs, the IOAPIC, the PIT and kvmclock.
 */
final class KvmState {
    private KvmState() {}

    /** A vCPU structure: its key in the state, size, and the ioctls that read and write it. */
    private record Part(String key, int size, long get, long set) {}

    /** In the order QEMU puts them back: the registers first, events last. */
    private static final Part[] VCPU = {
        new Part("regs", Regs.SIZE, KVM_GET_REGS, KVM_SET_REGS),
        new Part("fpu", Fpu.SIZE, KVM_GET_FPU, KVM_SET_FPU),
        new Part("sregs", Sregs.SIZE, KVM_GET_SREGS, KVM_SET_SREGS),
        new Part("mp_state", MpState.SIZE, KVM_GET_MP_STATE, KVM_SET_MP_STATE),
        new Part("lapic", LapicState.SIZE, KVM_GET_LAPIC, KVM_SET_LAPIC),
        new Part("events", VcpuEvents.SIZE, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS),
    };

    static ObjectNode saveVcpu(int fd, int index) throws KvmException {
        ObjectNode out = State.object();
        for (Part p : VCPU) {
            Pointer buf = Native.allocate(p.size());
            KvmIoctl.call(fd, p.get(), buf, "KVM_GET " + p.key() + " on vCPU " + index);
            out.put(p.key(), State.base64(bytes(buf, p.size())));
        }
        ObjectNode msrs = out.putObject("msrs");
        int n = VcpuSetup.BOOT_MSRS.length;
        Pointer buf = msrBuffer(n);
        for (int i = 0; i < n; i++) {
            buf.putInt(Msrs.ENTRIES + (long) i * Msrs.ENTRY_SIZE + Msrs.ENTRY_INDEX, (int) VcpuSetup.BOOT_MSRS[i][0]);
        }
        int got = KvmIoctl.call(fd, KVM_GET_MSRS, buf, "KVM_GET_MSRS on vCPU " + index);
        for (int i = 0; i < got; i++) {
            long at = Msrs.ENTRIES + (long) i * Msrs.ENTRY_SIZE;
            msrs.put(State.hex(buf.getInt(at + Msrs.ENTRY_INDEX) & 0xFFFF_FFFFL), State.hex(buf.getLong(at + Msrs.ENTRY_DATA)));
        }
        return out;
    }

    static void restoreVcpu(int fd, int index, JsonNode in) throws StateException, KvmException {
        String where = "KVM vCPU " + index;
        byte[][] parts = new byte[VCPU.length][];
        for (int i = 0; i < VCPU.length; i++) {
            parts[i] = State.blob(in, VCPU[i].key(), VCPU[i].size(), where);
        }
        JsonNode msrs = State.field(in, "msrs", where);
        if (!msrs.isObject()) {
            throw new StateException(where + ": 'msrs' must be an object of MSR number to value");
        }
        Pointer msrBuf = msrBuffer(msrs.size());
        int i = 0;
        for (var it = msrs.fieldNames(); it.hasNext(); i++) {
            String name = it.next();
            long at = Msrs.ENTRIES + (long) i * Msrs.ENTRY_SIZE;
            msrBuf.putInt(at + Msrs.ENTRY_INDEX, (int) State.hexLong(State.object().put("msr", name), "msr", where));
            msrBuf.putLong(at + Msrs.ENTRY_DATA, State.hexLong(msrs, name, where + " msrs"));
        }
        msrBuf.putInt(Msrs.NMSRS, msrs.size());
        // Everything was read and checked: now the kernel's side.
        for (int p = 0; p < VCPU.length; p++) {
            Pointer buf = Native.allocate(VCPU[p].size());
            buf.put(0, parts[p], 0, parts[p].length);
            KvmIoctl.call(fd, VCPU[p].set(), buf, "KVM_SET " + VCPU[p].key() + " on vCPU " + index);
            if (p == 2) { // after the segment registers: the MSRs (the TSC goes on from the saved value)
                int set = KvmIoctl.call(fd, KVM_SET_MSRS, msrBuf, "KVM_SET_MSRS on vCPU " + index);
                if (set != msrs.size()) {
                    throw new StateException(where + ": KVM refused the saved MSR #" + set);
                }
            }
        }
    }

    private static Pointer msrBuffer(int n) {
        Pointer p = Native.allocate(Msrs.HEADER_SIZE + n * Msrs.ENTRY_SIZE);
        p.putInt(Msrs.NMSRS, n);
        return p;
    }

    private static final String[] CHIPS = {"pic_master", "pic_slave", "ioapic"};

    static ObjectNode saveVm(int fd) throws KvmException {
        ObjectNode out = State.object();
        for (int chip = 0; chip < CHIPS.length; chip++) {
            Pointer buf = Native.allocate(Irqchip.SIZE);
            buf.putInt(Irqchip.CHIP_ID, chip);
            KvmIoctl.call(fd, KVM_GET_IRQCHIP, buf, "KVM_GET_IRQCHIP " + CHIPS[chip]);
            out.put(CHIPS[chip], State.base64(bytes(buf, Irqchip.SIZE)));
        }
        Pointer pit = Native.allocate(PitState2.SIZE);
        KvmIoctl.call(fd, KVM_GET_PIT2, pit, "KVM_GET_PIT2");
        out.put("pit", State.base64(bytes(pit, PitState2.SIZE)));
        Pointer clock = Native.allocate(ClockData.SIZE);
        KvmIoctl.call(fd, KVM_GET_CLOCK, clock, "KVM_GET_CLOCK");
        out.put("clock", State.base64(bytes(clock, ClockData.SIZE)));
        return out;
    }

    static void restoreVm(int fd, JsonNode in) throws StateException, KvmException {
        String where = "KVM VM";
        byte[][] chips = new byte[CHIPS.length][];
        for (int chip = 0; chip < CHIPS.length; chip++) {
            chips[chip] = State.blob(in, CHIPS[chip], Irqchip.SIZE, where);
        }
        byte[] pit = State.blob(in, "pit", PitState2.SIZE, where);
        byte[] clock = State.blob(in, "clock", ClockData.SIZE, where);
        for (int chip = 0; chip < CHIPS.length; chip++) {
            Pointer buf = Native.allocate(Irqchip.SIZE);
            buf.put(0, chips[chip], 0, chips[chip].length);
            buf.putInt(Irqchip.CHIP_ID, chip);
            KvmIoctl.call(fd, KVM_SET_IRQCHIP, buf, "KVM_SET_IRQCHIP " + CHIPS[chip]);
        }
        Pointer p = Native.allocate(PitState2.SIZE);
        p.put(0, pit, 0, pit.length);
        KvmIoctl.call(fd, KVM_SET_PIT2, p, "KVM_SET_PIT2");
        Pointer c = Native.allocate(ClockData.SIZE);
        c.put(0, clock, 0, clock.length);
        c.putInt(ClockData.FLAGS, 0); // the value only: the other flags describe the old host's clock
        KvmIoctl.call(fd, KVM_SET_CLOCK, c, "KVM_SET_CLOCK");
    }

    private static byte[] bytes(Pointer p, int size) {
        byte[] b = new byte[size];
        p.get(0, b, 0, size);
        return b;
    }
}
