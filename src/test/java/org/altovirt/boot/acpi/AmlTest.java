package org.altovirt.boot.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class AmlTest {
    private static String hex(Aml.Term t) {
        return HexFormat.of().formatHex(t.bytes());
    }

    private static String pkgLength(int content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Aml.pkgLength(out, content);
        return HexFormat.of().formatHex(out.toByteArray());
    }

    @Test
    void integersTakeTheShortestForm() {
        assertThat(hex(Aml.integer(0))).isEqualTo("00");
        assertThat(hex(Aml.integer(1))).isEqualTo("01");
        assertThat(hex(Aml.integer(-1))).isEqualTo("ff");
        assertThat(hex(Aml.integer(2))).isEqualTo("0a02");
        assertThat(hex(Aml.integer(0x100))).isEqualTo("0b0001");
        assertThat(hex(Aml.integer(0xF010_0000L))).isEqualTo("0c000010f0");
        assertThat(hex(Aml.integer(0x1_0000_0000L))).isEqualTo("0e0000000001000000");
    }

    @Test
    void pkgLengthCountsItselfAndGrowsAtItsLimits() {
        assertThat(pkgLength(0)).isEqualTo("01");
        assertThat(pkgLength(62)).isEqualTo("3f");
        // 63 bytes of content need a second length byte: 63 + 2 = 65 = 0x41.
        assertThat(pkgLength(63)).isEqualTo("4104");
        assertThat(pkgLength(0xFFD)).isEqualTo("4fff");
        assertThat(pkgLength(0xFFE)).isEqualTo("810001");
    }

    @Test
    void namesArePaddedAndPrefixed() {
        assertThat(HexFormat.of().formatHex(Aml.namePath("_SB"))).isEqualTo("5f53425f");
        assertThat(HexFormat.of().formatHex(Aml.namePath("\\_SB.PWRB"))).isEqualTo("5c2e5f53425f50575242");
        assertThat(HexFormat.of().formatHex(Aml.namePath("\\A.B.C"))).isEqualTo("5c2f03415f5f5f425f5f5f435f5f5f");
        assertThatThrownBy(() -> Aml.namePath("TOOLONG")).hasMessageContaining("'TOOLONG'");
        assertThatThrownBy(() -> Aml.namePath("1ABC")).hasMessageContaining("not an ACPI name segment");
    }

    @Test
    void eisaIdsAreCompressedAsIaslDoes() {
        assertThat(hex(Aml.eisaId("PNP0C0C"))).isEqualTo("0c41d00c0c");
        assertThat(hex(Aml.eisaId("PNP0501"))).isEqualTo("0c41d00501");
        assertThatThrownBy(() -> Aml.eisaId("pnp0501")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPackageCountsItsElements() {
        assertThat(hex(Aml.pkg(List.of(Aml.integer(5), Aml.integer(0))))).isEqualTo("1205020a0500");
    }

    @Test
    void aMethodCarriesItsArgumentCountAndSerialization() {
        assertThat(hex(Aml.method("_EVT", 1, true, List.of(Aml.notify("PWRB", 0x80)))))
                .isEqualTo("140d5f45565409" + "8650575242" + "0a80");
        assertThatThrownBy(() -> Aml.method("M", 8, false, List.of())).hasMessageContaining("0 to 7");
    }
}
