package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.altovirt.accel.VcpuExit;
import org.junit.jupiter.api.Test;

/**
 * Whatever the guest executes, no Java exception escapes and the emulator does not fail: random
 * bytes (and random bytes biased towards real opcodes and prefixes) run as code with recording
 * exception handlers, each until it halts, triple-faults or is kicked after a short while. A
 * {@code host-error} shutdown would mean the interpreter itself broke.
 */
class RandomCodeTest {
    private static final long CODE = 0x100000;
    private static final int PROGRAMS = Integer.getInteger("emu.programs", 500);

    @Test
    void randomCodeEndsInAHaltAKickOrATripleFault() throws Exception {
        assumeTrue(Toolchain.has("as"), "GNU as is not installed (the exception handlers are assembled)");
        long seed = Long.getLong("emu.seed", System.nanoTime());
        Random rnd = new Random(seed);
        byte[] common = {0x48, 0x4c, 0x66, 0x67, (byte) 0xf3, (byte) 0xf2, (byte) 0xf0, 0x64, 0x0f, (byte) 0x89,
            (byte) 0x8b, 0x01, 0x29, 0x31, 0x39, (byte) 0x85, (byte) 0xff, (byte) 0xf7, (byte) 0xd3, (byte) 0xc1,
            (byte) 0xe8, (byte) 0xc3, 0x74, 0x75, (byte) 0xeb, (byte) 0xcf, (byte) 0xcb, (byte) 0xa5, (byte) 0xab, 0x50, 0x58};
        ExecutorService pool = Executors.newSingleThreadExecutor();
        int halted = 0;
        int shutdown = 0;
        int kicked = 0;
        try (TestMachine m = new TestMachine(16 << 20)) {
            for (int p = 0; p < PROGRAMS; p++) {
                // fresh tables, IDT and handlers: the previous program may have scribbled on them
                m.mem.zero(0, 0x10000);
                m.writeBootTables();
                m.recordingHandlers();
                byte[] code = new byte[256];
                for (int i = 0; i < code.length; i++) {
                    code[i] = rnd.nextInt(3) == 0 ? common[rnd.nextInt(common.length)] : (byte) rnd.nextInt(256);
                }
                m.load(CODE, code);
                EmuVcpu v = m.vcpuWithIdt(CODE, 0x80000);
                // random registers, so memory operands land anywhere (mostly unmapped or device space)
                for (int r = 0; r < 16; r++) {
                    if (r != CpuState.RSP) {
                        v.state().r[r] = rnd.nextBoolean() ? rnd.nextLong() : rnd.nextInt(1 << 22);
                    }
                }
                Future<VcpuExit> run = pool.submit(v::run);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                while (!run.isDone() && !v.halted() && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(200_000);
                }
                boolean wasHalted = v.halted();
                v.kick();
                VcpuExit exit = run.get(10, TimeUnit.SECONDS);
                assertThat(exit)
                        .as("seed %d program %d (%s) ended at rip 0x%x", seed, p, Toolchain.hex(code), v.state().rip)
                        .isNotEqualTo(new VcpuExit.GuestShutdown("host-error"));
                if (exit instanceof VcpuExit.GuestShutdown) {
                    shutdown++;
                } else if (wasHalted) {
                    halted++;
                } else {
                    kicked++;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("RandomCodeTest seed %d: %d halted, %d triple faults, %d still running when kicked%n",
                seed, halted, shutdown, kicked);
        assertThat(halted + shutdown + kicked).isEqualTo(PROGRAMS);
    }
}
