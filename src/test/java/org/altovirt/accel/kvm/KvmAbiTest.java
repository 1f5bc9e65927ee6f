package org.altovirt.accel.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.altovirt.sys.LibC;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every ioctl number, constant, struct size and field offset that the Java side uses, checked
 * against the C headers: a C program built with gcc at test time prints what the headers say.
 * Constants are found by reflection, so a new one is checked without touching this test.
 */
class KvmAbiTest {
    private static final Path KVM_HEADER = Path.of("/usr/include/linux/kvm.h");

    /** Constants outside KvmAbi/KvmStructs that this package relies on, with their C names. */
    private static final Map<String, String> OTHERS = new LinkedHashMap<>();

    static {
        OTHERS.put("LibC.SYS_GETTID", "SYS_gettid");
        OTHERS.put("LibC.SYS_TGKILL", "SYS_tgkill");
        OTHERS.put("LibC.O_RDWR", "O_RDWR");
        OTHERS.put("LibC.O_CLOEXEC", "O_CLOEXEC");
        OTHERS.put("LibC.EFD_CLOEXEC", "EFD_CLOEXEC");
        OTHERS.put("LibC.EFD_NONBLOCK", "EFD_NONBLOCK");
        OTHERS.put("LibC.PROT_READ", "PROT_READ");
        OTHERS.put("LibC.PROT_WRITE", "PROT_WRITE");
        OTHERS.put("LibC.MAP_SHARED", "MAP_SHARED");
        OTHERS.put("LibC.MAP_FAILED", "MAP_FAILED");
        OTHERS.put("KickSignal.SIGNAL", "SIGRTMIN + 6");
        OTHERS.put("KickSignal.ESRCH", "ESRCH");
        OTHERS.put("KvmVcpu.EINTR", "EINTR");
        OTHERS.put("KvmVcpu.EAGAIN", "EAGAIN");
        OTHERS.put("Kvm.ENOENT", "ENOENT");
        OTHERS.put("Kvm.ENXIO", "ENXIO");
        OTHERS.put("Kvm.EACCES", "EACCES");
        OTHERS.put("Kvm.ENODEV", "ENODEV");
        OTHERS.put("Kvm.E2BIG", "E2BIG");
        OTHERS.put("Tap.TUNSETIFF", "TUNSETIFF");
        OTHERS.put("Tap.IFF_TAP", "IFF_TAP");
        OTHERS.put("Tap.IFF_NO_PI", "IFF_NO_PI");
        OTHERS.put("Tap.IFNAMSIZ", "IFNAMSIZ");
        OTHERS.put("Tap.IFREQ_SIZE", "sizeof(struct ifreq)");
        OTHERS.put("Tap.IFREQ_FLAGS", "offsetof(struct ifreq, ifr_flags)");
        OTHERS.put("Tap.POLLIN", "POLLIN");
        OTHERS.put("Tap.POLLERR", "POLLERR");
        OTHERS.put("Tap.POLLHUP", "POLLHUP");
        OTHERS.put("Tap.POLLNVAL", "POLLNVAL");
    }

    private static final Map<String, Class<?>> OTHER_CLASSES = Map.of(
            "LibC", LibC.class, "KickSignal", KickSignal.class, "KvmVcpu", KvmVcpu.class, "Kvm", Kvm.class,
            "Tap", org.altovirt.devices.net.Tap.class);

    /** A Java constant, the C expression it must equal, and its value. */
    record Constant(String javaName, String cExpression, long value) {}

    @Test
    void everyConstantMatchesTheKernelAndLibcHeaders(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isReadable(KVM_HEADER), KVM_HEADER + " is missing (package linux-libc-dev)");
        List<Constant> constants = constants();
        Path source = dir.resolve("abi.c");
        Files.writeString(source, program(constants));
        Path binary = dir.resolve("abi");

        Result gcc = run(dir, "gcc", "-Wall", "-o", binary.toString(), source.toString());
        assertThat(gcc.status).as("gcc says:\n%s", gcc.output).isZero();
        Result abi = run(dir, binary.toString());
        assertThat(abi.status).as(abi.output).isZero();

        Map<String, String> printed = new LinkedHashMap<>();
        for (String line : abi.output.split("\n")) {
            String[] parts = line.split(" ");
            printed.put(parts[0], parts[1]);
        }
        SoftAssertions soft = new SoftAssertions();
        for (Constant c : constants) {
            soft.assertThat(Long.toUnsignedString(c.value)).as("%s, which C calls %s", c.javaName, c.cExpression)
                    .isEqualTo(printed.get(c.javaName));
        }
        soft.assertAll();
        // Nothing was passed over: every struct class and the ioctl numbers are in the list.
        assertThat(constants).extracting(Constant::javaName).contains(
                "KvmAbi.KVM_RUN", "KvmAbi.KVM_SET_CPUID2", "Run.IO_DATA_OFFSET", "Run.MMIO_IS_WRITE",
                "Sregs.EFER", "Segment.UNUSABLE", "Cpuid2.ENTRY_EDX", "Sigaction.FLAGS", "LibC.SYS_TGKILL");
    }

    private static List<Constant> constants() throws IllegalAccessException {
        List<Constant> out = new ArrayList<>();
        addFields(out, KvmAbi.class);
        for (Class<?> struct : KvmStructs.class.getDeclaredClasses()) {
            addFields(out, struct);
        }
        for (Map.Entry<String, String> e : OTHERS.entrySet()) {
            String[] name = e.getKey().split("\\.");
            Field f;
            try {
                f = OTHER_CLASSES.get(name[0]).getDeclaredField(name[1]);
            } catch (NoSuchFieldException ex) {
                throw new AssertionError(e.getKey() + " is gone: update this test", ex);
            }
            f.setAccessible(true);
            out.add(new Constant(e.getKey(), e.getValue(), ((Number) f.get(null)).longValue()));
        }
        return out;
    }

    private static void addFields(List<Constant> out, Class<?> owner) throws IllegalAccessException {
        for (Field f : owner.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || f.isSynthetic()
                    || (f.getType() != int.class && f.getType() != long.class)) {
                continue;
            }
            f.setAccessible(true);
            CName c = f.getAnnotation(CName.class);
            out.add(new Constant(owner.getSimpleName() + "." + f.getName(), c == null ? f.getName() : c.value(),
                    ((Number) f.get(null)).longValue()));
        }
    }

    private static String program(List<Constant> constants) {
        StringBuilder c = new StringBuilder("""
                #define _GNU_SOURCE
                #include <errno.h>
                #include <fcntl.h>
                #include <net/if.h>
                #include <poll.h>
                #include <linux/if_tun.h>
                #include <signal.h>
                #include <stddef.h>
                #include <stdio.h>
                #include <sys/eventfd.h>
                #include <sys/mman.h>
                #include <sys/syscall.h>
                #include <linux/kvm.h>

                int main(void) {
                """);
        for (Constant k : constants) {
            c.append("    printf(\"%s %llu\\n\", \"").append(k.javaName).append("\", (unsigned long long) (")
                    .append(k.cExpression).append("));\n");
        }
        return c.append("    return 0;\n}\n").toString();
    }

    private record Result(int status, String output) {}

    private static Result run(Path dir, String... command) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort(command[0] + " cannot be run here: " + e.getMessage());
            throw new AssertionError(e);
        }
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("reading " + command[0] + "'s output", e);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(command[0] + " finished").isTrue();
        return new Result(p.exitValue(), output);
    }
}
