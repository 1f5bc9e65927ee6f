package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.altovirt.accel.VcpuExit;
import org.altovirt.bus.BusDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The vCPU as the machine uses it: kick, halt, port and MMIO buses, CPUID, RDTSC, code changes. */
class EmuVcpuTest {
    private static final long CODE = 0x100000;
    private static final long STACK = 0x80000;
    private final ExecutorService pool = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void needAssembler() {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed");
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** A device that records every access and answers reads with {@code base + offset}. */
    static final class Recorder implements BusDevice {
        record Access(boolean write, long offset, int size, long value) {}

        final List<Access> log = new CopyOnWriteArrayList<>();
        final long base;

        Recorder(long base) {
            this.base = base;
        }

        @Override
        public long read(long offset, int size) {
            long v = (base + offset) & (size == 8 ? -1L : (1L << (8 * size)) - 1);
            log.add(new Access(false, offset, size, v));
            return v;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add(new Access(true, offset, size, value));
        }
    }

    private static CpuState runGuest(TestMachine m, String asm) {
        m.load(CODE, TestMachine.assemble(asm));
        EmuVcpu v = m.vcpu(CODE, STACK);
        assertThat(TestMachine.runToHalt(v, Duration.ofSeconds(10)).halted()).isTrue();
        return v.state();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            LockSupport.parkNanos(200_000);
        }
    }

