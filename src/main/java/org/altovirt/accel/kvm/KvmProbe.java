package org.altovirt.accel.kvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;

/**
 * The one answer to "is KVM usable here?", for the launcher's automatic choice, for every test
 * that needs KVM and for {@code ci/nested-kvm} (through {@link #main}). It never creates
 * anything: the device is opened without {@code O_CREAT}, after checking that it is a character
 * device, and must answer {@code KVM_GET_API_VERSION} with 12 (docs/kvm.md).
 *
 * <p>The device is {@code /dev/kvm} unless the environment variable {@value #DEVICE_VARIABLE}
 * names another path. That variable exists for one purpose: to hide KVM from altovirt and its
 * tests on a machine that has it ({@code ALTOVIRT_KVM_DEVICE=/nonexistent ci/test}), so that
 * the suite can be shown green on a machine without KVM.
 */
public final class KvmProbe {
    /** The environment variable that overrides {@link Kvm#DEVICE}. */
    public static final String DEVICE_VARIABLE = "ALTOVIRT_KVM_DEVICE";

    /** st_mode's file-type bits, and the type of a character device (sys/stat.h). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;

    /** What the probe found: usable when {@code problem} is null, else why not. */
    public record Result(Path device, String problem) {
        public boolean usable() {
            return problem == null;
        }

        @Override
        public String toString() {
            return usable() ? device + " is usable" : device + ": " + problem;
        }
    }

    private KvmProbe() {}

    /** Where KVM is looked for: {@value #DEVICE_VARIABLE} when set and not empty, else /dev/kvm. */
    public static Path device() {
        String override = System.getenv(DEVICE_VARIABLE);
        return Path.of(override == null || override.isEmpty() ? Kvm.DEVICE : override);
    }

    /** Probes {@link #device()}. */
    public static Result probe() {
        return probe(device());
    }

    /** Probes {@code device}: character device, opens read-write, API version 12. */
    public static Result probe(Path device) {
        return new Result(device, problem(device));
    }

    private static String problem(Path device) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(device, "unix:mode");
        } catch (NoSuchFileException e) {
            return "no such device (is the kvm module loaded? -accel emu runs without it)";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "cannot read its attributes (" + e.getMessage() + ")";
        }
        if ((mode & S_IFMT) != S_IFCHR) {
            return "not a character device, so not KVM";
        }
        // O_RDWR without O_CREAT: a path that vanished since the check stays absent.
        int fd = LibC.get().open(device.toString(), LibC.O_RDWR | LibC.O_CLOEXEC | LibC.O_NOCTTY, 0);
        if (fd < 0) {
            return new NativeException("cannot open it", Native.errno()).getMessage();
        }
        try {
            int version = LibC.get().ioctl(fd, KvmAbi.KVM_GET_API_VERSION, 0L);
            if (version < 0) {
                return new NativeException("KVM_GET_API_VERSION", Native.errno()).getMessage() + ", so not KVM";
            }
            if (version != KvmAbi.KVM_API_VERSION) {
                return "KVM API version " + version + "; altovirt needs " + KvmAbi.KVM_API_VERSION;
            }
            return null;
        } finally {
            LibC.get().close(fd);
        }
    }

    /**
     * For scripts ({@code ci/nested-kvm}): probes {@link #device()}, prints the result on one
     * line and exits 0 when KVM is usable, 1 when not.
     */
    public static void main(String[] args) {
        Result result = probe();
        System.out.println(result);
        System.exit(result.usable() ? 0 : 1);
    }
}
