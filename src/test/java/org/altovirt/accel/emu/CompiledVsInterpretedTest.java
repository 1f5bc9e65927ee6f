package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The block compiler against the interpreter: random programs of the forms the compiler handles
 * inline (and some it hands back), with branches inside, memory through r15, FS/GS and
 * RIP-relative operands, loads that fault now and then, and DIV. Each runs twice from the same
 * state - interpreted, and with every block compiled (or, in the loop variant, compiled after a
 * few turns, so blocks change from one to the other mid-run) - and must end the same: registers,
 * RIP, flags, memory, stack, instruction count. A failure prints the seed and the program.
 */
class CompiledVsInterpretedTest {
    private static final long CODE = 0x100000;
    private static final long DATA = 0x200000;
    private static final long STACK = 0x80000;
    private static final int PROGRAMS = Integer.getInteger("emu.programs", 150);
    private static final String[] R64 = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14"};
    private static final String[] R32 = {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d"};
    private static final String[] R16 = {"ax", "bx", "cx", "dx", "si", "di", "bp", "r8w"};
    private static final String[] R8 = {"al", "bl", "cl", "dl", "ah", "bh", "ch", "dh"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
    private static final String[] ALU = {"add", "sub", "and", "or", "xor", "cmp", "adc", "sbb"};
    private static final String[] SHIFT = {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr"};

    private Random rnd;

    @Test
    void straightLineProgramsCompiledFromTheirFirstEntry() {
        compare(false, 1);
    }

    @Test
    void loopsWhoseBlocksGetCompiledWhileTheyRun() {
        compare(true, 3);
    }

    private void compare(boolean loop, int threshold) {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed");
        long base = Long.getLong("emu.seed", System.nanoTime());
        System.out.println("CompiledVsInterpretedTest seed: " + base + " (rerun with -Demu.seed=" + base + ")");
        List<String> failures = new ArrayList<>();
        int compiled = 0;
        try (TestMachine m = new TestMachine(16 << 20)) {
            for (int p = 0; p < PROGRAMS && failures.size() < 5; p++) {
                long seed = base + p;
                String source = program(seed, loop);
                byte[] code = TestMachine.assemble(source);
                Outcome interpreted = run(m, code, seed, 0);
                Outcome jit = run(m, code, seed, threshold);
                compiled += jit.compiled;
                String diff = interpreted.differences(jit);
                if (!diff.isEmpty()) {
                    failures.add("seed " + seed + ":" + diff + "\n" + source);
                }
            }
        }
        assertThat(failures).as("programs where compiled code differs from the interpreter").isEmpty();
        assertThat(compiled).as("blocks compiled").isGreaterThan(PROGRAMS);
    }

    private record Outcome(long[] r, long rip, long flags, byte[] data, byte[] stack, long retired, int compiled) {
        String differences(Outcome o) {
            StringBuilder d = new StringBuilder();
            for (int k = 0; k < 16; k++) {
                if (r[k] != o.r[k]) {
                    d.append(String.format(" r%d interpreted 0x%x compiled 0x%x;", k, r[k], o.r[k]));
                }
            }
            if (rip != o.rip) {
                d.append(String.format(" rip 0x%x 0x%x;", rip, o.rip));
            }
            if ((flags & CpuState.ARITH) != (o.flags & CpuState.ARITH)) {
                d.append(String.format(" flags 0x%x 0x%x;", flags, o.flags));
            }
            if (!Arrays.equals(data, o.data)) {
                d.append(" memory differs;");
            }
            if (!Arrays.equals(stack, o.stack)) {
                d.append(" stack differs;");
            }
            if (retired != o.retired) {
                d.append(" instructions " + retired + " " + o.retired + ";");
            }
            return d.toString();
        }
    }

    private Outcome run(TestMachine m, byte[] code, long seed, int threshold) {
        m.mem.zero(0, 0x10000);
        m.writeBootTables();
        m.recordingHandlers();
        m.load(CODE, code);
        Random d = new Random(seed * 31 + 7);
        byte[] data = new byte[4096];
        d.nextBytes(data);
        m.load(DATA, data);
        m.mem.writeLong(DATA + 0x800, 5); // the loop variant's counter
        m.mem.zero(STACK - 0x1000, 0x2000);
        m.jitThreshold = threshold;
        EmuVcpu v = m.vcpuWithIdt(CODE, STACK);
        for (int i = 0; i < 15; i++) {
            if (i != CpuState.RSP) {
                v.state().r[i] = d.nextInt(3) == 0 ? d.nextLong() : d.nextInt(5) == 0 ? d.nextInt(4) : d.nextInt();
            }
        }
        v.state().r[15] = DATA;
        v.state().fsBase = DATA + 0x100;
        v.state().gsBase = DATA + 0x200;
        TestMachine.runToHalt(v, Duration.ofSeconds(20));
        byte[] mem = new byte[4096];
        m.mem.read(DATA, mem, 0, mem.length);
        byte[] stack = new byte[0x2000];
        m.mem.read(STACK - 0x1000, stack, 0, stack.length);
        return new Outcome(v.state().r.clone(), v.state().rip, v.state().rflags(), mem, stack, v.instructionsRetired(),
                v.compiledBlocks());
    }

    private String program(long seed, boolean loop) {
        rnd = new Random(seed);
        StringBuilder s = new StringBuilder(loop ? "top:\n" : "");
        int labels = 0;
        int n = 10 + rnd.nextInt(50);
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(8) == 0) {
                labels++;
                s.append("j").append(pick(CC)).append(' ').append(labels).append("f\n");
                for (int k = rnd.nextInt(4); k > 0; k--) {
                    s.append(instruction()).append('\n');
                }
                s.append(labels).append(":\n");
            } else {
                s.append(instruction()).append('\n');
            }
        }
        if (loop) {
            s.append("decq 0x800(%r15)\njnz top\n");
        }
        return s.append("hlt\n.p2align 4\nrdata: .quad 0x8123456789abcdef, 0x7fff00008000ffff\n").toString();
    }

    private String instruction() {
        boolean q = rnd.nextBoolean();
        String a = "%" + (q ? pick(R64) : pick(R32));
        String b = "%" + (q ? pick(R64) : pick(R32));
        String sfx = q ? "q" : "l";
        String mem = (rnd.nextInt(64) * 8) + "(%r15)";
        switch (rnd.nextInt(24)) {
            case 0: case 1: case 2: return pick(ALU) + sfx + " " + b + ", " + a;
            case 3: case 4: return pick(ALU) + sfx + " $" + imm() + ", " + a;
            case 5: return "test" + sfx + " " + b + ", " + a;
            case 6: return (rnd.nextBoolean() ? "inc" : "dec") + sfx + " " + a;
            case 7: case 8: return pick(SHIFT) + sfx + " $" + rnd.nextInt(70) + ", " + a;
            case 9: return "imul" + sfx + " " + b + ", " + a;
            case 10: return "imul" + sfx + " $" + imm() + ", " + b + ", " + a;
            case 11: return "movzbl %" + pick(R8) + ", %" + R32[rnd.nextInt(7)];
            case 12: return "movswq %" + pick(R16) + ", %" + pick(R64);
            case 13: return "cmov" + pick(CC) + sfx + " " + (rnd.nextBoolean() ? b : mem) + ", " + a;
            case 14: return "set" + pick(CC) + " %" + pick(R8);
            case 15: return "leaq " + (rnd.nextInt(200) - 100) + "(%" + pick(R64) + ",%" + pick(R64) + "," + (1 << rnd.nextInt(4)) + "), %" + pick(R64);
            case 16: return "mov" + sfx + " " + mem + ", " + a;
            case 17: return "mov" + sfx + " " + a + ", " + mem;
            case 18: return "pushq %" + pick(R64) + "\npopq %" + pick(R64);
            case 19: return "pushfq\npopq %" + pick(R64);
            case 20: {
                String d = R64[4 + rnd.nextInt(R64.length - 4)];
                return (rnd.nextInt(4) == 0 ? "" : "xorl %edx, %edx\n") + "orq $1, %" + d + "\ndivq %" + d;
            }
            case 21: return "test" + (rnd.nextBoolean() ? "b $" + rnd.nextInt(256) + ", %" + pick(R8) : sfx + " $" + imm() + ", " + a);
            case 22: {
                String[] forms = {"movzbl %fs:" + rnd.nextInt(256) + ", %" + pick(R32), "imul" + sfx + " %gs:" + (rnd.nextInt(32) * 8) + ", " + a,
                    "movzwl rdata+" + rnd.nextInt(8) + "(%rip), %" + pick(R32), "mov" + sfx + " " + (rnd.nextInt(32) * 8) + "(%r15d), " + a};
                return forms[rnd.nextInt(forms.length)];
            }
            default: return rnd.nextInt(10) == 0 ? "mov" + sfx + " 0x40000000(%r15), " + a : "nop"; // #PF now and then
        }
    }

    private long imm() {
        switch (rnd.nextInt(4)) {
            case 0: return rnd.nextInt(3) - 1;
            case 1: return rnd.nextInt(256) - 128;
            case 2: return 0x7FFFFFFF;
            default: return rnd.nextInt();
        }
    }

    private String pick(String[] options) {
        return options[rnd.nextInt(options.length)];
    }
}