    @Test
    void kickMakesRunReturnPromptlyFromATightLoopAndRunResumesIt() throws Exception {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(CODE, TestMachine.assemble("1: inc %rax\njmp 1b"));
            EmuVcpu v = m.vcpu(CODE, STACK);
            Future<VcpuExit> first = pool.submit(v::run);
            awaitTrue(() -> v.instructionsRetired() > 100_000, "the loop to run");
            long kickedAt = System.nanoTime();
            v.kick();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(new VcpuExit.Kicked());
            assertThat(System.nanoTime() - kickedAt).as("run() returned within 100 ms of kick()").isLessThan(100_000_000L);
            long rax = v.state().r[CpuState.RAX];
            assertThat(v.halted()).isFalse();

            Future<VcpuExit> second = pool.submit(v::run);
            awaitTrue(() -> v.state().r[CpuState.RAX] > rax + 1000, "the loop to continue where it stopped");
            v.kick();
            assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(new VcpuExit.Kicked());
        }
    }

    @Test
    void aKickBeforeRunMakesRunReturnAtOnce() throws Exception {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(CODE, TestMachine.assemble("1: jmp 1b"));
            EmuVcpu v = m.vcpu(CODE, STACK);
            v.kick();
            assertThat(pool.submit(v::run).get(5, TimeUnit.SECONDS)).isEqualTo(new VcpuExit.Kicked());
            assertThat(v.instructionsRetired()).isZero();
        }
    }

    @Test
    void hltWithInterruptsOffBlocksUntilKicked() throws Exception {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(CODE, TestMachine.assemble("cli\nmov $42, %eax\nhlt\nmov $43, %eax"));
            EmuVcpu v = m.vcpu(CODE, STACK);
            Future<VcpuExit> run = pool.submit(v::run);
            awaitTrue(v::halted, "HLT");
            long spentBefore = v.instructionsRetired();
            assertThat(run.isDone()).as("run() still blocked in HLT").isFalse();
            v.kick();
            assertThat(run.get(5, TimeUnit.SECONDS)).isEqualTo(new VcpuExit.Kicked());
            assertThat(v.halted()).isTrue();
            assertThat(v.state().r[CpuState.RAX]).isEqualTo(42);
            assertThat(v.instructionsRetired()).as("no spinning while halted").isEqualTo(spentBefore);
            // resuming a halted vCPU leaves it halted: there is no interrupt to wake it
            Future<VcpuExit> again = pool.submit(v::run);
            awaitTrue(v::halted, "HLT again");
            v.kick();
            assertThat(again.get(5, TimeUnit.SECONDS)).isEqualTo(new VcpuExit.Kicked());
            assertThat(v.state().r[CpuState.RAX]).isEqualTo(42);
        }
    }

    @Test
    void inAndOutOfEveryWidthGoToThePortBus() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            Recorder uart = new Recorder(0x100);
            m.pio.insert(0x3F8, 8, uart);
            Recorder low = new Recorder(0x200);
            m.pio.insert(0x70, 8, low);
            CpuState s = runGuest(m, """
                    mov $0x3f8, %dx
                    mov $0x41, %al
                    out %al, %dx
                    mov $0x3fa, %dx
                    mov $0x1234, %ax
                    out %ax, %dx
                    mov $0x3fc, %dx
                    mov $0x89abcdef, %eax
                    out %eax, %dx
                    mov $0x3f9, %dx
                    in (%dx), %al
                    mov %rax, %r8
                    mov $0x3fa, %dx
                    in (%dx), %ax
                    mov %rax, %r9
                    mov $-1, %rax
                    mov $0x3fc, %dx
                    in (%dx), %eax
                    mov %rax, %r10
                    in $0x80, %al
                    mov %rax, %r11
                    mov $0x5678, %ax
                    out %ax, $0x72
                    in $0x74, %eax
                    mov %rax, %r12
                    hlt
                    """);
            assertThat(low.log).containsExactly(
                    new Recorder.Access(true, 2, 2, 0x5678),
                    new Recorder.Access(false, 4, 4, 0x204));
            assertThat(s.r[12]).isEqualTo(0x204);
            assertThat(uart.log).containsExactly(
                    new Recorder.Access(true, 0, 1, 0x41),
                    new Recorder.Access(true, 2, 2, 0x1234),
                    new Recorder.Access(true, 4, 4, 0x89abcdefL),
                    new Recorder.Access(false, 1, 1, 0x01),
                    new Recorder.Access(false, 2, 2, 0x102),
                    new Recorder.Access(false, 4, 4, 0x104));
            assertThat(s.r[8] & 0xFF).isEqualTo(0x01);
            assertThat(s.r[9] & 0xFFFF).isEqualTo(0x102);
            assertThat(s.r[10]).as("IN EAX zero-extends into RAX").isEqualTo(0x104);
            assertThat(s.r[11] & 0xFF).as("no device: all ones").isEqualTo(0xFF);
        }
    }

    @Test
    void repOutsbSendsAStringToAPort() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            Recorder uart = new Recorder(0);
            m.pio.insert(0x3F8, 8, uart);
            m.mem.write(0x5000, "hello".getBytes(StandardCharsets.US_ASCII), 0, 5);
            runGuest(m, "mov $0x5000, %esi\nmov $5, %ecx\nmov $0x3f8, %dx\nrep outsb\nhlt");
            StringBuilder sent = new StringBuilder();
            uart.log.forEach(a -> sent.append((char) a.value()));
            assertThat(sent.toString()).isEqualTo("hello");
        }
    }

    @Test
    void accessesOutsideRamGoToTheMmioBus() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            Recorder dev = new Recorder(0x7000_0000L);
            m.mmio.insert(0xF010_0000L, 0x200, dev);
            // map the top GiB (device windows) with a 1 GiB page, as a guest's own tables would
            m.mem.writeLong(TestMachine.PDPT + 3 * 8, 0xC000_0000L | 0x83);
            CpuState s = runGuest(m, """
                    mov $0xf0100000, %rbx
                    movl 0(%rbx), %eax
                    movl $0x74726976, 0x70(%rbx)
                    movb $7, 0x50(%rbx)
                    movq 0x100(%rbx), %rcx
                    movw %ax, 0x30(%rbx)
                    hlt
                    """);
            assertThat(dev.log).containsExactly(
                    new Recorder.Access(false, 0, 4, 0x7000_0000L),
                    new Recorder.Access(true, 0x70, 4, 0x74726976L),
                    new Recorder.Access(true, 0x50, 1, 7),
                    new Recorder.Access(false, 0x100, 8, 0x7000_0100L),
                    new Recorder.Access(true, 0x30, 2, 0));
            assertThat(s.r[CpuState.RAX]).isEqualTo(0x7000_0000L);
            assertThat(s.r[CpuState.RCX]).isEqualTo(0x7000_0100L);
        }
    }

    @Test
    void rdtscAdvances() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            CpuState s = runGuest(m, """
                    rdtsc
                    shl $32, %rdx
                    or %rdx, %rax
                    mov %rax, %r8
                    mov $100000, %ecx
                    1: loop 1b
                    rdtsc
                    shl $32, %rdx
                    or %rdx, %rax
                    mov %rax, %r9
                    rdtscp
                    hlt
                    """);
            assertThat(s.r[9]).isGreaterThan(s.r[8]);
            assertThat(s.r[8]).isPositive();
        }
    }

    @Test
    void cpuidNamesTheEmuAndOffersOnlyWhatItImplements() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            CpuState s = runGuest(m, """
                    xor %eax, %eax
                    cpuid
                    mov %ebx, %r8d
                    mov %edx, %r9d
                    mov %ecx, %r10d
                    mov %eax, %r11d
                    mov $1, %eax
                    cpuid
                    mov %ecx, %r12d
                    mov %edx, %r13d
                    mov $0x80000001, %eax
                    cpuid
                    mov %edx, %r14d
                    hlt
                    """);
            byte[] vendor = new byte[12];
            for (int i = 0; i < 4; i++) {
                vendor[i] = (byte) (s.r[8] >>> (8 * i));
                vendor[4 + i] = (byte) (s.r[9] >>> (8 * i));
                vendor[8 + i] = (byte) (s.r[10] >>> (8 * i));
            }
            assertThat(new String(vendor, StandardCharsets.US_ASCII)).isEqualTo("AltoVirtEmu!");
            assertThat(s.r[11]).as("max basic leaf").isGreaterThanOrEqualTo(1);
            long ecx = s.r[12];
            long edx = s.r[13];
            assertThat(edx & 1).as("no x87 FPU").isZero();
            assertThat(edx & (1 << 23 | 1 << 25 | 1 << 26)).as("no MMX, SSE, SSE2").isZero();
            assertThat(ecx & (1 << 0 | 1 << 28)).as("no SSE3, AVX").isZero();
            assertThat(edx & (1 << 9)).as("no APIC").isZero();
            assertThat(edx & (1 << 4 | 1 << 5 | 1 << 6 | 1 << 15)).as("TSC, MSR, PAE, CMOV").isEqualTo(1 << 4 | 1 << 5 | 1 << 6 | 1 << 15);
            assertThat(ecx & (1L << 31)).as("hypervisor bit").isNotZero();
            assertThat(s.r[14] & (1 << 29)).as("long mode").isNotZero();
            assertThat(s.r[14] & (1 << 11)).as("no SYSCALL").isZero();
        }
    }

    @Test
    void codeThatRewritesItselfRunsTheNewBytes() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            // the loop body's immediate is patched after its first run: 1 then 100 are added
            CpuState s = runGuest(m, """
                    xor %eax, %eax
                    mov $2, %ecx
                    2: add $1, %eax
                    movb $100, 2b+2(%rip)
                    loop 2b
                    movb $7, 3f+1(%rip)
                    3: mov $5, %ebx
                    hlt
                    """);
            assertThat(s.r[CpuState.RAX]).isEqualTo(101);
            // the next instruction, in the same block, was patched right before it ran
            assertThat(s.r[CpuState.RBX]).isEqualTo(7);
        }
    }

    @Test
    void repMovsAndStosCopyAndFillAcrossPages() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            byte[] data = new byte[10_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7 + 3);
            }
            m.mem.write(0x400123, data, 0, data.length);
            CpuState s = runGuest(m, """
                    mov $0x400123, %rsi
                    mov $0x500ffd, %rdi
                    mov $10000, %ecx
                    rep movsb
                    mov %rsi, %r8
                    mov %rdi, %r9
                    mov $0x600008, %rdi
                    mov $0x1122334455667788, %rax
                    mov $1500, %ecx
                    rep stosq
                    mov %rdi, %r10
                    mov $0x700001, %rdi
                    mov $0x5a, %al
                    mov $5000, %ecx
                    rep stosb
                    mov $0x800000, %rsi
                    movb $0x42, (%rsi)
                    lea 1(%rsi), %rdi
                    mov $3000, %ecx
                    rep movsb
                    hlt
                    """);
            byte[] copied = new byte[data.length];
            m.mem.read(0x500ffd, copied, 0, copied.length);
            assertThat(copied).isEqualTo(data);
            assertThat(s.r[8]).isEqualTo(0x400123 + 10_000);
            assertThat(s.r[9]).isEqualTo(0x500ffd + 10_000);
            assertThat(s.r[10]).isEqualTo(0x600008 + 1500 * 8);
            assertThat(m.mem.readLong(0x600008)).isEqualTo(0x1122334455667788L);
            assertThat(m.mem.readLong(0x600008 + 1499 * 8)).isEqualTo(0x1122334455667788L);
            assertThat(m.mem.readLong(0x600008 + 1500 * 8)).isZero();
            assertThat(m.mem.readByte(0x700001 + 4999)).isEqualTo((byte) 0x5a);
            assertThat(m.mem.readByte(0x700001 + 5000)).isZero();
            // an overlapping forward copy repeats the first byte, element by element, as on the CPU
            assertThat(m.mem.readByte(0x800000 + 3000)).isEqualTo((byte) 0x42);
            assertThat(m.mem.readByte(0x800000 + 1777)).isEqualTo((byte) 0x42);
            assertThat(s.r[CpuState.RCX]).isZero();
        }
    }

    @Test
    void thePauseLeavesNoDecodedCodeStaleAcrossAReload() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(CODE, TestMachine.assemble("mov $1, %eax\nhlt"));
            EmuVcpu v = m.vcpu(CODE, STACK);
            assertThat(TestMachine.runToHalt(v, Duration.ofSeconds(10)).halted()).isTrue();
            assertThat(v.state().r[CpuState.RAX]).isEqualTo(1);
            assertThat(v.codeCache().size()).isPositive();
        }
    }

    @Test
    void theBootStateIsLongModeAndRsiPointsAtBootParams() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            CpuState s = runGuest(m, "mov %cr0, %r8\nmov %cr4, %r9\nmov %cr3, %r10\nmov %cs, %r11\nhlt");
            assertThat(s.r[8] & (CpuState.CR0_PE | CpuState.CR0_PG)).isEqualTo(CpuState.CR0_PE | CpuState.CR0_PG);
            assertThat(s.r[9] & CpuState.CR4_PAE).isNotZero();
            assertThat(s.r[10]).isEqualTo(TestMachine.PML4);
            assertThat(s.r[11]).isEqualTo(TestMachine.CODE_SEL);
            assertThat(s.r[CpuState.RSI]).isEqualTo(0x7000);
        }
    }
}
