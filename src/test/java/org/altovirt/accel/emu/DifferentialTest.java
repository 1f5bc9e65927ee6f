package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs thousands of random instruction cases ({@link CaseGenerator}) on the host CPU and on the emu
 * and compares the registers, the flags the SDM defines, and the scratch memory they touched.
 *
 * <p>Each batch is one assembled image: a results area, scratch memory, then per case a prologue
 * (scratch contents, RFLAGS through POPF, every register but RSP), the instructions under test, and
 * an epilogue storing RFLAGS, the registers and scratch RIP-relative into the results. A small C
 * harness (gcc, built at test time) maps the image executable, calls it, and writes the image back
 * with its load address; the emu runs the same bytes from guest RAM behind a {@code call; hlt}
 * stub. The seed is printed and can be fixed with {@code -Demu.seed=N}; a failure names the case,
 * its bytes and the values that differ.
 */
class DifferentialTest {
    private static final int CASES_PER_BATCH = 1500;
    private static final int BATCHES = 4;
    /** Per case: 16 registers, RFLAGS, 16 qwords of scratch. */
    private static final int STRIDE = 8 * (16 + 1 + DiffCase.SCRATCH_QWORDS);
    private static final long IMAGE = 0x200000;
    private static final long STUB = 0x100000;

    @TempDir
    static Path dir;
    private static Path harness;

    private static final String HARNESS_C = """
            #include <stdint.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/mman.h>

            /* Maps the image read from argv[1] read-write-execute, calls its first byte, and
               writes its load address and then the image (with the results) to argv[2]. */
            int main(int argc, char **argv) {
                if (argc != 3) return 2;
                FILE *in = fopen(argv[1], "rb");
                if (!in) { perror(argv[1]); return 3; }
                fseek(in, 0, SEEK_END);
                long n = ftell(in);
                fseek(in, 0, SEEK_SET);
                size_t len = ((size_t) n + 4095) & ~(size_t) 4095;
                unsigned char *p = mmap(0, len, PROT_READ | PROT_WRITE | PROT_EXEC,
                                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) { perror("mmap"); return 4; }
                if (fread(p, 1, (size_t) n, in) != (size_t) n) { perror("fread"); return 5; }
                fclose(in);
                ((void (*)(void)) p)();
                FILE *out = fopen(argv[2], "wb");
                if (!out) { perror(argv[2]); return 6; }
                uint64_t base = (uint64_t) (uintptr_t) p;
                fwrite(&base, 8, 1, out);
                fwrite(p, 1, (size_t) n, out);
                return fclose(out) == 0 ? 0 : 7;
            }
            """;

    @BeforeAll
    static void buildHarness() throws IOException {
        assumeTrue(Toolchain.hasAll(), "gcc, as, objcopy or nm is missing: differential tests skipped");
        assumeTrue("amd64".equals(System.getProperty("os.arch")) || "x86_64".equals(System.getProperty("os.arch")),
                "the host is not x86-64");
        String keep = System.getProperty("emu.diffdir");
        if (keep != null) { // keep the images for a look with gdb/objdump
            dir = Files.createDirectories(Path.of(keep));
        }
        Files.writeString(dir.resolve("harness.c"), HARNESS_C);
        Toolchain.run(dir, "gcc", "-O2", "-o", "harness", "harness.c");
        harness = dir.resolve("harness");
    }

    @Test
    void randomCasesMatchTheHostCpu() throws IOException {
        long seed = Long.getLong("emu.seed", System.nanoTime());
        System.out.println("DifferentialTest seed: " + seed + " (rerun with -Demu.seed=" + seed + ")");
        CaseGenerator gen = new CaseGenerator(seed);
        List<String> failures = new ArrayList<>();
        int total = 0;
        for (int b = 0; b < BATCHES && failures.size() < 20; b++) {
            List<DiffCase> cases = gen.generate(CASES_PER_BATCH);
            failures.addAll(runBatch("batch" + b, cases, seed));
            total += cases.size();
        }
        System.out.println("DifferentialTest: " + total + " cases, " + failures.size() + " mismatches");
        assertThat(failures).as("cases where the emu differs from the host CPU (seed " + seed + ")").isEmpty();
    }

