package org.altovirt.accel.emu;

import org.altovirt.accel.VcpuBackend;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.altovirt.accel.VcpuExit;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.memory.GuestMemory;
import org.altovirt.state.State;
import org.altovirt.state.StateException;
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
    private final LocalApic apic;
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
        PhysicalMemory phys = new PhysicalMemory(memory, mmio);
        this.apic = new LocalApic(index, this::interruptArrived);
        phys.attach(apic);
        this.mmu = new Mmu(s, phys, fault);
        this.code = new CodeCache(mmu);
        mmu.attach(code);
        this.x = new Executor(s, mmu, code, fault, pio, index, jitThreshold);
        x.apic = apic;
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
                if (stopped == null && s.halted && interruptDeliverable()) {
                    s.halted = false; // an interrupt ends the HLT; the run loop delivers it
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

    private boolean interruptDeliverable() {
        return x.irqPending && (s.rflags & CpuState.IF) != 0 && apic.pending() >= 0;
    }

    /** Waits for a kick, or (while halted, not stopped) an interrupt the CPU can take. */
    private void waitForKick() {
        synchronized (wake) {
            while (!x.kicked && !(stopped == null && interruptDeliverable())) {
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
    /** The CPU's registers, for a snapshot (taken while the vCPU is out of guest code). */
    @Override
    public ObjectNode saveState() {
        ObjectNode out = State.object().put("rip", State.hex(s.rip)).put("rflags", State.hex(s.rflags()));
        ArrayNode gprs = out.putArray("gprs");
        for (long v : s.r) {
            gprs.add(State.hex(v));
        }
        ArrayNode sels = out.putArray("selectors");
        for (int v : s.sel) {
            sels.add(v);
        }
        ArrayNode drs = out.putArray("dr");
        for (long v : s.dr) {
            drs.add(State.hex(v));
        }
        out.put("cpl", s.cpl).put("halted", s.halted).put("stopped", stopped);
        ObjectNode regs = out.putObject("regs");
        long[] values = scalars();
        for (int i = 0; i < SCALARS.length; i++) {
            regs.put(SCALARS[i], State.hex(values[i]));
        }
        regs.put("tsc", State.hex(x.system().tsc()));
        out.set("lapic", apic.saveState());
        return out;
    }

    /** The other registers, by name in the saved state (the order of {@link #scalars}). */
    private static final String[] SCALARS = {"fs_base", "gs_base", "kernel_gs_base", "cr0", "cr2", "cr3", "cr4", "cr8",
        "efer", "gdt_base", "gdt_limit", "idt_base", "idt_limit", "tr_sel", "tr_base", "tr_limit", "ldt_sel", "ldt_base",
        "ldt_limit", "star", "lstar", "cstar", "sfmask", "pat", "tsc_aux", "sysenter_cs", "sysenter_esp", "sysenter_eip",
        "misc_enable"};

    private long[] scalars() {
        return new long[] {s.fsBase, s.gsBase, s.kernelGsBase, s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer, s.gdtBase,
            s.gdtLimit, s.idtBase, s.idtLimit, s.trSel, s.trBase, s.trLimit, s.ldtSel, s.ldtBase, s.ldtLimit, s.star,
            s.lstar, s.cstar, s.sfmask, s.pat, s.tscAux, s.sysenterCs, s.sysenterEsp, s.sysenterEip, s.miscEnable};
    }

    @Override
    public void restoreState(JsonNode in) throws StateException {
        String where = "emu vCPU " + index;
        JsonNode gprs = State.field(in, "gprs", where);
        JsonNode sels = State.field(in, "selectors", where);
        JsonNode drs = State.field(in, "dr", where);
        if (!gprs.isArray() || gprs.size() != 16 || !sels.isArray() || sels.size() != 6 || !drs.isArray() || drs.size() != 8) {
            throw new StateException(where + ": 16 general registers, 6 selectors and 8 debug registers expected");
        }
        JsonNode regs = State.field(in, "regs", where);
        long[] v = new long[SCALARS.length];
        for (int i = 0; i < SCALARS.length; i++) {
            v[i] = State.hexLong(regs, SCALARS[i], where);
        }
        if ((v[8] & CpuState.EFER_LMA) == 0 || (v[3] & CpuState.CR0_PG) == 0) {
            throw new StateException(where + ": the saved CPU is not in 64-bit long mode, which the emu needs");
        }
        for (int i = 0; i < 16; i++) {
            s.r[i] = State.hexAt(gprs, i, where + " gprs");
        }
        for (int i = 0; i < 6; i++) {
            s.sel[i] = sels.get(i).asInt() & 0xFFFF;
        }
        for (int i = 0; i < 8; i++) {
            s.dr[i] = State.hexAt(drs, i, where + " dr");
        }
        s.rip = State.hexLong(in, "rip", where);
        s.setRflags(State.hexLong(in, "rflags", where));
        s.cpl = State.integer(in, "cpl", where) & 3;
        s.halted = State.bool(in, "halted", where);
        JsonNode stop = in.get("stopped");
        stopped = stop == null || stop.isNull() ? null : stop.asText();
        s.fsBase = v[0]; s.gsBase = v[1]; s.kernelGsBase = v[2]; s.cr0 = v[3]; s.cr2 = v[4]; s.cr3 = v[5];
        s.cr4 = v[6]; s.cr8 = v[7]; s.efer = v[8]; s.gdtBase = v[9]; s.gdtLimit = (int) v[10]; s.idtBase = v[11];
        s.idtLimit = (int) v[12]; s.trSel = (int) v[13]; s.trBase = v[14]; s.trLimit = (int) v[15]; s.ldtSel = (int) v[16];
        s.ldtBase = v[17]; s.ldtLimit = (int) v[18]; s.star = v[19]; s.lstar = v[20]; s.cstar = v[21]; s.sfmask = v[22];
        s.pat = v[23]; s.tscAux = v[24]; s.sysenterCs = v[25]; s.sysenterEsp = v[26]; s.sysenterEip = v[27];
        s.miscEnable = v[28];
        long tsc = State.hexLong(regs, "tsc", where);
        s.tscOffset += tsc - x.system().tsc(); // the guest's TSC goes on from where it was
        if (in.has("lapic")) {
            apic.restoreState(in.get("lapic"));
        }
        code.clear(); // the memory under any decoded code was replaced
        x.flushTranslations();
    }

    LocalApic apic() {
        return apic;
    }

    /** The APIC has an interrupt that may be deliverable: the run loop looks, a halted vCPU wakes. */
    private void interruptArrived() {
        x.irqPending = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

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
