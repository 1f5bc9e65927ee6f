package org.altovirt.accel.emu;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.altovirt.accel.VcpuExit;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.memory.GuestMemory;
import org.altovirt.sys.NativeException;

/**
 * A small guest for the emu's tests, laid out as the Linux loader lays out the boot state
 * (docs/facts.md §4): GDT at 0x500 (code 0x10, data 0x18), PML4 at 0x9000 → PDPT 0xA000 → PD 0xB000
 * identity-mapping the first GiB with 2 MiB pages, CR3 0x9000, long mode. Code goes where the test
 * puts it; {@link #runToHalt} runs the vCPU on a thread until it halts.
 */
final class TestMachine implements AutoCloseable {
    static final long GDT = 0x500, PML4 = 0x9000, PDPT = 0xA000, PD = 0xB000;
    static final int CODE_SEL = 0x10, DATA_SEL = 0x18;

    final GuestMemory mem;
    final Bus pio = new Bus("pio");
    final Bus mmio = new Bus("mmio");

    TestMachine(long ramBytes) {
        try {
            mem = GuestMemory.anonymous(ramBytes);
        } catch (NativeException e) {
            throw new IllegalStateException(e);
        }
        writeBootTables();
    }

    /** (Re)writes the GDT and the page tables, which a test's guest may have scribbled on. */
    void writeBootTables() {
        mem.writeLong(GDT, 0);
        mem.writeLong(GDT + 8, 0);
        mem.writeLong(GDT + 0x10, 0x00AF9B000000FFFFL);
        mem.writeLong(GDT + 0x18, 0x00CF93000000FFFFL);
        mem.writeLong(PML4, PDPT | 3);
        mem.writeLong(PDPT, PD | 3);
        for (int i = 0; i < 512; i++) {
            mem.writeLong(PD + i * 8L, ((long) i << 21) | 0x83);
        }
    }

    /** Where {@link #gate} puts the IDT; 256 gates fit below 0x2000. */
    static final long IDT = 0x1000;

    BootCpuState boot(long rip, long rsp) {
        return boot(rip, rsp, 0x520, 0);
    }

    BootCpuState boot(long rip, long rsp, long idtBase, int idtLimit) {
        BootCpuState.Segment code = new BootCpuState.Segment(CODE_SEL, 0, 0xFFFFF, 0xB, true, 0, false, true, true, true, false);
        BootCpuState.Segment data = new BootCpuState.Segment(DATA_SEL, 0, 0xFFFFF, 0x3, true, 0, true, true, false, true, false);
        return new BootCpuState(rip, rsp, rsp, 0x7000, 0x2,
                CpuState.CR0_PE | CpuState.CR0_PG | CpuState.CR0_ET, PML4, CpuState.CR4_PAE,
                CpuState.EFER_LME | CpuState.EFER_LMA, GDT, 0x1F, idtBase, idtLimit, code, data);
    }

    /**
     * Entries into a block before the vCPUs made here compile it: {@link EmuVcpu#JIT_THRESHOLD}
     * (what the property altovirt.emu.jit says; the build runs the emu tests once with it unset
     * and once with 1, every block compiled) unless a test sets it.
     */
    int jitThreshold = EmuVcpu.JIT_THRESHOLD;

    EmuVcpu vcpu(long rip, long rsp) {
        return new EmuVcpu(mem, pio, mmio, boot(rip, rsp), 0, jitThreshold);
    }

    /** A vCPU whose IDT at {@link #IDT} holds the gates written by {@link #gate}. */
    EmuVcpu vcpuWithIdt(long rip, long rsp) {
        return new EmuVcpu(mem, pio, mmio, boot(rip, rsp, IDT, 256 * 16 - 1), 0, jitThreshold);
    }

    /** Writes a 64-bit interrupt gate (type 0xE, present, DPL 0, code selector 0x10) for {@code vector}. */
    void gate(int vector, long handler) {
        long lo = (handler & 0xFFFF) | (long) CODE_SEL << 16 | 0x8EL << 40 | ((handler >>> 16) & 0xFFFF) << 48;
        mem.writeLong(IDT + vector * 16L, lo);
        mem.writeLong(IDT + vector * 16L + 8, handler >>> 32);
    }

    static final long HANDLER_NO_ERROR = 0x180000, HANDLER_ERROR = 0x181000;
    /** The two handlers, assembled once per test run. */
    private static volatile byte[][] handlerCode;

    /**
     * Gates for vectors 0..31 to handlers that record the exception and halt: R8 = saved RIP,
     * R9 = error code (-1 when none), R10 = CR2, R11 = saved RSP, R12 = saved RFLAGS.
     */
    void recordingHandlers() {
        if (handlerCode == null) {
            handlerCode = new byte[][] {assemble("""
                mov $-1, %r9
                mov (%rsp), %r8
                mov 24(%rsp), %r11
                mov 16(%rsp), %r12
                mov %cr2, %r10
                hlt
                """), assemble("""
                pop %r9
                mov (%rsp), %r8
                mov 24(%rsp), %r11
                mov 16(%rsp), %r12
                mov %cr2, %r10
                hlt
                """)};
        }
        load(HANDLER_NO_ERROR, handlerCode[0]);
        load(HANDLER_ERROR, handlerCode[1]);
        for (int v = 0; v < 32; v++) {
            gate(v, GuestFault.pushesErrorCode(v) ? HANDLER_ERROR : HANDLER_NO_ERROR);
        }
    }

    void load(long gpa, byte[] bytes) {
        mem.write(gpa, bytes, 0, bytes.length);
    }

    /** What happened when the vCPU ran: it halted (kicked out of its HLT), or returned on its own. */
    record Outcome(boolean halted, VcpuExit exit) {}

    /** Runs {@code v} on a thread until it halts (then kicks it) or its run() returns; fails after {@code timeout}. */
    static Outcome runToHalt(EmuVcpu v, Duration timeout) {
        AtomicReference<VcpuExit> exit = new AtomicReference<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                exit.set(v.run());
            } catch (Throwable e) {
                error.set(e);
            }
        }, "emu-test-vcpu");
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!v.halted() && t.isAlive()) {
            if (System.nanoTime() > deadline) {
                v.kick();
                join(t);
                throw new AssertionError("guest did not halt within " + timeout + " (rip 0x"
                        + Long.toHexString(v.state().rip) + ", " + v.instructionsRetired() + " instructions)");
            }
            LockSupport.parkNanos(100_000);
        }
        boolean halted = v.halted() && t.isAlive();
        v.kick();
        join(t);
        if (error.get() != null) {
            throw new AssertionError("run() threw", error.get());
        }
        return new Outcome(halted, exit.get());
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new AssertionError("vCPU thread did not return after kick()");
        }
    }

    /** Assembles with GNU as: the .text bytes of {@code source} (AT&T syntax), linked at 0. */
    static byte[] assemble(String source) {
        return Toolchain.assemble(source);
    }

    @Override
    public void close() {
        mem.close();
    }
}
