package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.altovirt.accel.VcpuExit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a 64-bit kernel does with segments: its own GDT and a CS reload by far return or far
 * jump, data selectors, FS/GS bases through the MSRs (and FS/GS-relative addressing), SWAPGS.
 * A code segment that is not 64-bit cannot be run and stops the machine with host-error.
 */
class SegmentsTest {
    private static final long CODE = 0x100000;

    @BeforeAll
    static void needAssembler() {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed");
    }

    private static TestMachine.Outcome run(TestMachine m, String asm) {
        m.load(CODE, TestMachine.assemble(asm));
        EmuVcpu v = m.vcpu(CODE, 0x80000);
        TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(10));
        last = v.state();
        return o;
    }

    private static CpuState last;

    /**
     * The guest's own GDT: 0x08 64-bit code, 0x10 data, 0x18 data with base 0x345000, 0x20 32-bit
     * code. Addresses are computed with LEA: the snippets are not linked, so .quad labels stay 0.
     */
    private static final String NEW_GDT = """
            lea gdt(%rip), %rax
            mov %rax, gdtr+2(%rip)
            lgdt gdtr(%rip)
            jmp 9f
            .balign 8
            gdt: .quad 0
            .quad 0x00AF9A000000FFFF
            .quad 0x00CF92000000FFFF
            .quad 0x00CF92345000FFFF
            .quad 0x00CF9A000000FFFF
            gdtr: .word 39
            .quad 0
            9:
            """;

    @Test
    void lretqAndAFarJumpReloadCsFromTheGuestsGdt() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            TestMachine.Outcome o = run(m, NEW_GDT + """
                    pushq $0x08
                    lea 1f(%rip), %rax
                    pushq %rax
                    lretq
                    1: mov %cs, %r8
                    mov $0x10, %eax
                    mov %eax, %ds
                    mov %eax, %ss
                    mov %ds, %r9
                    lea 2f(%rip), %rax
                    mov %rax, target(%rip)
                    rex64 ljmp *target(%rip)
                    target: .quad 0
                    .word 0x08
                    2: mov $0x2a, %r10
                    hlt
                    """);
            assertThat(o.halted()).isTrue();
            assertThat(last.r[8]).isEqualTo(0x08);
            assertThat(last.r[9]).isEqualTo(0x10);
            assertThat(last.r[10]).isEqualTo(0x2a);
        }
    }

    @Test
    void fsAndGsBasesComeFromTheMsrsAndSwapgsExchangesGs() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.mem.writeLong(0x200010, 0x1111);
            m.mem.writeLong(0x300020, 0x2222);
            m.mem.writeLong(0x400030, 0x3333);
            TestMachine.Outcome o = run(m, """
                    mov $0xc0000100, %ecx
                    mov $0x200000, %eax
                    xor %edx, %edx
                    wrmsr
                    mov $0xc0000101, %ecx
                    mov $0x300000, %eax
                    wrmsr
                    mov $0xc0000102, %ecx
                    mov $0x400010, %eax
                    wrmsr
                    mov %fs:0x10, %r8
                    mov %gs:0x20, %r9
                    swapgs
                    mov %gs:0x20, %r10
                    mov $0xc0000102, %ecx
                    rdmsr
                    mov %rax, %r11
                    hlt
                    """);
            assertThat(o.halted()).isTrue();
            assertThat(last.r[8]).isEqualTo(0x1111);
            assertThat(last.r[9]).isEqualTo(0x2222);
            assertThat(last.r[10]).as("GS base now the old KERNEL_GS_BASE").isEqualTo(0x3333);
            assertThat(last.r[11]).as("KERNEL_GS_BASE now the old GS base").isEqualTo(0x300000);
        }
    }

    @Test
    void loadingFsFromADescriptorTakesItsBase() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.mem.writeLong(0x345008, 0x4444);
            TestMachine.Outcome o = run(m, NEW_GDT + """
                    mov $0x18, %eax
                    mov %eax, %fs
                    mov %fs:8, %r8
                    hlt
                    """);
            assertThat(o.halted()).isTrue();
            assertThat(last.r[8]).isEqualTo(0x4444);
        }
    }

    @Test
    void aSelectorPastTheGdtLimitIsGP() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.recordingHandlers();
            m.load(CODE, TestMachine.assemble("mov $0x40, %eax\nmov %eax, %ds\nhlt"));
            EmuVcpu v = m.vcpuWithIdt(CODE, 0x80000);
            assertThat(TestMachine.runToHalt(v, Duration.ofSeconds(10)).halted()).isTrue();
            assertThat(v.state().rip).isBetween(TestMachine.HANDLER_ERROR, TestMachine.HANDLER_ERROR + 64);
            assertThat(v.state().r[9]).as("error code: the selector").isEqualTo(0x40);
        }
    }

    @Test
    void farReturnToA32BitCodeSegmentStopsTheMachineWithHostError() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            TestMachine.Outcome o = run(m, NEW_GDT + """
                    pushq $0x20
                    lea 1f(%rip), %rax
                    pushq %rax
                    lretq
                    1: hlt
                    """);
            assertThat(o.exit()).isEqualTo(new VcpuExit.GuestShutdown("host-error"));
        }
    }
}
