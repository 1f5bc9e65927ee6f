package org.altovirt.boot;

import org.altovirt.memory.GuestMemory;

/**
 * Loads a flat vmlinux.bin (objcopy -O binary of vmlinux): its first byte is startup_64, linked
 * to run at 16 MiB (CONFIG_PHYSICAL_START's default), so it goes there and is entered there.
 */
final class RawKernel {
    static final long LOAD_ADDRESS = 0x100_0000;

    private RawKernel() {}

    static LoadedKernel load(ImageFile file, GuestMemory memory) throws BootException {
        if (file.size() == 0) {
            throw file.error("file is empty");
        }
        LoadedKernel.requirePlacement(memory, file, "the kernel", LOAD_ADDRESS, file.size());
        file.copyTo(memory, LOAD_ADDRESS, 0, file.size(), "the kernel");
        return new LoadedKernel(BootImage.Format.RAW, LOAD_ADDRESS, LOAD_ADDRESS + file.size(), LOAD_ADDRESS,
                null, ElfKernel.INITRD_ADDR_MAX, ElfKernel.CMDLINE_SIZE);
    }
}
