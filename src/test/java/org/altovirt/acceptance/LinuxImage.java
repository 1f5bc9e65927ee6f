package org.altovirt.acceptance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Linux guest of guest-images/linux: Debian's cloud kernel, an initramfs with busybox and the
 * virtio modules, and an ext4 root image. Its build script makes them from Debian's packages, or
 * finds them in its cache; this runs it once per JVM and keeps the three paths.
 */
final class LinuxImage {
    static final Path BUILD = Path.of(System.getProperty("user.dir"), "guest-images", "linux", "build");
    private static LinuxImage image;

    final Path kernel;
    final Path initrd;
    final Path rootfs;

    private LinuxImage(Path kernel, Path initrd, Path rootfs) {
        this.kernel = kernel;
        this.initrd = initrd;
        this.rootfs = rootfs;
    }

    /** The image, built on first use (minutes the first time on a machine, then from the cache). */
    static synchronized LinuxImage get() throws IOException, InterruptedException {
        if (image == null) {
            image = build();
        }
        return image;
    }

    private static LinuxImage build() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", BUILD.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(BUILD + " failed (see its messages above); it printed: " + out);
        }
        Map<String, Path> paths = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                paths.put(line.substring(0, eq), Path.of(line.substring(eq + 1).strip()));
            }
        }
        if (!paths.keySet().containsAll(java.util.List.of("kernel", "initrd", "rootfs"))) {
            throw new AssertionError(BUILD + " did not print kernel=, initrd= and rootfs=: " + out);
        }
        return new LinuxImage(paths.get("kernel"), paths.get("initrd"), paths.get("rootfs"));
    }
}
