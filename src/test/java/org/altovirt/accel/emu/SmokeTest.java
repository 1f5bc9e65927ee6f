package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void runsALoopAndHalts() {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed");
        byte[] code = TestMachine.assemble("""
                mov $10, %ecx
                xor %eax, %eax
            1:  add %rcx, %rax
                dec %ecx
                jnz 1b
                hlt
            """);
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(0x100000, code);
            EmuVcpu v = m.vcpu(0x100000, 0x80000);
            TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(10));
            assertThat(o.halted()).isTrue();
            assertThat(v.state().r[CpuState.RAX]).isEqualTo(55);
        }
    }
}
