package org.altovirt.accel.kvm;

import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Cpuid2;

/** One {@code struct kvm_cpuid_entry2}: what CPUID returns for a leaf ({@code function}) and subleaf. */
record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    CpuidEntry withEbx(int value) {
        return new CpuidEntry(function, index, flags, eax, value, ecx, edx);
    }

    CpuidEntry withEcx(int value) {
        return new CpuidEntry(function, index, flags, eax, ebx, value, edx);
    }

    CpuidEntry withEdx(int value) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, value);
    }

    /** Reads the {@code i}th entry of the {@code struct kvm_cpuid2} at {@code p}. */
    static CpuidEntry read(Pointer p, int i) {
        long at = Cpuid2.ENTRIES + (long) i * Cpuid2.ENTRY_SIZE;
        return new CpuidEntry(
                p.getInt(at + Cpuid2.ENTRY_FUNCTION), p.getInt(at + Cpuid2.ENTRY_INDEX),
                p.getInt(at + Cpuid2.ENTRY_FLAGS), p.getInt(at + Cpuid2.ENTRY_EAX),
                p.getInt(at + Cpuid2.ENTRY_EBX), p.getInt(at + Cpuid2.ENTRY_ECX),
                p.getInt(at + Cpuid2.ENTRY_EDX));
    }

    /** Writes this as the {@code i}th entry of the {@code struct kvm_cpuid2} at {@code p}. */
    void write(Pointer p, int i) {
        long at = Cpuid2.ENTRIES + (long) i * Cpuid2.ENTRY_SIZE;
        p.putInt(at + Cpuid2.ENTRY_FUNCTION, function);
        p.putInt(at + Cpuid2.ENTRY_INDEX, index);
        p.putInt(at + Cpuid2.ENTRY_FLAGS, flags);
        p.putInt(at + Cpuid2.ENTRY_EAX, eax);
        p.putInt(at + Cpuid2.ENTRY_EBX, ebx);
        p.putInt(at + Cpuid2.ENTRY_ECX, ecx);
        p.putInt(at + Cpuid2.ENTRY_EDX, edx);
    }
}
