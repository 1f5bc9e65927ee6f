package org.altovirt.boot.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.boot.BootException;
import org.altovirt.memory.GuestMemory;

/**
 * The ACPI tables that describe the microvm to a guest kernel (ACPI 6.5, chapter 5; the layout is
 * in docs/acpi.md): RSDP, XSDT, a hardware-reduced FADT, MADT and DSDT, written together from
 * {@link #ADDRESS} in the reserved area below 1 MiB, where a kernel that does not get the RSDP's
 * address in boot_params finds it by scanning 0xE0000-0xFFFFF.
 *
 * <p>Hardware-reduced ACPI (as QEMU's microvm and Firecracker use): no PM timer, no GPE blocks,
 * no SCI; sleep and reset go through the FADT's sleep control/status and reset registers, and the
 * power button is a {@code PNP0C0C} device notified by a Generic Event Device ({@code ACPI0013})
 * whose interrupt the VMM raises for {@code system_powerdown}.
 */
public final class AcpiTables {
    /** Where the RSDP goes; the other tables follow it. */
    public static final long ADDRESS = 0xE_0000;
    /** The end of the area the tables may use (the BIOS area ends at 1 MiB). */
    static final long LIMIT = 0x10_0000;

    static final String OEM_ID = "ALTVRT";
    static final String OEM_TABLE_ID = "MICROVM";
    static final String CREATOR_ID = "ALTV";
    static final int HEADER_SIZE = 36;
    static final int RSDP_SIZE = 36;

    /** FADT revision 6 (ACPI 6.0 and later): 276 bytes, with the sleep registers. */
    static final int FADT_REVISION = 6;
    static final int FADT_SIZE = 276;
    static final int FADT_DSDT = 40;
    static final int FADT_IAPC_BOOT_ARCH = 109;
    static final int FADT_FLAGS = 112;
    static final int FADT_RESET_REG = 116;
    static final int FADT_RESET_VALUE = 128;
    static final int FADT_MINOR_VERSION = 131;
    static final int FADT_X_DSDT = 140;
    static final int FADT_SLEEP_CONTROL = 244;
    static final int FADT_SLEEP_STATUS = 256;
    static final int FADT_HYPERVISOR_VENDOR = 268;
    static final int FLAG_RESET_REG_SUP = 1 << 10;
    static final int FLAG_HW_REDUCED_ACPI = 1 << 20;
    /** IA-PC boot architecture flags: no VGA (bit 2), no CMOS RTC (bit 5); no 8042 announced. */
    static final int BOOT_ARCH_NO_VGA = 1 << 2;
    static final int BOOT_ARCH_NO_CMOS_RTC = 1 << 5;

    /** Generic Address Structure: address space ids. */
    static final int GAS_SYSTEM_IO = 1;
    static final int GAS_BYTE_ACCESS = 1;

    static final int MADT_REVISION = 5;
    static final int MADT_LOCAL_APIC = 0;
    static final int MADT_IO_APIC = 1;
    static final int MADT_INTERRUPT_OVERRIDE = 2;
    static final int MADT_LOCAL_APIC_NMI = 4;
    static final int LOCAL_APIC_ENABLED = 1;
    /** MPS INTI flags: active high (01) and edge-triggered (01 << 2). */
    static final int INTI_EDGE_ACTIVE_HIGH = 0x0005;

    static final int DSDT_REVISION = 2;
    /** The {@code _S5} sleep type value: what the guest writes to the sleep control register. */
    public static final int S5_SLEEP_TYPE = 5;
    /** The power button's notification code: "button pressed" (ACPI 6.5, 4.8.3.1.1). */
    static final int NOTIFY_BUTTON_PRESSED = 0x80;

    private AcpiTables() {}

    /**
     * What the tables describe.
     *
     * @param cpus the vCPUs, local APIC ids 0..cpus-1
     * @param localApic the local APICs' address
     * @param ioApicId the I/O APIC's id (after the vCPUs')
     * @param ioApic the I/O APIC's address; its pins are GSIs from 0
     * @param uartPort the 8250's first I/O port; it uses eight
     * @param uartIrq the 8250's interrupt (an ISA IRQ)
     * @param virtioMmio the virtio-mmio transports, in slot order
     * @param gedIrq the Generic Event Device's interrupt (edge, active high)
     * @param registers the sleep and reset registers
     */
    public record Machine(int cpus, long localApic, int ioApicId, long ioApic, int uartPort, int uartIrq,
            List<MmioDevice> virtioMmio, int gedIrq, PowerRegisters registers) {
        public Machine {
            virtioMmio = List.copyOf(virtioMmio);
        }
    }

    /** A memory window and its interrupt (edge, active high). */
    public record MmioDevice(long base, long size, int irq) {}

