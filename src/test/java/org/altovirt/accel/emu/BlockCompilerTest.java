package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The block compiler as a guest sees it: the same results as the interpreter, faults raised from
 * compiled code delivered at the right instruction with the state before it, flags a compiled
 * block leaves for the next block, and code that rewrites itself inside a compiled block. Every
 * test checks that blocks really were compiled. (The differential and random-code tests run every
 * block compiled as well: the build runs the emu tests a second time with altovirt.emu.jit=1.)
 */
class BlockCompilerTest {
    private static final long CODE = 0x100000;
    private static final long STACK = 0x80000;

    @BeforeAll
    static void needAssembler() {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed");
    }

    /** Runs {@code source} to its HLT with the given threshold; the vCPU afterwards. */
    private static EmuVcpu run(TestMachine m, String source, int threshold) {
        m.load(CODE, TestMachine.assemble(source));
        m.jitThreshold = threshold;
        EmuVcpu v = m.vcpuWithIdt(CODE, STACK);
        TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(30));
        assertThat(o.halted()).as("halted (exit %s, rip 0x%x)", o.exit(), v.state().rip).isTrue();
        return v;
    }

    @Test
    void aHotLoopIsCompiledAndComputesWhatTheInterpreterComputes() {
        // The conformance guest's compute loop, written out: IMUL, DIV, ROL, a branch inside.
        String loop = """
                mov $20000, %r8
                xor %edi, %edi
                movabs $0x243F6A8885A308D3, %rcx
                movabs $0x13198A2E03707344, %rax
                movabs $0xcbf29ce484222325, %rbx
                movabs $0x5851F42D4C957F2D, %r11
                movabs $0x14057B7EF767814F, %r10
                movabs $0x100000001b3, %r9
            1:  imul %r11, %rcx
                xor %edx, %edx
                add %r10, %rcx
                mov %rcx, %rsi
                shr $0x1d, %rsi
                xor %rax, %rsi
                mov %rcx, %rax
                rol $0x11, %rsi
                movzwl %si, %ebp
                or $0x1, %rbp
                div %rbp
                add %rsi, %rax
                test $0x1, %ch
                jne 2f
                mov %rsi, %rax
                sub %rdx, %rax
            2:  mov %rax, %rdx
                shr $0x20, %rdx
                xor %ecx, %edx
                imul $0x9e3779b1, %edx, %esi
                shr $0xd, %edx
                add %esi, %edx
                lea (%rax,%rdi,1), %rsi
                add $0x1, %rdi
                mov %edx, %edx
                add %rsi, %rdx
                xor %rbx, %rdx
                mov %rdx, %rbx
                imul %r9, %rbx
                cmp %rdi, %r8
                jne 1b
                pushfq
                pop %r12
                hlt
                """;
        long[] interpreted;
        try (TestMachine m = new TestMachine(16 << 20)) {
            EmuVcpu v = run(m, loop, 0);
            assertThat(v.compiledBlocks()).isZero();
            interpreted = v.state().r.clone();
        }
        try (TestMachine m = new TestMachine(16 << 20)) {
            EmuVcpu v = run(m, loop, 2);
            assertThat(v.compiledBlocks()).as("blocks compiled").isGreaterThan(0);
            assertThat(v.state().r).as("registers, RFLAGS in R12").containsExactly(interpreted);
            assertThat(v.instructionsRetired()).as("instructions counted as the interpreter counts them")
                    .isGreaterThan(20000L * 30);
        }
        assertThat(interpreted[CpuState.RBX]).as("the checksum the guest's C computes")
                .isEqualTo(org.altovirt.acceptance.GuestReference.compute(20000));
    }

    @Test
    void aFaultInACompiledBlockIsDeliveredAtItsInstructionWithTheStateBeforeIt() {
        // The loop's block is compiled from its first entry; on the 5th turn the load faults (#PF,
        // above the identity-mapped GiB). The handler records the saved RIP in R8.
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.recordingHandlers();
            EmuVcpu v = run(m, """
                    lea load(%rip), %r13
                    mov $5, %ecx
                    mov $0x200000, %rsi
                    xor %eax, %eax
                1:  add $1, %rax
                load:
                    mov (%rsi), %rdx
                    add $7, %rax
                    dec %ecx
                    jz 2f
                    jmp 1b
                2:  movabs $0x40000000000, %rsi
                    jmp 1b
                    """, 1);
            CpuState s = v.state();
            assertThat(v.compiledBlocks()).isGreaterThan(0);
            assertThat(s.r[9]).as("#PF error code: not present, read").isEqualTo(0);
            assertThat(s.r[10]).as("CR2").isEqualTo(0x40000000000L);
            assertThat(s.r[8]).as("saved RIP: the load").isEqualTo(s.r[13]);
            assertThat(s.r[CpuState.RAX]).as("the ADD before the load ran, the one after did not")
                    .isEqualTo(5 * 8 + 1);
        }
    }

    @Test
    void aDivideErrorInACompiledBlockIsDeliveredAsDE() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.recordingHandlers();
            EmuVcpu v = run(m, """
                    lea divide(%rip), %r13
                    mov $100, %ebx
                1:  xor %edx, %edx
                    mov $1000, %eax
                divide:
                    div %rbx
                    mov %rax, %r14
                    sub $50, %rbx
                    jmp 1b
                    """, 1);
            CpuState s = v.state();
            assertThat(v.compiledBlocks()).isGreaterThan(0);
            assertThat(s.rip).isBetween(TestMachine.HANDLER_NO_ERROR, TestMachine.HANDLER_NO_ERROR + 64);
            assertThat(s.r[8]).as("saved RIP: the DIV by zero").isEqualTo(s.r[13]);
            assertThat(s.r[14]).as("the last DIV that worked: 1000 / 50").isEqualTo(20);
            assertThat(s.r[CpuState.RAX]).as("the faulting DIV left RAX alone").isEqualTo(1000);
        }
    }

    @Test
    void flagsACompiledBlockLeavesAreTheOnesTheNextBlockSees() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            EmuVcpu v = run(m, """
                    mov $-1, %rax
                    add $1, %rax
                    jmp 1f
                1:  setc %bl
                    setz %bh
                    seto %cl
                    sets %ch
                    mov $0x7fffffff, %edx
                    inc %edx
                    jmp 2f
                2:  seto %dl
                    setc %dh
                    hlt
                    """, 1);
            long[] r = v.state().r;
            assertThat(v.compiledBlocks()).isGreaterThan(0);
            assertThat(r[CpuState.RBX] & 0xFFFF).as("CF=1 ZF=1 after -1 + 1").isEqualTo(0x0101);
            assertThat(r[CpuState.RCX] & 0xFFFF).as("OF=0 SF=0").isEqualTo(0);
            assertThat(r[CpuState.RDX] & 0xFFFF).as("INC: OF=1, CF kept from the ADD (1)").isEqualTo(0x0101);
        }
    }

    @Test
    void aStoreIntoTheRunningCompiledBlockRunsTheNewBytes() {
        // The block stores an immediate over its own later instruction (mov $1 -> mov $2): the
        // rest of the block must run from the new bytes, as on a real CPU.
        try (TestMachine m = new TestMachine(16 << 20)) {
            EmuVcpu v = run(m, """
                    mov $3, %ecx
                    xor %ebx, %ebx
                1:  lea patch(%rip), %rdi
                    movb $2, 1(%rdi)
                patch:
                    mov $1, %al
                    movzbl %al, %eax
                    add %rax, %rbx
                    dec %ecx
                    jnz 1b
                    hlt
                    """, 1);
            assertThat(v.state().r[CpuState.RBX]).as("three turns of the patched MOV $2").isEqualTo(6);
        }
    }

    @Test
    void aLoopOfSeveralBlocksRunsAsOneRegionWithCallsFromItsMiddle() {
        // The loop's blocks (test+jz, add, call, dec+jnz) compile into one region entered at 1:;
        // the CALL sits in a later block of it, so its return address is not the entry's.
        String loop = """
                mov $1000, %ecx
                xor %eax, %eax
                xor %ebx, %ebx
                mov $1, %edx
            1:  test %edx, %ecx
                jz 2f
                add $5, %rbx
            2:  call f
                dec %ecx
                jnz 1b
                hlt
            f:  add $3, %rax
                add %rcx, %rax
                ret
                """;
        long[] interpreted;
        try (TestMachine m = new TestMachine(16 << 20)) {
            interpreted = run(m, loop, 0).state().r.clone();
        }
        try (TestMachine m = new TestMachine(16 << 20)) {
            EmuVcpu v = run(m, loop, 3);
            assertThat(v.compiledBlocks()).isGreaterThan(0);
            assertThat(v.state().r).containsExactly(interpreted);
        }
        assertThat(interpreted[CpuState.RBX]).isEqualTo(500 * 5);
        assertThat(interpreted[CpuState.RAX]).isEqualTo(1000 * 3 + 1000 * 1001 / 2);
    }
}
