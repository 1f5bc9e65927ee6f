package org.altovirt.accel.emu;

import java.time.Duration;

/**
 * Guest instructions per second on CPU-bound loops (not a test: run its main with the test class
 * path). {@code simple}: add/dec/jnz; {@code memory}: a loop that loads, adds and stores through
 * the TLB; {@code workload}: the compiled workload.c of {@link CompiledCodeTest} is not included here.
 */
public final class LoopBenchmark {
    private LoopBenchmark() {}

    private static String only;

    /** Arguments: iterations, and optionally the first word of one benchmark's name (each in its own JVM gives cleaner numbers). */
    public static void main(String[] args) {
        long iterations = args.length > 0 ? Long.parseLong(args[0]) : 200_000_000L;
        only = args.length > 1 ? args[1] : null;
        if ("steady-workload".equals(only)) {
            try {
                steadyWorkload((int) iterations);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        if ("steady".equals(only) || "steady-memory".equals(only)) {
            try {
                steady(only.equals("steady") ? "mov %rdi, %rcx\n1: add %rcx, %rax\ndec %rcx\njnz 1b\nhlt\n"
                        : "mov %rdi, %rcx\nmov $0x200000, %rbx\nxor %edx, %edx\n1: mov (%rbx,%rdx,8), %rax\n"
                        + "add %rcx, %rax\nmov %rax, (%rbx,%rdx,8)\ninc %edx\nand $1023, %edx\ndec %rcx\njnz 1b\nhlt\n",
                        (int) iterations);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        run("simple (add, dec, jnz)", """
                mov %rdi, %rcx
                xor %eax, %eax
                1: add %rcx, %rax
                dec %rcx
                jnz 1b
                hlt
                """, iterations, 3);
        run("simple (add, sub, jnz)", """
                mov %rdi, %rcx
                xor %eax, %eax
                1: add %rcx, %rax
                sub $1, %rcx
                jnz 1b
                hlt
                """, iterations, 3);
        run("unrolled (14 adds, dec, jnz)", """
                mov %rdi, %rcx
                xor %eax, %eax
                1:
                add %rcx, %r8
                add %rcx, %r9
                add %rcx, %r10
                add %rcx, %r11
                add %rcx, %r12
                add %rcx, %r13
                add %rcx, %r14
                add %rcx, %r15
                add %rcx, %r8
                add %rcx, %r9
                add %rcx, %r10
                add %rcx, %r11
                add %rcx, %r12
                add %rcx, %r13
                dec %rcx
                jnz 1b
                hlt
                """, iterations / 5, 16);
        run("memory (load, add, store, inc, cmp, jne)", """
                mov %rdi, %rcx
                mov $0x200000, %rbx
                xor %edx, %edx
                1: mov (%rbx,%rdx,8), %rax
                add %rcx, %rax
                mov %rax, (%rbx,%rdx,8)
                inc %edx
                and $1023, %edx
                dec %rcx
                jnz 1b
                hlt
                """, iterations / 2, 7);
    }

    /** One vCPU running a endless loop, sampled once a second: the steady-state rate without set-up or JIT warm-up. */
    static void steady(String asm, int seconds) throws Exception {
        try (TestMachine m = new TestMachine(64 << 20)) {
            m.load(0x100000, TestMachine.assemble(asm));
            EmuVcpu v = m.vcpu(0x100000, 0x80000);
            v.state().r[CpuState.RDI] = Long.MAX_VALUE;
            Thread t = new Thread(v::run);
            t.start();
            long last = 0;
            long lastT = System.nanoTime();
            for (int i = 0; i < seconds; i++) {
                Thread.sleep(1000);
                long n = v.instructionsRetired();
                long now = System.nanoTime();
                System.out.printf("second %d: %.1f M instructions/s%n", i, (n - last) / ((now - lastT) / 1e9) / 1e6);
                last = n;
                lastT = now;
            }
            v.kick();
            t.join();
        }
    }

    /** workload.c (see CompiledCodeTest), built with gcc as a guest and called in an endless loop. */
    static void steadyWorkload(int seconds) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("emu-bench");
        try (java.io.InputStream in = LoopBenchmark.class.getResourceAsStream("workload.c")) {
            java.nio.file.Files.write(dir.resolve("workload.c"), in.readAllBytes());
        }
        java.nio.file.Files.writeString(dir.resolve("link.ld"), "ENTRY(entry)\nSECTIONS {\n . = 0x300000;\n"
                + " .text : { *(.text .text.*) }\n .rodata : { *(.rodata .rodata.*) }\n .data : { *(.data .data.*) }\n"
                + " .bss : { *(.bss .bss.*) *(COMMON) }\n /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }\n}\n");
        Toolchain.run(dir, "gcc", "-O2", "-ffreestanding", "-mgeneral-regs-only", "-fno-pic", "-fno-pie",
                "-fno-stack-protector", "-mno-red-zone", "-nostdlib", "-static", "-no-pie",
                "-Wl,-T,link.ld", "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments", "-o", "guest.elf", "workload.c");
        Toolchain.run(dir, "objcopy", "-O", "binary", "guest.elf", "guest.bin");
        long entry = 0;
        for (String line : Toolchain.run(dir, "nm", "guest.elf").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].equals("entry")) {
                entry = Long.parseLong(f[0], 16);
            }
        }
        try (TestMachine m = new TestMachine(64 << 20)) {
            m.load(0x300000, java.nio.file.Files.readAllBytes(dir.resolve("guest.bin")));
            m.load(0x100000, TestMachine.assemble("movabs $" + entry + ", %rbx\n1: call *%rbx\njmp 1b"));
            EmuVcpu v = m.vcpu(0x100000, 0x80000);
            Thread t = new Thread(v::run);
            t.start();
            long last = 0;
            long lastT = System.nanoTime();
            for (int i = 0; i < seconds; i++) {
                Thread.sleep(1000);
                long n = v.instructionsRetired();
                long now = System.nanoTime();
                System.out.printf("workload second %d: %.1f M instructions/s%n", i, (n - last) / ((now - lastT) / 1e9) / 1e6);
                last = n;
                lastT = now;
            }
            v.kick();
            t.join();
        }
        Toolchain.deleteTree(dir);
    }

    private static void run(String name, String asm, long iterations, int perIteration) {
        if (only != null && !name.startsWith(only)) {
            return;
        }
        for (int round = 0; round < Integer.getInteger("rounds", 3); round++) {
            try (TestMachine m = new TestMachine(64 << 20)) {
                m.load(0x100000, TestMachine.assemble(asm));
                EmuVcpu v = m.vcpu(0x100000, 0x80000);
                v.state().r[CpuState.RDI] = iterations;
                long t0 = System.nanoTime();
                TestMachine.runToHalt(v, Duration.ofMinutes(10));
                double s = (System.nanoTime() - t0) / 1e9;
                long n = v.instructionsRetired();
                System.out.printf("%-45s round %d: %,d instructions in %.2f s = %.1f M instructions/s%n",
                        name, round, n, s, n / s / 1e6);
            }
        }
    }
}
