package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 4-level paging as the guest sets it up itself (it loads CR3 with its own tables): 4 KiB, 2 MiB
 * and 1 GiB pages, the accessed and dirty bits, and #PF with the right CR2 and error code for a
 * not-present page, a write to a read-only page under CR0.WP, a fetch from an NX page and a
 * reserved bit.
 */
class PagingTest {
    private static final long CODE = 0x100000;
    private static final long PML4 = 0x20000, PDPT = 0x21000, PD = 0x22000, PT = 0x23000;
    private static final long P = 1, RW = 2, A = 0x20, D = 0x40, PS = 0x80, NX = 1L << 63;

    @BeforeAll
    static void needAssembler() {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed");
    }

    /**
     * VA 0..2M → PA 0..2M (2 MiB page); VA 0x200000 → PA 0x400000, 0x201000 not present, 0x202000
     * → 0x402000 read-only, 0x203000 → 0x403000 NX, 0x204000 reserved bit (4 KiB pages); VA
     * 0x400000 → PA 0x600000 (2 MiB page); VA 1 GiB → PA 0 (1 GiB page).
     */
    private static TestMachine machine(String test) {
        TestMachine m = new TestMachine(16 << 20);
        m.mem.writeLong(PML4, PDPT | P | RW);
        m.mem.writeLong(PDPT, PD | P | RW);
        m.mem.writeLong(PDPT + 8, 0 | P | RW | PS);
        m.mem.writeLong(PD, 0 | P | RW | PS);
        m.mem.writeLong(PD + 8, PT | P | RW);
        m.mem.writeLong(PD + 16, 0x600000 | P | RW | PS);
        m.mem.writeLong(PT, 0x400000 | P | RW);
        m.mem.writeLong(PT + 16, 0x402000 | P);
        m.mem.writeLong(PT + 24, 0x403000 | P | RW | NX);
        m.mem.writeLong(PT + 32, 0x404000 | P | RW | 1L << 51);
        m.recordingHandlers();
        m.load(CODE, TestMachine.assemble("""
                mov $0x20000, %rax
                mov %rax, %cr3
                """ + test + "\nhlt\n"));
        return m;
    }