    private List<String> runBatch(String name, List<DiffCase> cases, long seed) throws IOException {
        Toolchain.Image image = Toolchain.assembleImage(dir, name, source(cases));
        Map<String, Long> sym = image.symbols();
        Path bin = dir.resolve(name + ".bin");
        Path out = dir.resolve(name + ".out");
        Toolchain.run(dir, harness.toString(), bin.toString(), out.toString());
        byte[] nativeOut = Files.readAllBytes(out);
        ByteBuffer host = ByteBuffer.wrap(nativeOut, 8, nativeOut.length - 8).slice().order(ByteOrder.LITTLE_ENDIAN);
        long hostBase = ByteBuffer.wrap(nativeOut, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();

        byte[] emuImage = runOnEmu(image.text());
        ByteBuffer emu = ByteBuffer.wrap(emuImage).order(ByteOrder.LITTLE_ENDIAN);

        long results = sym.get("results");
        long savedRsp = sym.get("saved_rsp");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            DiffCase c = cases.get(i);
            int at = (int) (results + (long) i * STRIDE);
            List<String> diffs = new ArrayList<>();
            for (int r = 0; r < 16; r++) {
                if ((c.ignoredRegs & (1 << r)) != 0) {
                    continue;
                }
                long h = host.getLong(at + 8 * r);
                long e = emu.getLong(at + 8 * r);
                if (r == CpuState.RSP) {
                    h -= host.getLong((int) savedRsp);
                    e -= emu.getLong((int) savedRsp);
                } else if ((c.addressRegs & (1 << r)) != 0) {
                    h -= hostBase;
                    e -= IMAGE;
                }
                if (h != e) {
                    diffs.add(String.format("%s host 0x%x emu 0x%x", CaseGenerator.R64[r], h, e));
                }
            }
            long hf = host.getLong(at + 128) & c.flagMask;
            long ef = emu.getLong(at + 128) & c.flagMask;
            if (hf != ef) {
                diffs.add(String.format("rflags&0x%x host 0x%x emu 0x%x", c.flagMask, hf, ef));
            }
            if (c.scratch != null) {
                for (int q = 0; q < DiffCase.SCRATCH_QWORDS; q++) {
                    long h = host.getLong(at + 136 + 8 * q);
                    long e = emu.getLong(at + 136 + 8 * q);
                    if (h != e) {
                        diffs.add(String.format("scratch[%d] host 0x%x emu 0x%x", q, h, e));
                    }
                }
            }
            if (!diffs.isEmpty()) {
                int from = sym.get("t" + i + "s").intValue();
                int to = sym.get("t" + i + "e").intValue();
                failures.add(String.format("seed %d %s case %d: %s%n    bytes %s%n    %s", seed, name, i, c,
                        Toolchain.hex(image.text(), from, to), String.join("; ", diffs)));
            }
        }
        return failures;
    }

    private static byte[] runOnEmu(byte[] text) {
        try (TestMachine m = new TestMachine(16 << 20)) {
            m.load(IMAGE, text);
            long rel = IMAGE - (STUB + 5);
            m.load(STUB, new byte[] {(byte) 0xE8, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24), (byte) 0xF4});
            EmuVcpu v = m.vcpu(STUB, 0x1F0000);
            TestMachine.Outcome o = TestMachine.runToHalt(v, Duration.ofSeconds(60));
            assertThat(o.halted()).as("emu halted after the image returned (exit %s, rip 0x%x)", o.exit(), v.state().rip).isTrue();
            assertThat(v.state().rip).as("halted on the stub's HLT").isEqualTo(STUB + 6);
            byte[] out = new byte[text.length];
            m.mem.read(IMAGE, out, 0, out.length);
            return out;
        }
    }

    private static String source(List<DiffCase> cases) {
        StringBuilder s = new StringBuilder(cases.size() * 700);
        s.append(".text\n.globl blob\nblob: jmp entry\n.balign 64\n");
        s.append("results: .skip ").append((long) cases.size() * STRIDE).append('\n');
        s.append(".balign 64\nscratch: .skip ").append(8 * DiffCase.SCRATCH_QWORDS).append('\n');
        s.append("saved_rsp: .quad 0\n.balign 64\n");
        s.append("entry:\npush %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n");
        s.append("mov %rsp, saved_rsp(%rip)\n");
        for (int i = 0; i < cases.size(); i++) {
            DiffCase c = cases.get(i);
            long res = (long) i * STRIDE;
            if (c.scratch != null) {
                for (int q = 0; q < c.scratch.length; q++) {
                    s.append("movabs $").append(c.scratch[q]).append(", %rax\nmov %rax, scratch+").append(8 * q).append("(%rip)\n");
                }
            }
            s.append("pushq $0x").append(Long.toHexString(c.flags)).append("\npopfq\n");
            for (int r = 0; r < 16; r++) {
                if (r == CpuState.RSP) {
                    continue;
                }
                if ((c.addressRegs & (1 << r)) != 0) {
                    s.append("lea scratch+").append(c.addressInit[r]).append("(%rip), %").append(CaseGenerator.R64[r]).append('\n');
                } else {
                    s.append("movabs $").append(c.regs[r]).append(", %").append(CaseGenerator.R64[r]).append('\n');
                }
            }
            s.append("t").append(i).append("s:\n").append(c.text).append("\nt").append(i).append("e:\n");
            s.append("pushfq\npopq results+").append(res + 128).append("(%rip)\n");
            for (int r = 0; r < 16; r++) {
                s.append("mov %").append(CaseGenerator.R64[r]).append(", results+").append(res + 8 * r).append("(%rip)\n");
            }
            if (c.scratch != null) {
                for (int q = 0; q < c.scratch.length; q++) {
                    s.append("mov scratch+").append(8 * q).append("(%rip), %rax\nmov %rax, results+")
                            .append(res + 136 + 8 * q).append("(%rip)\n");
                }
            }
            s.append("cld\n");
        }
        s.append("mov saved_rsp(%rip), %rsp\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");
        return s.toString();
    }
}
