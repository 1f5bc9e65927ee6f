package org.altovirt.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What the VM boots: {@code -kernel}, {@code -append} and {@code -initrd}, or the config file's
 * {@code boot-source}.
 *
 * @param kernel the kernel image, an existing readable regular file; null when not given (a VM
 *     restored with {@code -incoming} needs none)
 * @param cmdline the kernel command line; empty when not given, never null
 * @param initrd the initial RAM disk, an existing readable regular file; null when not given;
 *     only with a kernel
 */
public record BootSource(Path kernel, String cmdline, Path initrd) {
    public BootSource {
        Objects.requireNonNull(cmdline, "cmdline");
        if (initrd != null && kernel == null) {
            throw new IllegalArgumentException("an initrd needs a kernel");
        }
    }
}