    private static CpuState run(TestMachine m) {
        EmuVcpu v = m.vcpuWithIdt(CODE, 0x80000);
        TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(10));
        assertThat(o.halted()).as("halted, exit %s", o.exit()).isTrue();
        return v.state();
    }

    private static void assertPageFault(CpuState s, long cr2, long error) {
        assertThat(s.rip).as("in the #PF handler").isBetween(TestMachine.HANDLER_ERROR, TestMachine.HANDLER_ERROR + 64);
        assertThat(s.r[10]).as("CR2").isEqualTo(cr2);
        assertThat(s.r[9]).as("error code").isEqualTo(error);
    }

    @Test
    void fourKilobyteTwoMegabyteAndOneGigabytePagesMapWhereTheTablesSay() {
        try (TestMachine m = machine("""
                movq $0x1111, 0x200008
                movq $0x2222, 0x401234
                movq 0x40300000, %r13
                """)) {
            m.mem.writeLong(0x300000, 0x3333);
            CpuState s = run(m);
            assertThat(s.rip).as("no fault").isBetween(CODE, CODE + 0x100);
            assertThat(m.mem.readLong(0x400008)).isEqualTo(0x1111);
            assertThat(m.mem.readLong(0x601234)).isEqualTo(0x2222);
            assertThat(s.r[13]).as("read through the 1 GiB page").isEqualTo(0x3333);
        }
    }

    @Test
    void accessedAndDirtyBitsAreSetAsTheCpuSetsThem() {
        try (TestMachine m = machine("""
                movq $1, 0x200000
                movq 0x400000, %rax
                """)) {
            run(m);
            assertThat(m.mem.readLong(PML4) & (A | D)).as("PML4E: accessed").isEqualTo(A);
            assertThat(m.mem.readLong(PD + 8) & (A | D)).as("PDE of the page table: accessed").isEqualTo(A);
            assertThat(m.mem.readLong(PT) & (A | D)).as("written 4 KiB page: accessed and dirty").isEqualTo(A | D);
            assertThat(m.mem.readLong(PD + 16) & (A | D)).as("read 2 MiB page: accessed, clean").isEqualTo(A);
            assertThat(m.mem.readLong(PT + 16) & A).as("untouched page").isZero();
        }
    }

    @Test
    void notPresentReadAndWrite() {
        try (TestMachine m = machine("mov 0x201008, %rax")) {
            assertPageFault(run(m), 0x201008, 0);
        }
        try (TestMachine m = machine("movl $5, 0x201ffe")) {
            assertPageFault(run(m), 0x201ffe, GuestFault.PF_WRITE);
        }
    }

    @Test
    void aWriteStraddlingIntoANotPresentPageFaultsBeforeWritingAnything() {
        try (TestMachine m = machine("movq $-1, 0x200ffc")) {
            assertPageFault(run(m), 0x201000, GuestFault.PF_WRITE);
            assertThat(m.mem.readInt(0x400ffc)).as("first half not written").isZero();
        }
    }

    @Test
    void aRepStosRunningIntoANotPresentPageFaultsWithItsProgressInTheRegisters() {
        try (TestMachine m = machine("""
                mov $0x200f00, %rdi
                mov $0x300, %ecx
                mov $0x77, %al
                rep stosb
                """)) {
            CpuState s = run(m);
            assertPageFault(s, 0x201000, GuestFault.PF_WRITE);
            assertThat(s.r[CpuState.RDI]).isEqualTo(0x201000);
            assertThat(s.r[CpuState.RCX]).isEqualTo(0x200);
            assertThat(m.mem.readByte(0x400fff)).isEqualTo((byte) 0x77);
            assertThat(s.r[8]).as("saved RIP: the REP STOSB, to be resumed").isEqualTo(CODE + 10 + 7 + 5 + 2);
        }
    }

    @Test
    void writeToReadOnlyFaultsOnlyUnderWriteProtect() {
        try (TestMachine m = machine("movq $7, 0x202000")) {
            CpuState s = run(m);
            assertThat(s.rip).as("CR0.WP clear: supervisor writes go through").isBetween(CODE, CODE + 0x100);
            assertThat(m.mem.readLong(0x402000)).isEqualTo(7);
        }
        try (TestMachine m = machine("""
                mov %cr0, %rax
                or $0x10000, %rax
                mov %rax, %cr0
                movq $7, 0x202000
                """)) {
            assertPageFault(run(m), 0x202000, GuestFault.PF_PRESENT | GuestFault.PF_WRITE);
            assertThat(m.mem.readLong(0x402000)).isZero();
        }
    }

    @Test
    void fetchFromAnNxPageFaultsOnceNxIsEnabled() {
        String enableNx = """
                mov $0xc0000080, %ecx
                rdmsr
                or $0x800, %eax
                wrmsr
                """;
        try (TestMachine m = machine(enableNx + "mov $0x203000, %rax\njmp *%rax")) {
            m.load(0x403000, new byte[] {(byte) 0xF4});
            CpuState s = run(m);
            assertPageFault(s, 0x203000, GuestFault.PF_PRESENT | GuestFault.PF_FETCH);
            assertThat(s.r[8]).as("saved RIP: the target").isEqualTo(0x203000);
        }
        try (TestMachine m = machine("mov $0x203010, %rax\njmp *%rax")) {
            m.load(0x403010, new byte[] {(byte) 0xF4});
            // without EFER.NXE bit 63 is reserved: a reserved-bit fault, no I/D bit
            assertPageFault(run(m), 0x203010, GuestFault.PF_PRESENT | GuestFault.PF_RSVD);
        }
    }

    @Test
    void aReservedAddressBitFaults() {
        try (TestMachine m = machine("mov 0x204000, %rax")) {
            assertPageFault(run(m), 0x204000, GuestFault.PF_PRESENT | GuestFault.PF_RSVD);
        }
    }

    @Test
    void invlpgMakesAChangedEntryTakeEffect() {
        try (TestMachine m = machine("""
                movq 0x200000, %r13
                movq $0x405003, 0x23000
                invlpg 0x200000
                movq 0x200000, %r14
                """)) {
            m.mem.writeLong(0x400000, 0xAAAA);
            m.mem.writeLong(0x405000, 0xBBBB);
            CpuState s = run(m);
            assertThat(s.r[13]).isEqualTo(0xAAAA);
            assertThat(s.r[14]).isEqualTo(0xBBBB);
        }
    }
}
