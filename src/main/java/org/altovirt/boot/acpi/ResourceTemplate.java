package org.altovirt.boot.acpi;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code ResourceTemplate()}: the resource descriptors of a device's {@code _CRS} (ACPI 6.5,
 * 6.4), ended by an end tag, as one AML buffer. Only the descriptors a microVM's devices use.
 */
public final class ResourceTemplate {
    // Small descriptors: tag byte = type << 3 | length.
    static final int IRQ_NO_FLAGS = 0x22;
    static final int IO_PORT = 0x47;
    static final int END_TAG = 0x79;
    // Large descriptors: tag byte, then a 16-bit length.
    static final int MEMORY32_FIXED = 0x86;
    static final int EXTENDED_INTERRUPT = 0x89;

    /** Extended interrupt flags (6.4.3.6). */
    static final int CONSUMER = 0x01;
    static final int EDGE = 0x02;

    private final List<byte[]> descriptors = new ArrayList<>();

    /** {@code IO(Decode16, base, base, 0, length)}: a fixed range of I/O ports. */
    public ResourceTemplate ioPorts(int base, int length) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(IO_PORT);
        d.write(0x01); // decodes all 16 address bits
        Aml.littleEndian(d, base, 2);
        Aml.littleEndian(d, base, 2);
        d.write(0); // alignment: iasl writes 0 for a fixed range
        d.write(length);
        descriptors.add(d.toByteArray());
        return this;
    }

    /** {@code IRQNoFlags() { irq }}: an ISA interrupt, edge-triggered and active high. */
    public ResourceTemplate isaIrq(int irq) {
        if (irq < 0 || irq > 15) {
            throw new IllegalArgumentException("ISA IRQ " + irq + " is not between 0 and 15");
        }
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(IRQ_NO_FLAGS);
        Aml.littleEndian(d, 1L << irq, 2);
        descriptors.add(d.toByteArray());
        return this;
    }

    /** {@code Memory32Fixed(ReadWrite, base, length)}. */
    public ResourceTemplate memory32(long base, long length) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(MEMORY32_FIXED);
        Aml.littleEndian(d, 9, 2);
        d.write(0x01); // read-write
        Aml.littleEndian(d, base, 4);
        Aml.littleEndian(d, length, 4);
        descriptors.add(d.toByteArray());
        return this;
    }

    /** {@code Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) { gsi }}. */
    public ResourceTemplate edgeInterrupt(int gsi) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(EXTENDED_INTERRUPT);
        Aml.littleEndian(d, 6, 2);
        d.write(CONSUMER | EDGE);
        d.write(1); // one interrupt number follows
        Aml.littleEndian(d, gsi, 4);
        descriptors.add(d.toByteArray());
        return this;
    }

    /** The buffer: every descriptor, then the end tag with checksum 0 ("treat as valid"). */
    public Aml.Term toAml() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        descriptors.forEach(all::writeBytes);
        all.write(END_TAG);
        all.write(0);
        return Aml.buffer(all.toByteArray());
    }
}
