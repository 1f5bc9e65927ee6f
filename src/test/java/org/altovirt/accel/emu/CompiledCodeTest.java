package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code as gcc -O2 -ffreestanding -mgeneral-regs-only builds it for a guest (the conformance
 * guest's flags) gives on the emu the results it gives on the host CPU: {@code workload.c}
 * (checksums, a sort, divisions, recursion, a jump table, REP MOVSB/STOSB memcpy/memset, memmove
 * backwards, 128-bit products, bit tricks, calls through pointers), linked at 0x300000 and called
 * from a {@code call; hlt} stub.
 */
class CompiledCodeTest {
    private static final long LOAD = 0x300000;
    private static final long STUB = 0x100000;
    private static final int RESULTS = 40;

    @TempDir
    Path dir;

    @Test
    void freestandingCBuiltWithGccComputesWhatTheHostComputes() throws IOException {
        assumeTrue(Toolchain.hasAll(), "gcc or binutils missing");
        try (InputStream in = CompiledCodeTest.class.getResourceAsStream("workload.c")) {
            Files.write(dir.resolve("workload.c"), in.readAllBytes());
        }
        Files.writeString(dir.resolve("link.ld"), """
                ENTRY(entry)
                SECTIONS {
                  . = 0x300000;
                  .text : { *(.text .text.*) }
                  .rodata : { *(.rodata .rodata.*) }
                  .data : { *(.data .data.*) }
                  .bss : { *(.bss .bss.*) *(COMMON) }
                  /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
                }
                """);
        Toolchain.run(dir, "gcc", "-O2", "-mgeneral-regs-only", "-ffreestanding", "-DNATIVE", "-o", "native", "workload.c");
        Toolchain.run(dir, "gcc", "-O2", "-ffreestanding", "-mgeneral-regs-only", "-fno-pic", "-fno-pie",
                "-fno-stack-protector", "-fcf-protection=branch", "-mno-red-zone", "-nostdlib", "-static", "-no-pie",
                "-Wl,-T,link.ld", "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments", "-o", "guest.elf", "workload.c");
        Toolchain.run(dir, "objcopy", "-O", "binary", "guest.elf", "guest.bin");
        Map<String, Long> sym = symbols(Toolchain.run(dir, "nm", "guest.elf"));

        List<Long> expected = new ArrayList<>();
        for (String line : Toolchain.run(dir, dir.resolve("native").toString()).trim().split("\n")) {
            expected.add(Long.parseUnsignedLong(line.trim(), 16));
        }

        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(LOAD, Files.readAllBytes(dir.resolve("guest.bin")));
            m.load(STUB, TestMachine.assemble("movabs $" + sym.get("entry") + ", %rax\ncall *%rax\nhlt"));
            EmuVcpu v = m.vcpu(STUB, 0x80000);
            long t0 = System.nanoTime();
            TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(60));
            long ns = System.nanoTime() - t0;
            assertThat(o.halted()).as("returned to the stub's HLT (exit %s)", o.exit()).isTrue();
            assertThat(v.state().rip).isEqualTo(STUB + 10 + 2 + 1);
            System.out.printf("CompiledCodeTest: %d guest instructions in %.1f ms%n", v.instructionsRetired(), ns / 1e6);
            List<Long> actual = new ArrayList<>();
            long results = sym.get("results");
            for (int i = 0; i < RESULTS; i++) {
                actual.add(m.mem.readLong(results + 8L * i));
            }
            assertThat(actual).as("results[] on the emu vs the host").isEqualTo(expected);
        }
    }

    private static Map<String, Long> symbols(String nm) {
        Map<String, Long> out = new java.util.HashMap<>();
        for (String line : nm.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                out.put(f[2], Long.parseLong(f[0], 16));
            }
        }
        return out;
    }
}
