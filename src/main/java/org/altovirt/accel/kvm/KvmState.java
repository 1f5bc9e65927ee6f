package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.ClockData;
import org.altovirt.accel.kvm.KvmStructs.Cpuid2;
import org.altovirt.accel.kvm.KvmStructs.Fpu;
import org.altovirt.accel.kvm.KvmStructs.Irqchip;
import org.altovirt.accel.kvm.KvmStructs.LapicState;
import org.altovirt.accel.kvm.KvmStructs.MpState;
import org.altovirt.accel.kvm.KvmStructs.Msrs;
import org.altovirt.accel.kvm.KvmStructs.PitState2;
import org.altovirt.accel.kvm.KvmStructs.Regs;
import org.altovirt.accel.kvm.KvmStructs.Sregs;
import org.altovirt.accel.kvm.KvmStructs.VcpuEvents;
import org.altovirt.accel.kvm.KvmStructs.Xcrs;
import org.altovirt.accel.kvm.KvmStructs.Xsave;
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

    /**
     * A vCPU structure: its key in the state, size, and the ioctls that read and write it; an
     * optional one is left out where the host's KVM lacks it (XSAVE on an old CPU).
     */
    private record Part(String key, int size, long get, long set, boolean optional) {}

    /** In the order QEMU puts them back: the registers first, events last. */
    private static final Part[] VCPU = {
        new Part("regs", Regs.SIZE, KVM_GET_REGS, KVM_SET_REGS, false),
        new Part("fpu", Fpu.SIZE, KVM_GET_FPU, KVM_SET_FPU, false),
        new Part("xsave", Xsave.SIZE, KVM_GET_XSAVE, KVM_SET_XSAVE, true),
        new Part("xcrs", Xcrs.SIZE, KVM_GET_XCRS, KVM_SET_XCRS, true),
        new Part("sregs", Sregs.SIZE, KVM_GET_SREGS, KVM_SET_SREGS, false),
        new Part("mp_state", MpState.SIZE, KVM_GET_MP_STATE, KVM_SET_MP_STATE, false),
        new Part("lapic", LapicState.SIZE, KVM_GET_LAPIC, KVM_SET_LAPIC, false),
        new Part("events", VcpuEvents.SIZE, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, false),
    };
    private static final String AFTER_MSRS = "sregs";
    private static final String AFTER_DEADLINE = "lapic";

    /**
     * MSRs saved besides the boot set, each where the host's KVM has it: PAT, TSC_AUX,
     * TSC_ADJUST, SPEC_CTRL, kvmclock's (wall clock, system time), async page faults, steal time,
     * PV EOI, and the TSC deadline (written after the LAPIC, or KVM ignores it).
     */
    private static final long[] EXTRA_MSRS = {0x277, 0xC000_0103L, 0x3B, 0x48, 0x4B56_4D00L, 0x4B56_4D01L,
        0x4B56_4D02L, 0x4B56_4D03L, 0x4B56_4D04L, 0x6E0};
    private static final long MSR_TSC_DEADLINE = 0x6E0;

    static ObjectNode saveVcpu(int fd, int index) throws KvmException {
        ObjectNode out = State.object();
        for (Part p : VCPU) {
            Pointer buf = Native.allocate(p.size());
            if (p.optional() && org.altovirt.sys.LibC.get().ioctl(fd, p.get(), buf) < 0) {
                continue; // this host's KVM has no such state
            }
            if (!p.optional()) {
                KvmIoctl.call(fd, p.get(), buf, "KVM_GET " + p.key() + " on vCPU " + index);
            }
            out.put(p.key(), State.base64(bytes(buf, p.size())));
        }
        out.put("cpuid", State.base64(cpuid(fd, index)));
        ObjectNode msrs = out.putObject("msrs");
        Pointer buf = msrBuffer(1);
        java.util.List<Long> wanted = new java.util.ArrayList<>();
        for (long[] m : VcpuSetup.BOOT_MSRS) {
            wanted.add(m[0]);
        }
        for (long m : EXTRA_MSRS) {
            wanted.add(m);
        }
        for (long msr : wanted) { // one at a time: KVM_GET_MSRS stops at the first it lacks
            buf.putInt(Msrs.ENTRIES + Msrs.ENTRY_INDEX, (int) msr);
            if (KvmIoctl.call(fd, KVM_GET_MSRS, buf, "KVM_GET_MSRS on vCPU " + index) == 1) {
                msrs.put(State.hex(msr), State.hex(buf.getLong(Msrs.ENTRIES + Msrs.ENTRY_DATA)));
            }
        }
        return out;
    }

    static void restoreVcpu(int fd, int index, JsonNode in) throws StateException, KvmException {
        String where = "KVM vCPU " + index;
        byte[][] parts = new byte[VCPU.length][];
        for (int i = 0; i < VCPU.length; i++) {
            if (VCPU[i].optional() && !in.has(VCPU[i].key())) {
                continue;
            }
            parts[i] = State.blob(in, VCPU[i].key(), VCPU[i].size(), where);
        }
        byte[] savedCpuid = State.blob(in, "cpuid", -1, where);
        byte[] hostCpuid = cpuid(fd, index);
        if (!java.util.Arrays.equals(savedCpuid, hostCpuid)) {
            throw new StateException(where + ": this host's CPU is not the snapshot's (" + firstDifference(savedCpuid, hostCpuid)
                    + "); a guest restored on another CPU model may use what this one lacks");
        }
        JsonNode msrs = State.field(in, "msrs", where);
        if (!msrs.isObject()) {
            throw new StateException(where + ": 'msrs' must be an object of MSR number to value");
        }
        java.util.List<long[]> early = new java.util.ArrayList<>();
        java.util.List<long[]> late = new java.util.ArrayList<>();
        for (var it = msrs.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            long msr = State.hexLong(State.object().put("msr", name), "msr", where + " msrs");
            long value = State.hexLong(msrs, name, where + " msrs");
            (msr == MSR_TSC_DEADLINE ? late : early).add(new long[] {msr, value});
        }
        // Everything was read and checked: now the kernel's side.
        for (int p = 0; p < VCPU.length; p++) {
            if (parts[p] == null) {
                continue;
            }
            Pointer buf = Native.allocate(VCPU[p].size());
            buf.put(0, parts[p], 0, parts[p].length);
            KvmIoctl.call(fd, VCPU[p].set(), buf, "KVM_SET " + VCPU[p].key() + " on vCPU " + index);
            if (VCPU[p].key().equals(AFTER_MSRS)) { // the TSC goes on from the saved value
                setMsrs(fd, index, early, where);
            } else if (VCPU[p].key().equals(AFTER_DEADLINE)) {
                setMsrs(fd, index, late, where);
            }
        }
    }

    private static void setMsrs(int fd, int index, java.util.List<long[]> msrs, String where)
            throws KvmException, StateException {
        if (msrs.isEmpty()) {
            return;
        }
        Pointer buf = msrBuffer(msrs.size());
        for (int i = 0; i < msrs.size(); i++) {
            long at = Msrs.ENTRIES + (long) i * Msrs.ENTRY_SIZE;
            buf.putInt(at + Msrs.ENTRY_INDEX, (int) msrs.get(i)[0]);
            buf.putLong(at + Msrs.ENTRY_DATA, msrs.get(i)[1]);
        }
        int set = KvmIoctl.call(fd, KVM_SET_MSRS, buf, "KVM_SET_MSRS on vCPU " + index);
        if (set != msrs.size()) {
            throw new StateException(String.format("%s: this host's KVM refused the saved MSR 0x%x", where, msrs.get(set)[0]));
        }
    }

    private static final int CPUID_MAX = 256;

    /** The vCPU's CPUID table (the entries of KVM_GET_CPUID2, in KVM's order). */
    private static byte[] cpuid(int fd, int index) throws KvmException {
        Pointer p = Native.allocate(Cpuid2.HEADER_SIZE + CPUID_MAX * Cpuid2.ENTRY_SIZE);
        p.putInt(Cpuid2.NENT, CPUID_MAX);
        KvmIoctl.call(fd, KVM_GET_CPUID2, p, "KVM_GET_CPUID2 on vCPU " + index);
        int n = p.getInt(Cpuid2.NENT);
        byte[] b = new byte[n * Cpuid2.ENTRY_SIZE];
        p.get(Cpuid2.ENTRIES, b, 0, b.length);
        return b;
    }

    /** Which CPUID leaf two tables first differ in, in words. */
    private static String firstDifference(byte[] a, byte[] b) {
        java.nio.ByteBuffer x = java.nio.ByteBuffer.wrap(a).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer y = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int n = Math.min(a.length, b.length) / Cpuid2.ENTRY_SIZE;
        for (int i = 0; i < n; i++) {
            int at = i * Cpuid2.ENTRY_SIZE;
            for (int off = 0; off < Cpuid2.ENTRY_SIZE; off += 4) {
                if (x.getInt(at + off) != y.getInt(at + off)) {
                    return String.format("CPUID leaf 0x%x index %d differs", x.getInt(at + Cpuid2.ENTRY_FUNCTION),
                            x.getInt(at + Cpuid2.ENTRY_INDEX));
                }
            }
        }
        return String.format("%d CPUID leaves in the snapshot, %d here", a.length / Cpuid2.ENTRY_SIZE, b.length / Cpuid2.ENTRY_SIZE);
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
