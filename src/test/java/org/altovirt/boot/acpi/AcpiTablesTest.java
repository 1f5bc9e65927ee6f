package org.altovirt.boot.acpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcpiTablesTest {
    /** The machine src/test/resources/acpi/dsdt.asl describes. */
    static final AcpiTables.Machine SAMPLE = new AcpiTables.Machine(2, 0xFEE0_0000L, 2, 0xFEC0_0000L, 0x3F8, 4,
            List.of(new AcpiTables.MmioDevice(0xF010_0000L, 0x200, 5), new AcpiTables.MmioDevice(0xF010_0200L, 0x200, 6),
                    new AcpiTables.MmioDevice(0xF010_0400L, 0x200, 7)),
            23, new AcpiTables.PowerRegisters(0x600, 0x601, 0x602, 0x01));

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AcpiTablesTest.class.getResourceAsStream("/acpi/" + name)) {
            return in.readAllBytes();
        }
    }

    private static byte[] iaslDsdtBody() throws IOException {
        String hex = new String(resource("dsdt.aml.hex"), StandardCharsets.US_ASCII).replaceAll("\\s", "");
        return HexFormat.of().parseHex(hex);
    }

    @Test
    void theDsdtIsWhatIaslCompilesFromTheSameAsl() throws IOException {
        assertThat(HexFormat.of().formatHex(AcpiTables.dsdtBody(SAMPLE)))
                .isEqualTo(HexFormat.of().formatHex(iaslDsdtBody()));
    }

    @Test
    void theStoredAmlIsIaslsOwnOutput(@TempDir Path dir) throws Exception {
        Path asl = dir.resolve("dsdt.asl");
        Files.write(asl, resource("dsdt.asl"));
        run(dir, "iasl", "dsdt.asl");
        byte[] aml = Files.readAllBytes(dir.resolve("dsdt.aml"));
        assertThat(Arrays.copyOfRange(aml, AcpiTables.HEADER_SIZE, aml.length)).isEqualTo(iaslDsdtBody());
    }

    @Test
    void iaslDisassemblesEveryTableWithoutComplaint(@TempDir Path dir) throws Exception {
        byte[] image = AcpiTables.build(SAMPLE, AcpiTables.ADDRESS);
        List<String> names = new ArrayList<>();
        for (Table t : tables(image)) {
            String name = t.signature().toLowerCase() + ".dat";
            Files.write(dir.resolve(name), t.bytes());
            names.add(name);
        }
        assertThat(names).containsExactly("xsdt.dat", "facp.dat", "apic.dat", "dsdt.dat");
        for (String name : names) {
            String out = run(dir, "iasl", "-d", name);
            assertThat(out).as(name).doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("warning");
        }
        String facp = Files.readString(dir.resolve("facp.dsl"));
        assertThat(facp).containsPattern("Hardware Reduced \\(V5\\) : 1").containsPattern("Reset Register Supported.*: 1")
                .containsPattern("Address : 0000000000000600").containsPattern("Address : 0000000000000602");
        String apic = Files.readString(dir.resolve("apic.dsl"));
        assertThat(apic.split("Subtable Type : 00 \\[Processor Local APIC\\]", -1)).hasSize(3);
        assertThat(apic).contains("Address : FEC00000");
        String dsdt = Files.readString(dir.resolve("dsdt.dsl"));
        assertThat(dsdt).contains("\"LNRO0005\"").contains("0xF0100400").contains("\"ACPI0013\"").contains("Notify (PWRB, 0x80)")
                .contains("Name (_S5, Package (0x04)");
    }

    @Test
    void everyTableChecksumsToZeroAndTheRsdpLeadsToThemAll() {
        byte[] image = AcpiTables.build(SAMPLE, AcpiTables.ADDRESS);
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(image, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("RSD PTR ");
        assertThat(sum(image, 0, 20)).isZero();
        assertThat(sum(image, 0, AcpiTables.RSDP_SIZE)).isZero();
        assertThat(image[15]).as("RSDP revision").isEqualTo((byte) 2);
        long xsdt = b.getLong(24);
        for (Table t : tables(image)) {
            assertThat(sum(t.bytes(), 0, t.bytes().length)).as(t.signature()).isZero();
        }
        List<Table> ts = tables(image);
        assertThat(ts.get(0).address()).isEqualTo(xsdt);
        ByteBuffer x = ByteBuffer.wrap(ts.get(0).bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(List.of(x.getLong(36), x.getLong(44))).containsExactly(ts.get(1).address(), ts.get(2).address());
        ByteBuffer f = ByteBuffer.wrap(ts.get(1).bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(f.getLong(AcpiTables.FADT_X_DSDT)).isEqualTo(ts.get(3).address());
        assertThat(f.getInt(AcpiTables.FADT_DSDT)).isEqualTo((int) ts.get(3).address());
    }

    @Test
    void theMadtListsEveryVcpuOfALargeMachine() {
        AcpiTables.Machine big = new AcpiTables.Machine(254, 0xFEE0_0000L, 254, 0xFEC0_0000L, 0x3F8, 4, SAMPLE.virtioMmio(),
                23, SAMPLE.registers());
        byte[] madt = AcpiTables.madt(big);
        int localApics = 0;
        for (int at = 44; at < madt.length; at += madt[at + 1] & 0xFF) {
            if (madt[at] == AcpiTables.MADT_LOCAL_APIC) {
                assertThat(madt[at + 3] & 0xFF).as("APIC id of entry %d", localApics).isEqualTo(localApics);
                localApics++;
            }
        }
        assertThat(localApics).isEqualTo(254);
        assertThat(AcpiTables.build(big, AcpiTables.ADDRESS).length).isLessThan((int) (AcpiTables.LIMIT - AcpiTables.ADDRESS));
    }

    @Test
    void theTablesGoIntoGuestRamAtTheirAddress() throws Exception {
        try (GuestMemory memory = GuestMemory.anonymous(128L << 20)) {
            long rsdp = AcpiTables.write(memory, SAMPLE);
            assertThat(rsdp).isEqualTo(AcpiTables.ADDRESS);
            byte[] signature = new byte[8];
            memory.read(rsdp, signature, 0, 8);
            assertThat(new String(signature, StandardCharsets.US_ASCII)).isEqualTo("RSD PTR ");
        }
    }

    record Table(String signature, long address, byte[] bytes) {}

    /** The tables after the RSDP in {@code image} (laid out from ADDRESS), in order. */
    private static List<Table> tables(byte[] image) {
        List<Table> out = new ArrayList<>();
        int at = (AcpiTables.RSDP_SIZE + 15) & -16;
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        while (at < image.length) {
            int length = b.getInt(at + 4);
            out.add(new Table(new String(image, at, 4, StandardCharsets.US_ASCII), AcpiTables.ADDRESS + at,
                    Arrays.copyOfRange(image, at, at + length)));
            at = (at + length + 15) & -16;
        }
        return out;
    }

    private static int sum(byte[] b, int off, int len) {
        int s = 0;
        for (int i = off; i < off + len; i++) {
            s += b[i];
        }
        return s & 0xFF;
    }

    /** Runs a tool in {@code dir}; skips the test where the tool is not installed (acpica-tools). */
    private static String run(Path dir, String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort(command[0] + " is not installed (Debian: acpica-tools): " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }
}
