package org.altovirt.accel.kvm;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.altovirt.accel.VcpuExit;
import org.altovirt.accel.kvm.TestGuest.Recorder;
import org.junit.jupiter.api.Test;

/** What a vCPU looks like to the guest before it runs its first instruction. */
class VcpuSetupTest {
    @Test
    void cpuidCarriesTheVcpusApicIdAndTheHypervisorBitAndOtherwiseWhatKvmReports() {
        List<CpuidEntry> supported = List.of(
                new CpuidEntry(0, 0, 0, 0x1C, 0x756E_6547, 0x6C65_746E, 0x4965_6E69),
                new CpuidEntry(1, 0, 0, 0x000C_06F2, 0x0102_0800, 0x0120_2000, 0x0F8B_FBFF),
                new CpuidEntry(4, 1, 1, 0x0400_0122, 0x01C0_003F, 0x3F, 0),
                new CpuidEntry(0xB, 0, 1, 1, 1, 0x100, 7),
                new CpuidEntry(0xB, 1, 1, 4, 4, 0x201, 7),
                new CpuidEntry(0x1F, 0, 1, 1, 1, 0x100, 7),
                new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0x4B4D_564B, 0x564B_4D56, 0x4D),
                new CpuidEntry(0x4000_0001, 0, 0, 0x0100_7AFB, 0, 0, 0));

        List<CpuidEntry> forVcpu5 = VcpuSetup.cpuidFor(supported, 5, true);

        assertThat(forVcpu5).containsExactly(
                supported.get(0),
                new CpuidEntry(1, 0, 0, 0x000C_06F2, 0x0502_0800, 0x8120_2000 | (1 << 24), 0x0F8B_FBFF),
                supported.get(2),
                new CpuidEntry(0xB, 0, 1, 1, 1, 0x100, 5),
                new CpuidEntry(0xB, 1, 1, 4, 4, 0x201, 5),
                new CpuidEntry(0x1F, 0, 1, 1, 1, 0x100, 5),
                supported.get(6),
                supported.get(7));
        assertThat(VcpuSetup.cpuidFor(supported, 0, false).get(1))
                .isEqualTo(new CpuidEntry(1, 0, 0, 0x000C_06F2, 0x0002_0800, 0x8120_2000, 0x0F8B_FBFF));
    }

    @Test
    void theGuestSeesItsApicIdFastStringsWriteBackMtrrsAndDefaultFpuControl() throws Exception {
        try (TestGuest guest = TestGuest.create()) {
            Recorder out = new Recorder();
            guest.pio.insert(0x500, 4, out);
            KvmVcpu vcpu = guest.bootVcpu(TestGuest.code(
                    "0f 20 e0",             // mov rax, cr4
                    "0d 00 02 00 00",       // or eax, 0x200 (OSFXSR: fxsave saves MXCSR)
                    "0f 22 e0",             // mov cr4, rax
                    "b8 01 00 00 00",       // mov eax, 1
                    "0f a2",                // cpuid
                    "c1 eb 18",             // shr ebx, 24
                    "89 d8",                // mov eax, ebx
                    "66 ba 00 05",          // mov dx, 0x500
                    "ef",                   // out dx, eax: initial APIC id
                    "89 c8",                // mov eax, ecx
                    "ef",                   // out dx, eax: leaf 1 ECX
                    "b9 a0 01 00 00",       // mov ecx, 0x1a0
                    "0f 32",                // rdmsr IA32_MISC_ENABLE
                    "66 ba 00 05",          // mov dx, 0x500
                    "ef",                   // out dx, eax
                    "b9 ff 02 00 00",       // mov ecx, 0x2ff
                    "0f 32",                // rdmsr IA32_MTRR_DEF_TYPE
                    "66 ba 00 05",          // mov dx, 0x500
                    "ef",                   // out dx, eax
                    "0f ae 04 25 00 00 03 00", // fxsave [0x30000]: FCW at +0, MXCSR at +24
                    "0f 0b"),               // ud2
                    1);

            assertThat(guest.start(vcpu).get(10, SECONDS)).isEqualTo(new VcpuExit.GuestShutdown("guest-shutdown"));

            List<Long> values = out.writes().stream().map(Recorder.Access::value).toList();
            assertThat(values).hasSize(4);
            assertThat(values.get(0)).as("APIC id").isZero();
            assertThat((values.get(1) & VcpuSetup.ECX_TSC_DEADLINE) != 0).as("TSC deadline announced")
                    .isEqualTo(guest.kvm.hasTscDeadline());
            assertThat(values.get(1) & VcpuSetup.ECX_HYPERVISOR).as("hypervisor present").isNotZero();
            assertThat(values.get(2) & 1).as("fast strings").isEqualTo(1);
            assertThat(values.get(3)).as("MTRR default type").isEqualTo(0x806);
            // (stmxcsr would be simpler, but on nested KVM it can end in an emulation failure.)
            assertThat(guest.memory.readShort(0x30000) & 0xFFFF).as("FCW").isEqualTo(0x37F);
            assertThat(guest.memory.readInt(0x30000 + 24)).as("MXCSR").isEqualTo(0x1F80);
        }
    }
}
