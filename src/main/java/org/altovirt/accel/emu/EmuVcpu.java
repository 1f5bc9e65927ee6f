package org.altovirt.accel.emu;

import org.altovirt.accel.VcpuBackend;
import org.altovirt.accel.VcpuExit;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.memory.GuestMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code emu} accelerator's vCPU: an x86-64 interpreter that runs the guest's 64-bit code on
 * the calling thread, through the same {@link GuestMemory} and the same port and MMIO {@link Bus}es
 * as KVM. It starts in the state the 64-bit boot protocol sets up ({@link BootCpuState}), decodes
 * guest code once into blocks cached by physical address, translates addresses through a software
 * TLB, and keeps the arithmetic flags lazily.
 *
 * <p>{@link #run} executes block after block until {@link #kick} (checked between blocks, which are
 * at most 64 instructions or 16384 string iterations long) or a triple fault, which it reports as
 * {@code GuestShutdown("guest-reset")}: the cause QEMU gives a triple fault (and a KVM shutdown
 * exit). HLT with no interrupt to wait for blocks the thread until a kick; {@link #halted} is then
 * true. Nothing the guest does makes a Java exception escape: what the emu cannot run (a 32-bit
 * code segment, or a bug of its own) stops the machine with {@code GuestShutdown("host-error")}
 * and a log line saying why.
 *
 * <p>Code that a device writes by DMA into a page from which code was already decoded is not
 * noticed (CPU stores are); no guest the emu runs today does that.
 */
public final class EmuVcpu implements VcpuBackend {
    private static final Logger LOG = LoggerFactory.getLogger(EmuVcpu.class);
    static final String TRIPLE_FAULT = "guest-reset";
    static final String HOST_ERROR = "host-error";

    private final int index;
    private final CpuState s = new CpuState();
    private final Mmu mmu;
    private final CodeCache code;
    private final Executor x;
    private final Translator translator;
    private final Object wake = new Object();
    private volatile boolean halted;
    /** Why the machine stopped, once it has: the CPU stays in shutdown (halted) afterwards. */
    private String stopped;

    /** The boot vCPU (index 0). */
    public EmuVcpu(GuestMemory memory, Bus pio, Bus mmio, BootCpuState boot) {
        this(memory, pio, mmio, boot, 0);
    }

    /**
     * @param index the vCPU's number: its APIC id in CPUID
     * @throws IllegalArgumentException when {@code boot} is not long mode with paging
     */
    public EmuVcpu(GuestMemory memory, Bus pio, Bus mmio, BootCpuState boot, int index) {
        this(memory, pio, mmio, boot, index, JIT_THRESHOLD);
    }

    /**
     * The property {@code altovirt.emu.jit}: "off" interprets every block; a number N compiles a
     * block to JVM bytecode on its Nth entry (1: at once, which the tests use to run every block
     * compiled). Default {@value #DEFAULT_JIT_THRESHOLD}.
     */
    static final String JIT_PROPERTY = "altovirt.emu.jit";
    static final int DEFAULT_JIT_THRESHOLD = 64;
    static final int JIT_THRESHOLD = jitThreshold(System.getProperty(JIT_PROPERTY));

    static int jitThreshold(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_JIT_THRESHOLD;
        }
        if (value.equals("off")) {
            return 0;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        LOG.warn("{}={}: expected off or a positive number of block entries; using {}", JIT_PROPERTY, value,
                DEFAULT_JIT_THRESHOLD);
        return DEFAULT_JIT_THRESHOLD;
    }

    /** @param jitThreshold entries into a block before it is compiled; 0 or less: never */
    EmuVcpu(GuestMemory memory, Bus pio, Bus mmio, BootCpuState boot, int index, int jitThreshold) {
        this.index = index;
        GuestFault fault = new GuestFault();
        this.mmu = new Mmu(s, new PhysicalMemory(memory, mmio), fault);
        this.code = new CodeCache(mmu);
        mmu.attach(code);
        this.x = new Executor(s, mmu, code, fault, pio, index, jitThreshold);
        this.translator = new Translator(mmu, code);
        apply(boot);
    }

    private void apply(BootCpuState b) {
        long efer = b.efer();
        if ((efer & CpuState.EFER_LME) != 0 && (b.cr0() & CpuState.CR0_PG) != 0) {
            efer |= CpuState.EFER_LMA;
        }
        if ((efer & CpuState.EFER_LMA) == 0 || (b.cr0() & CpuState.CR0_PG) == 0 || (b.cr4() & CpuState.CR4_PAE) == 0
                || !b.code().l()) {
            throw new IllegalArgumentException(String.format(
                    "emu vCPU %d: boot state must be 64-bit long mode with paging (cr0 0x%x, cr4 0x%x, efer 0x%x, CS.L %b)",
                    index, b.cr0(), b.cr4(), b.efer(), b.code().l()));
        }
        s.rip = b.rip();
        s.r[CpuState.RSP] = b.rsp();
        s.r[CpuState.RBP] = b.rbp();
        s.r[CpuState.RSI] = b.rsi();
        s.setRflags(b.rflags());
        s.cr0 = b.cr0() | CpuState.CR0_ET;
        s.cr3 = b.cr3();
        s.cr4 = b.cr4();
        s.efer = efer;
        s.gdtBase = b.gdtBase();
        s.gdtLimit = b.gdtLimit();
        s.idtBase = b.idtBase();
        s.idtLimit = b.idtLimit();
        s.sel[CpuState.CS] = b.code().selector();
        int data = b.data().selector();
        s.sel[CpuState.DS] = data;
        s.sel[CpuState.ES] = data;
        s.sel[CpuState.SS] = data;
        s.sel[CpuState.FS] = data;
        s.sel[CpuState.GS] = data;
        s.cpl = b.code().dpl();
        mmu.flush();
    }

    @Override
    public VcpuExit run() {
        try {
            while (true) {
                if (x.kicked) {
                    x.kicked = false;
                    return new VcpuExit.Kicked();
                }
                if (stopped != null || s.halted) {
                    halted = true;
                    waitForKick();
                    continue;
                }
                halted = false;
                x.runLoop(translator);
                if (x.shutdown != null) {
                    stopped = x.shutdown;
                    halted = true;
                    LOG.info("emu vCPU {}: triple fault at rip 0x{}; machine shuts down ({})",
                            index, Long.toHexString(s.rip), stopped);
                    return new VcpuExit.GuestShutdown(stopped);
                }
            }
        } catch (UnsupportedGuestState e) {
            return fail(e.getMessage(), null);
        } catch (RuntimeException | StackOverflowError e) {
            return fail("internal error of the interpreter", e);
        }
    }

    private VcpuExit fail(String why, Throwable cause) {
        stopped = HOST_ERROR;
        halted = true;
        String where = String.format("emu vCPU %d at rip 0x%x: %s; machine shuts down (%s)", index, s.rip, why, HOST_ERROR);
        if (cause == null) {
            LOG.error(where);
        } else {
            LOG.error(where, cause);
        }
        return new VcpuExit.GuestShutdown(HOST_ERROR);
    }

    private void waitForKick() {
        synchronized (wake) {
            while (!x.kicked) {
                try {
                    wake.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    x.kicked = true;
                }
            }
        }
    }

    @Override
    public void kick() {
        x.kicked = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    @Override
    public boolean halted() {
        return halted;
    }

    /** Guest instructions completed so far (for benchmarks: instructions per second). */
    public long instructionsRetired() {
        return x.retired;
    }

    /** The vCPU's registers and state, for tests in this package. */
    /** Blocks compiled to JVM bytecode so far (tests, and the log). */
    int compiledBlocks() {
        return x.jit == null ? 0 : x.jit.compiledCount();
    }

    CpuState state() {
        return s;
    }

    CodeCache codeCache() {
        return code;
    }
}
