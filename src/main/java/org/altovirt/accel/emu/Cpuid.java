package org.altovirt.accel.emu;

import java.nio.charset.StandardCharsets;

/**
 * What CPUID reports on the emu: vendor "AltoVirtEmu!" (an honest name: no guest should take it
 * for a real CPU and expect its quirks), family 6, and only the features the interpreter
 * implements. No FPU, MMX, SSE or AVX (the guests it runs are built with -mgeneral-regs-only), no
 * APIC, no SYSCALL; TSC, MSR, PAE, PGE, PSE, CMOV, CX8, CX16, POPCNT, NX, 1 GiB pages, RDTSCP,
 * LAHF/SAHF in 64-bit mode, long mode, and the hypervisor bit. The TSC runs at 1 GHz (leaf 0x15).
 */
final class Cpuid {
    static final String VENDOR = "AltoVirtEmu!";
    private static final String BRAND = "AltoVirt emu x86-64 interpreter";

    static final int MAX_BASIC = 0x15;
    static final int MAX_EXTENDED = 0x8000_0008;

    // CPUID.1:EDX
    static final int EDX_PSE = 1 << 3, EDX_TSC = 1 << 4, EDX_MSR = 1 << 5, EDX_PAE = 1 << 6, EDX_CX8 = 1 << 8,
            EDX_PGE = 1 << 13, EDX_CMOV = 1 << 15, EDX_PAT = 1 << 16, EDX_CLFSH = 1 << 19;
    // CPUID.1:ECX
    static final int ECX_CX16 = 1 << 13, ECX_POPCNT = 1 << 23, ECX_HYPERVISOR = 1 << 31;
    // CPUID.80000001:EDX / ECX
    static final int EXT_EDX_NX = 1 << 20, EXT_EDX_PAGE1GB = 1 << 26, EXT_EDX_RDTSCP = 1 << 27, EXT_EDX_LM = 1 << 29;
    static final int EXT_ECX_LAHF = 1;

    private Cpuid() {}

    /** Fills {@code out} with EAX, EBX, ECX, EDX for {@code leaf} (no leaf offered has sub-leaves). */
    static void query(int leaf, int cpuIndex, int[] out) {
        out[0] = out[1] = out[2] = out[3] = 0;
        switch (leaf) {
            case 0:
                out[0] = MAX_BASIC;
                out[1] = word(VENDOR, 0);
                out[3] = word(VENDOR, 4);
                out[2] = word(VENDOR, 8);
                return;
            case 1:
                out[0] = 0x0006_06A1; // family 6, model 0x6A, stepping 1: a plain modern signature
                out[1] = (cpuIndex & 0xFF) << 24 | 1 << 16 | 8 << 8; // APIC id, 1 logical CPU, 64-byte CLFLUSH line
                out[2] = ECX_CX16 | ECX_POPCNT | ECX_HYPERVISOR;
                out[3] = EDX_PSE | EDX_TSC | EDX_MSR | EDX_PAE | EDX_CX8 | EDX_PGE | EDX_CMOV | EDX_PAT | EDX_CLFSH;
                return;
            case 0x15:
                out[0] = 1; // TSC / crystal ratio 1/1, crystal 1 GHz: the TSC counts nanoseconds
                out[1] = 1;
                out[2] = 1_000_000_000;
                return;
            case 0x8000_0000:
                out[0] = MAX_EXTENDED;
                return;
            case 0x8000_0001:
                out[2] = EXT_ECX_LAHF;
                out[3] = EXT_EDX_NX | EXT_EDX_PAGE1GB | EXT_EDX_RDTSCP | EXT_EDX_LM;
                return;
            case 0x8000_0002:
            case 0x8000_0003:
            case 0x8000_0004: {
                int base = (leaf - 0x8000_0002) * 16;
                for (int i = 0; i < 4; i++) {
                    out[i] = word(BRAND, base + 4 * i);
                }
                return;
            }
            case 0x8000_0008:
                out[0] = 48 << 8 | Mmu.PHYS_BITS; // linear and physical address widths
                return;
            default:
                // leaves 2..0x14 (caches, topology, extended features...): nothing to report
        }
    }

    /** Four characters of {@code text} from {@code at} as a little-endian register value (NUL padded). */
    private static int word(String text, int at) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int k = at + i;
            v |= (k < b.length ? b[k] & 0xFF : 0) << (8 * i);
        }
        return v;
    }
}
