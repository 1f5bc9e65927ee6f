package org.altovirt.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.altovirt.memory.GuestMemory;

/**
 * The Intel MultiProcessor Specification 1.4 tables that tell a guest without ACPI about its
 * vCPUs and interrupt routing: a floating pointer structure ("_MP_") at 0x9FC00, the start of
 * the last KiB of base memory, which Linux scans, followed by the configuration table ("PCMP").
 * The table lists one processor per vCPU (local APIC id = index, vCPU 0 the bootstrap
 * processor), one ISA bus, one I/O APIC (id = number of vCPUs, at 0xFEC0_0000), the ISA IRQs
 * 0-23 wired to the same I/O APIC pins, and the local APICs' LINT0 (ExtINT) and LINT1 (NMI).
 * The area is reserved in the e820 map ({@link LinuxLoader#RESERVED_START}).
 *
 * <p>Checked against Debian's 6.1 kernel on KVM: it reports "found SMP MP-table at
 * 0x9fc00", both processors, and "IOAPIC[0]: apic_id 2, version 17, address 0xfec00000,
 * GSI 0-23" for two vCPUs. Kernels built without CONFIG_X86_MPPARSE ignore the table.
 */
public final class MpTable {
    /** Where the floating pointer goes; the configuration table follows it. */
    public static final long ADDRESS = LinuxLoader.RESERVED_START;
    /** The most vCPUs: APIC ids 0..N-1 and the I/O APIC's id N must stay below the broadcast 0xFF. */
    public static final int MAX_CPUS = 254;
    public static final long LOCAL_APIC_ADDRESS = 0xFEE0_0000L;
    public static final long IO_APIC_ADDRESS = 0xFEC0_0000L;
    /** The I/O APIC pins: KVM's in-kernel IOAPIC has 24. */
    public static final int IO_APIC_PINS = 24;

    static final int SPEC_REV = 4;
    static final int FLOATING_SIZE = 16;
    static final int HEADER_SIZE = 44;
    static final int PROCESSOR_SIZE = 20;
    static final int ENTRY_SIZE = 8;

    static final int PROCESSOR = 0;
    static final int BUS = 1;
    static final int IO_APIC = 2;
    static final int IO_INTERRUPT = 3;
    static final int LOCAL_INTERRUPT = 4;

    static final int CPU_ENABLED = 0x1;
    static final int CPU_BOOTSTRAP = 0x2;
    static final int INT = 0;
    static final int NMI = 1;
    static final int EXTINT = 3;
    static final int ISA_BUS_ID = 0;
    /** An integrated (xAPIC) local APIC, as KVM's reports. */
    static final int LOCAL_APIC_VERSION = 0x14;
    static final int IO_APIC_VERSION = 0x11;
    /** Family 6, and CPUID.1:EDX with FPU (bit 0) and APIC (bit 9): what every vCPU has. */
    static final int CPU_SIGNATURE = 0x600;
    static final int CPU_FEATURES = (1 << 0) | (1 << 9);
    /** All local APICs, as the destination of a local interrupt entry. */
    static final int ALL_LOCAL_APICS = 0xFF;

    private MpTable() {}

    /** The table's total size in bytes for {@code cpus} vCPUs, floating pointer included. */
    static int size(int cpus) {
        return FLOATING_SIZE + HEADER_SIZE + cpus * PROCESSOR_SIZE + ENTRY_SIZE * (2 + IO_APIC_PINS + 2);
    }

    /**
     * Writes the tables for {@code cpus} vCPUs at {@link #ADDRESS}.
     *
     * @throws IllegalArgumentException unless {@code 1 <= cpus <= }{@value #MAX_CPUS}
     * @throws BootException when guest RAM does not hold the table's place
     */
    public static void write(GuestMemory memory, int cpus) throws BootException {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException("MP table for " + cpus + " vCPUs: between 1 and " + MAX_CPUS + " are possible");
        }
        byte[] table = build(cpus);
        if (!memory.contains(ADDRESS, table.length)) {
            throw new BootException(String.format("guest RAM %s does not hold the MP table at [0x%x, 0x%x)",
                    memory, ADDRESS, ADDRESS + table.length));
        }
        memory.write(ADDRESS, table, 0, table.length);
    }

    static byte[] build(int cpus) {
        ByteBuffer b = ByteBuffer.allocate(size(cpus)).order(ByteOrder.LITTLE_ENDIAN);
        long config = ADDRESS + FLOATING_SIZE;

        // Floating pointer: length in 16-byte units; feature byte 1 = 0 (a configuration table
        // follows); IMCRP clear (virtual wire mode: no IMCR ports to poke).
        b.put(ascii("_MP_")).putInt((int) config).put((byte) 1).put((byte) SPEC_REV).put((byte) 0);
        b.put(new byte[5]);

        int header = b.position();
        int count = cpus + 1 + 1 + IO_APIC_PINS + 2;
        b.put(ascii("PCMP")).putShort((short) (size(cpus) - FLOATING_SIZE)).put((byte) SPEC_REV).put((byte) 0);
        b.put(ascii("ALTOVIRT")).put(ascii("MICROVM     "));
        b.putInt(0).putShort((short) 0); // no OEM table
        b.putShort((short) count).putInt((int) LOCAL_APIC_ADDRESS);
        b.putShort((short) 0).put((byte) 0).put((byte) 0); // no extended table

        for (int i = 0; i < cpus; i++) {
            int flags = CPU_ENABLED | (i == 0 ? CPU_BOOTSTRAP : 0);
            b.put((byte) PROCESSOR).put((byte) i).put((byte) LOCAL_APIC_VERSION).put((byte) flags);
            b.putInt(CPU_SIGNATURE).putInt(CPU_FEATURES).put(new byte[8]);
        }
        b.put((byte) BUS).put((byte) ISA_BUS_ID).put(ascii("ISA   "));
        int ioApicId = cpus;
        b.put((byte) IO_APIC).put((byte) ioApicId).put((byte) IO_APIC_VERSION).put((byte) 1 /* enabled */);
        b.putInt((int) IO_APIC_ADDRESS);
        // Flags 0: polarity and trigger conform to the bus (ISA: active high, edge).
        for (int irq = 0; irq < IO_APIC_PINS; irq++) {
            b.put((byte) IO_INTERRUPT).put((byte) INT).putShort((short) 0);
            b.put((byte) ISA_BUS_ID).put((byte) irq).put((byte) ioApicId).put((byte) irq);
        }
        b.put((byte) LOCAL_INTERRUPT).put((byte) EXTINT).putShort((short) 0);
        b.put((byte) ISA_BUS_ID).put((byte) 0).put((byte) ALL_LOCAL_APICS).put((byte) 0);
        b.put((byte) LOCAL_INTERRUPT).put((byte) NMI).putShort((short) 0);
        b.put((byte) ISA_BUS_ID).put((byte) 0).put((byte) ALL_LOCAL_APICS).put((byte) 1);

        byte[] out = b.array();
        out[header + 7] = checksum(out, header, out.length - header);
        out[10] = checksum(out, 0, FLOATING_SIZE);
        return out;
    }

    /** The byte that makes {@code [off, off+len)} sum to 0 mod 256 (the checksum byte itself is 0 here). */
    private static byte checksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = off; i < off + len; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