    /**
     * The hardware-reduced sleep and reset registers, one byte each in I/O space.
     *
     * @param resetValue what the guest writes to {@code reset} to reset the machine
     */
    public record PowerRegisters(int sleepControl, int sleepStatus, int reset, int resetValue) {}

    /**
     * Writes the tables into guest RAM from {@link #ADDRESS} and returns the RSDP's address.
     *
     * @throws BootException when guest RAM does not hold them
     */
    public static long write(GuestMemory memory, Machine machine) throws BootException {
        byte[] image = build(machine, ADDRESS);
        if (ADDRESS + image.length > LIMIT || !memory.contains(ADDRESS, image.length)) {
            throw new BootException(String.format("the ACPI tables (%d bytes) do not fit in guest RAM at [0x%x, 0x%x)",
                    image.length, ADDRESS, LIMIT));
        }
        memory.write(ADDRESS, image, 0, image.length);
        return ADDRESS;
    }

    /** Every table laid out from {@code base}: RSDP, XSDT, FADT, MADT, DSDT, each 16-byte aligned. */
    static byte[] build(Machine machine, long base) {
        byte[] dsdt = dsdt(machine);
        byte[] madt = madt(machine);
        long xsdtAt = base + align(RSDP_SIZE);
        long fadtAt = xsdtAt + align(HEADER_SIZE + 2 * 8);
        long madtAt = fadtAt + align(FADT_SIZE);
        long dsdtAt = madtAt + align(madt.length);
        byte[] fadt = fadt(machine, dsdtAt);
        byte[] xsdt = xsdt(List.of(fadtAt, madtAt));
        ByteBuffer out = ByteBuffer.allocate((int) (dsdtAt - base + dsdt.length)).order(ByteOrder.LITTLE_ENDIAN);
        out.put(rsdp(xsdtAt));
        out.position((int) (xsdtAt - base)).put(xsdt);
        out.position((int) (fadtAt - base)).put(fadt);
        out.position((int) (madtAt - base)).put(madt);
        out.position((int) (dsdtAt - base)).put(dsdt);
        return out.array();
    }

    /** RSDP revision 2 (5.2.5.3): no RSDT, the XSDT's address, both checksums. */
    static byte[] rsdp(long xsdt) {
        ByteBuffer b = ByteBuffer.allocate(RSDP_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Aml.ascii("RSD PTR ")).put((byte) 0).put(Aml.ascii(OEM_ID)).put((byte) 2);
        b.putInt(0).putInt(RSDP_SIZE).putLong(xsdt);
        byte[] out = b.array();
        out[8] = checksum(out, 0, 20);
        out[32] = checksum(out, 0, RSDP_SIZE);
        return out;
    }

    static byte[] xsdt(List<Long> tables) {
        ByteBuffer body = ByteBuffer.allocate(8 * tables.size()).order(ByteOrder.LITTLE_ENDIAN);
        tables.forEach(body::putLong);
        return table("XSDT", 1, body.array());
    }

