package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.altovirt.accel.VcpuExit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exceptions reach the guest through its IDT with the frame the SDM describes, and one that cannot
 * be delivered is a triple fault that shuts the machine down. Each guest's handler stores the
 * vector-specific state in registers and halts: R8 = the saved RIP, R9 = the error code (or -1),
 * R10 = CR2, R11 = the saved RSP, R12 = the saved RFLAGS.
 */
class ExceptionsTest {
    private static final long CODE = 0x100000;
    private static final long HANDLER_NO_ERROR = TestMachine.HANDLER_NO_ERROR;
    private static final long HANDLER_ERROR = TestMachine.HANDLER_ERROR;
    private static final long STACK = 0x80000;

    @BeforeAll
    static void needAssembler() {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed");
    }

    private static TestMachine machine(String guest) {
        TestMachine m = new TestMachine(16 << 20);
        m.load(CODE, TestMachine.assemble(guest));
        m.recordingHandlers();
        return m;
    }

    private static CpuState run(TestMachine m) {
        EmuVcpu v = m.vcpuWithIdt(CODE, STACK);
        TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(10));
        assertThat(o.halted()).as("halted in the handler, exit %s", o.exit()).isTrue();
        return v.state();
    }

    @Test
    void divideByZeroIsDeliveredAsDE() {
        try (TestMachine m = machine("""
                mov $7, %eax
                xor %ecx, %ecx
                xor %edx, %edx
                div %ecx
                hlt
                """)) {
            CpuState s = run(m);
            assertThat(s.rip - 1).isBetween(HANDLER_NO_ERROR, HANDLER_NO_ERROR + 64);
            assertThat(s.r[8]).as("saved RIP: the DIV itself").isEqualTo(CODE + 9);
            assertThat(s.r[9]).as("no error code").isEqualTo(-1);
            assertThat(s.r[11]).as("saved RSP").isEqualTo(STACK);
            assertThat(s.r[CpuState.RAX]).as("DIV left RAX alone").isEqualTo(7);
        }
    }

    @Test
    void idivOverflowIsDE() {
        try (TestMachine m = machine("""
                mov $0x80000000, %eax
                cltd
                mov $-1, %ecx
                idiv %ecx
                hlt
                """)) {
            CpuState s = run(m);
            assertThat(s.r[8]).isEqualTo(CODE + 5 + 1 + 5);
            assertThat(s.rip).isBetween(HANDLER_NO_ERROR, HANDLER_NO_ERROR + 64);
        }
    }

    @Test
    void ud2AndAnInvalidOpcodeAreDeliveredAsUD() {
        try (TestMachine m = machine("nop\nud2\nhlt")) {
            CpuState s = run(m);
            assertThat(s.r[8]).isEqualTo(CODE + 1);
            assertThat(s.r[9]).isEqualTo(-1);
        }
        try (TestMachine m = machine("nop\nnop\n.byte 0x06\nhlt")) { // PUSH ES: invalid in 64-bit mode
            CpuState s = run(m);
            assertThat(s.r[8]).isEqualTo(CODE + 2);
            assertThat(s.rip).isBetween(HANDLER_NO_ERROR, HANDLER_NO_ERROR + 64);
        }
    }

    @Test
    void lockOnARegisterOperandIsUD() {
        try (TestMachine m = machine(".byte 0xf0, 0x01, 0xc8\nhlt")) { // lock add %ecx, %eax
            assertThat(run(m).r[8]).isEqualTo(CODE);
        }
    }

    @Test
    void interruptGateClearsIfAndIretqReturns() {
        try (TestMachine m = machine("""
                sti
                int $0x40
                mov $0x1234, %r13
                pushfq
                pop %r14
                hlt
                """)) {
            m.load(0x182000, TestMachine.assemble("""
                    pushfq
                    pop %r15
                    iretq
                    """));
            m.gate(0x40, 0x182000);
            CpuState s = run(m);
            assertThat(s.r[13]).as("returned after INT").isEqualTo(0x1234);
            assertThat(s.r[15] & CpuState.IF).as("IF in the handler").isZero();
            assertThat(s.r[14] & CpuState.IF).as("IF after IRETQ").isEqualTo(CpuState.IF);
            assertThat(s.r[CpuState.RSP]).isEqualTo(STACK);
        }
    }

    @Test
    void nonCanonicalAccessIsGP() {
        try (TestMachine m = machine("""
                mov $0x0000800000000000, %rax
                mov (%rax), %rbx
                hlt
                """)) {
            CpuState s = run(m);
            assertThat(s.r[8]).isEqualTo(CODE + 10);
            assertThat(s.r[9]).as("error code 0").isZero();
            assertThat(s.rip).isBetween(HANDLER_ERROR, HANDLER_ERROR + 64);
        }
    }

    @Test
    void aJumpToTheTopOfTheAddressSpaceFaultsOnTheFetch() {
        // RIP = 0xffff_ffff_ffff_ffff is canonical but unmapped here: #PF on the fetch, CR2 = RIP
        // (the fuzzer found the block-link lookup taking that RIP for an empty link)
        try (TestMachine m = machine("mov $-1, %rax\njmp *%rax")) {
            CpuState s = run(m);
            assertThat(s.r[8]).isEqualTo(-1L);
            assertThat(s.r[10]).isEqualTo(-1L);
            assertThat(s.r[9]).as("not present, supervisor read (fetch bit only with NX on)").isZero();
        }
    }

    @Test
    void anUndeliverableFaultIsATripleFault() {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(CODE, TestMachine.assemble("ud2")); // the boot IDT is empty: #UD -> #GP -> #DF -> shutdown
            EmuVcpu v = m.vcpu(CODE, STACK);
            TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(10));
            assertThat(o.exit()).isEqualTo(new VcpuExit.GuestShutdown("guest-reset"));
            assertThat(v.halted()).as("a CPU in shutdown does nothing more").isTrue();
        }
    }

    @Test
    void aPageFaultWhileDeliveringAPageFaultIsADoubleFaultOnItsIstStack() {
        // #UD with RSP on an unmapped page: pushing its frame faults (#PF, delivered in turn), pushing
        // that one's frame faults again: #PF during #PF is a #DF, whose gate names IST1 (a good stack).
        try (TestMachine m = machine("""
                lgdt gdtr(%rip)
                mov $0x20, %ax
                ltr %ax
                mov $0x4000001f, %rsp
                ud2
                gdtr: .word 0x2f
                .quad 0x500
                """)) {
            long tss = 0x3000;
            m.mem.writeLong(tss + 0x24, 0x70000); // IST1
            m.mem.writeLong(TestMachine.GDT + 0x20, 0x67 | (tss & 0xFF_FFFF) << 16 | 0x89L << 40 | ((tss >>> 24) & 0xFF) << 56);
            m.mem.writeLong(TestMachine.GDT + 0x28, tss >>> 32);
            m.gate(GuestFault.DF, HANDLER_ERROR);
            m.mem.writeLong(TestMachine.IDT + GuestFault.DF * 16, m.mem.readLong(TestMachine.IDT + GuestFault.DF * 16) | 1L << 32);
            CpuState s = run(m);
            assertThat(s.rip).isBetween(HANDLER_ERROR, HANDLER_ERROR + 64);
            assertThat(s.r[9]).as("#DF error code").isZero();
            assertThat(s.r[10]).as("CR2: the first push of the frame").isEqualTo(0x40000008L);
            assertThat(s.r[8]).as("saved RIP: the UD2 (after lgdt 7, mov 4, ltr 3, mov 7 bytes)").isEqualTo(CODE + 7 + 4 + 3 + 7);
            assertThat(s.r[11]).as("saved RSP").isEqualTo(0x4000001fL);
            assertThat(s.r[CpuState.RSP]).as("on the IST stack: 0x70000 minus a frame and the popped error code").isEqualTo(0x70000 - 40);
            assertThat(s.trSel).isEqualTo(0x20);
            assertThat(m.mem.readLong(TestMachine.GDT + 0x20) >>> 40 & 0xF).as("TSS marked busy").isEqualTo(0xB);
        }
    }
}
