package org.altovirt.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Synthetic kernel images with real-looking headers, built byte by byte from the protocols. */
final class TestImages {
    static final int SETUP_SECTS = 4;
    static final int SETUP_BYTES = (SETUP_SECTS + 1) * 512;
    /** The jump at 0x200 skips 0x6A bytes: the header ends at 0x26C, as in a 2.15 kernel. */
    static final int HEADER_END = 0x26C;
    static final long PREF_ADDRESS = 0x100_0000;
    static final long INIT_SIZE = 0x80_0000;

    private TestImages() {}

    /** A bzImage's setup header, editable before {@link #bzImage(ByteBuffer, byte[])}. */
    static ByteBuffer setup() {
        ByteBuffer b = ByteBuffer.allocate(SETUP_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) SETUP_SECTS);
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB).put(0x201, (byte) (HEADER_END - 0x202));
        b.putInt(0x202, 0x5372_6448); // "HdrS"
        b.putShort(0x206, (short) 0x020F);
        b.put(0x211, (byte) 0x01); // LOADED_HIGH
        b.putInt(0x22C, 0x7FFF_FFFF); // initrd_addr_max
        b.putInt(0x230, 0x20_0000); // kernel_alignment
        b.put(0x234, (byte) 1); // relocatable_kernel
        b.putShort(0x236, (short) 0x7F); // xloadflags: KERNEL_64 and friends
        b.putInt(0x238, 2047); // cmdline_size
        b.putLong(0x258, PREF_ADDRESS);
        b.putInt(0x260, (int) INIT_SIZE);
        // Setup code right after the header: must not end up in boot_params.
        b.put(HEADER_END, (byte) 0xFA);
        return b;
    }

    static byte[] pattern(int length, int seed) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (i * 31 + seed + (i >> 8));
        }
        return out;
    }

    /** {@code setup} followed by {@code kernel}, with syssize set to the kernel's length. */
    static byte[] bzImage(ByteBuffer setup, byte[] kernel) {
        setup.putInt(0x1F4, (kernel.length + 15) / 16);
        byte[] out = new byte[SETUP_BYTES + kernel.length];
        System.arraycopy(setup.array(), 0, out, 0, SETUP_BYTES);
        System.arraycopy(kernel, 0, out, SETUP_BYTES, kernel.length);
        return out;
    }

    /** One program header: type, offset, vaddr, paddr, filesz, memsz. */
    record Phdr(int type, long offset, long vaddr, long paddr, long filesz, long memsz) {}

    /** An ELF64 header for x86-64 ET_EXEC, program headers right after it at 0x40. */
    static ByteBuffer elf(long entry, Phdr... phdrs) {
        int size = 0x40 + 56 * phdrs.length;
        for (Phdr p : phdrs) {
            size = (int) Math.max(size, p.offset() + p.filesz());
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464C_457F).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putShort(0x10, (short) 2).putShort(0x12, (short) 62).putInt(0x14, 1);
        b.putLong(0x18, entry).putLong(0x20, 0x40);
        b.putShort(0x34, (short) 0x40).putShort(0x36, (short) 56).putShort(0x38, (short) phdrs.length);
        for (int i = 0; i < phdrs.length; i++) {
            Phdr p = phdrs[i];
            int at = 0x40 + 56 * i;
            b.putInt(at, p.type()).putInt(at + 4, 5).putLong(at + 8, p.offset())
                    .putLong(at + 0x10, p.vaddr()).putLong(at + 0x18, p.paddr())
                    .putLong(at + 0x20, p.filesz()).putLong(at + 0x28, p.memsz()).putLong(at + 0x30, 0x20_0000);
            byte[] body = pattern((int) p.filesz(), i + 1);
            b.put((int) p.offset(), body);
        }
        return b;
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }
}