    /** The hardware-reduced FADT (5.2.9): flags, reset register, DSDT, sleep registers. */
    static byte[] fadt(Machine machine, long dsdt) {
        ByteBuffer b = ByteBuffer.allocate(FADT_SIZE - HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        PowerRegisters r = machine.registers();
        b.putInt(FADT_DSDT - HEADER_SIZE, (int) dsdt);
        b.putShort(FADT_IAPC_BOOT_ARCH - HEADER_SIZE, (short) (BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC));
        b.putInt(FADT_FLAGS - HEADER_SIZE, FLAG_HW_REDUCED_ACPI | FLAG_RESET_REG_SUP);
        gas(b, FADT_RESET_REG - HEADER_SIZE, r.reset());
        b.put(FADT_RESET_VALUE - HEADER_SIZE, (byte) r.resetValue());
        b.put(FADT_MINOR_VERSION - HEADER_SIZE, (byte) 0);
        b.putLong(FADT_X_DSDT - HEADER_SIZE, dsdt);
        gas(b, FADT_SLEEP_CONTROL - HEADER_SIZE, r.sleepControl());
        gas(b, FADT_SLEEP_STATUS - HEADER_SIZE, r.sleepStatus());
        b.position(FADT_HYPERVISOR_VENDOR - HEADER_SIZE).put(Aml.ascii("ALTOVIRT"));
        return table("FACP", FADT_REVISION, b.array());
    }

    /** A byte-wide I/O port as a Generic Address Structure (5.2.3.2). */
    private static void gas(ByteBuffer b, int at, int port) {
        b.put(at, (byte) GAS_SYSTEM_IO).put(at + 1, (byte) 8).put(at + 2, (byte) 0).put(at + 3, (byte) GAS_BYTE_ACCESS);
        b.putLong(at + 4, port);
    }

    /**
     * The MADT (5.2.12): one enabled local APIC per vCPU (processor UID = APIC id = index), the
     * I/O APIC with GSIs from 0, the ISA interrupts the board uses overridden to say edge and
     * active high explicitly, and LINT1 of every local APIC as NMI.
     */
    static byte[] madt(Machine machine) {
        List<Integer> isaIrqs = new ArrayList<>();
        isaIrqs.add(machine.uartIrq());
        for (MmioDevice d : machine.virtioMmio()) {
            if (d.irq() < 16) {
                isaIrqs.add(d.irq());
            }
        }
        ByteBuffer b = ByteBuffer.allocate(8 + 8 * machine.cpus() + 12 + 10 * isaIrqs.size() + 6)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) machine.localApic()).putInt(0); // no 8259s announced
        for (int i = 0; i < machine.cpus(); i++) {
            b.put((byte) MADT_LOCAL_APIC).put((byte) 8).put((byte) i).put((byte) i).putInt(LOCAL_APIC_ENABLED);
        }
        b.put((byte) MADT_IO_APIC).put((byte) 12).put((byte) machine.ioApicId()).put((byte) 0);
        b.putInt((int) machine.ioApic()).putInt(0);
        for (int irq : isaIrqs) {
            b.put((byte) MADT_INTERRUPT_OVERRIDE).put((byte) 10).put((byte) 0).put((byte) irq);
            b.putInt(irq).putShort((short) INTI_EDGE_ACTIVE_HIGH);
        }
        b.put((byte) MADT_LOCAL_APIC_NMI).put((byte) 6).put((byte) 0xFF).putShort((short) 0).put((byte) 1);
        return table("APIC", MADT_REVISION, b.array());
    }

    static byte[] dsdt(Machine machine) {
        return table("DSDT", DSDT_REVISION, dsdtBody(machine));
    }

    /**
     * The DSDT's AML (docs/acpi.md has the same as ASL): under {@code \_SB} the serial port,
     * one {@code LNRO0005} device per virtio-mmio transport, the Generic Event Device and the
     * power button; {@code \_S5} for power-off.
     */
    static byte[] dsdtBody(Machine machine) {
        List<Aml.Term> sb = new ArrayList<>();
        sb.add(Aml.device("COM1", List.of(
                Aml.name("_HID", Aml.eisaId("PNP0501")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", new ResourceTemplate().ioPorts(machine.uartPort(), 8).isaIrq(machine.uartIrq()).toAml()))));
        List<MmioDevice> devices = machine.virtioMmio();
        for (int i = 0; i < devices.size(); i++) {
            MmioDevice d = devices.get(i);
            sb.add(Aml.device(String.format("VR%02X", i), List.of(
                    Aml.name("_HID", Aml.string("LNRO0005")),
                    Aml.name("_UID", Aml.integer(i)),
                    Aml.name("_CRS", new ResourceTemplate().memory32(d.base(), d.size()).edgeInterrupt(d.irq()).toAml()))));
        }
        sb.add(Aml.device("GED", List.of(
                Aml.name("_HID", Aml.string("ACPI0013")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", new ResourceTemplate().edgeInterrupt(machine.gedIrq()).toAml()),
                Aml.method("_EVT", 1, true, List.of(Aml.notify("PWRB", NOTIFY_BUTTON_PRESSED))))));
        sb.add(Aml.device("PWRB", List.of(
                Aml.name("_HID", Aml.eisaId("PNP0C0C")),
                Aml.name("_UID", Aml.integer(0)))));
        List<Aml.Term> root = List.of(
                Aml.scope("_SB", sb),
                Aml.name("_S5", Aml.pkg(List.of(Aml.integer(S5_SLEEP_TYPE), Aml.integer(0), Aml.integer(0), Aml.integer(0)))));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        root.forEach(t -> t.encode(out));
        return out.toByteArray();
    }

    /** A system description table: the 36-byte header (5.2.6), then {@code body}, checksummed. */
    static byte[] table(String signature, int revision, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Aml.ascii(signature)).putInt(HEADER_SIZE + body.length).put((byte) revision).put((byte) 0);
        b.put(Aml.ascii(OEM_ID)).put(Aml.ascii(String.format("%-8s", OEM_TABLE_ID)));
        b.putInt(1).put(Aml.ascii(CREATOR_ID)).putInt(1);
        b.put(body);
        byte[] out = b.array();
        out[9] = checksum(out, 0, out.length);
        return out;
    }

    /** The byte that makes {@code [off, off+len)} sum to 0 mod 256 (its own place holds 0). */
    static byte checksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = off; i < off + len; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }

    private static long align(long n) {
        return (n + 15) & -16L;
    }
}
