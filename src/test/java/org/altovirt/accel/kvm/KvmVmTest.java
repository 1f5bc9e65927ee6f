package org.altovirt.accel.kvm;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.altovirt.accel.VcpuExit;
import org.altovirt.bus.InterruptLine;
import org.altovirt.memory.MemoryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The VM: interrupts into the guest, the second vCPU started by the guest, memory slots. */
class KvmVmTest {
    /** IOAPIC pin 4, the serial port's interrupt, set up by the guest to vector 0x30. */
    private static final int IRQ = 4;
    private static final int VECTOR = 0x30;
    private static final byte[] INTERRUPT_GUEST = TestGuest.code(
            "b0 ff",                      // mov al, 0xff
            "e6 21",                      // out 0x21, al: mask the PIC, so the IOAPIC alone delivers
            "e6 a1",                      // out 0xa1, al
            "bb 00 00 e0 fe",             // mov ebx, 0xfee00000 (LAPIC)
            "c7 83 f0 00 00 00 ff 01 00 00", // mov dword [rbx + 0xf0], 0x1ff: enable it (SVR)
            "bb 00 00 c0 fe",             // mov ebx, 0xfec00000 (IOAPIC)
            "c7 03 18 00 00 00",          // mov dword [rbx], 0x18: select redirection entry 4, low half
            "c7 43 10 30 00 00 00",       // mov dword [rbx + 0x10], 0x30: vector 0x30, fixed, edge, unmasked
            "c7 03 19 00 00 00",          // mov dword [rbx], 0x19: high half
            "c7 43 10 00 00 00 00",       // mov dword [rbx + 0x10], 0: to APIC id 0
            "66 ba f8 03",                // mov dx, 0x3f8
            "b0 49",                      // mov al, 'I'
            "ee",                         // out dx, al: ready
            "fb",                         // wait: sti
            "f4",                         // hlt
            "eb fc",                      // jmp wait
            "50",                         // handler (+0x3f): push rax
            "52",                         // push rdx
            "66 ba f8 03",                // mov dx, 0x3f8
            "b0 58",                      // mov al, 'X'
            "ee",                         // out dx, al
            "ba b0 00 e0 fe",             // mov edx, 0xfee000b0
            "c7 02 00 00 00 00",          // mov dword [rdx], 0: EOI
            "5a",                         // pop rdx
            "58",                         // pop rax
            "48 cf");                     // iretq
    private static final long HANDLER = TestGuest.CODE + 0x3F;

    static Stream<String> lineKinds() {
        return Stream.of("irqfd", "KVM_IRQ_LINE");
    }

    @ParameterizedTest
    @MethodSource("lineKinds")
    void anInterruptLineInterruptsTheGuestEachTimeItIsTriggered(String kind) throws Exception {
        try (TestGuest guest = TestGuest.create()) {
            InterruptLine line = kind.equals("irqfd") ? guest.vm.interruptLine(IRQ) : new IrqLevelLine(guest.vm.fd(), IRQ);
            if (kind.equals("irqfd")) {
                assertThat(line).isInstanceOf(IrqfdLine.class);
            }
            guest.interruptGate(VECTOR, HANDLER);
            KvmVcpu vcpu = guest.bootVcpu(INTERRUPT_GUEST, 1);
            Future<VcpuExit> run = guest.start(vcpu);
            TestGuest.await("the guest to set up its interrupt", () -> guest.serial.text().equals("I"));
            TestGuest.await("the guest to halt", vcpu::halted);

            line.trigger();
            TestGuest.await("the first interrupt", () -> guest.serial.text().equals("IX"));
            line.trigger();
            TestGuest.await("the second interrupt", () -> guest.serial.text().equals("IXX"));

            vcpu.kick();
            assertThat(run.get(10, SECONDS)).isEqualTo(new VcpuExit.Kicked());
        }
    }

    @Test
    void interruptLinesAreOnlyForTheIoapicPins() throws Exception {
        try (TestGuest guest = TestGuest.create()) {
            assertThatThrownBy(() -> guest.vm.interruptLine(24)).hasMessageContaining("IRQ 24");
            assertThatThrownBy(() -> guest.vm.interruptLine(-1)).hasMessageContaining("IRQ -1");
        }
    }

    @Test
    void theSecondVcpuWaitsUntilTheGuestStartsItWithInitAndSipi() throws Exception {
        try (TestGuest guest = TestGuest.create()) {
            byte[] trampoline = TestGuest.code(
                    "ba f8 03",          // mov dx, 0x3f8 (real mode, at 0x18000)
                    "b0 41",             // mov al, 'A'
                    "ee",                // out dx, al
                    "66 b8 01 00 00 00", // mov eax, 1
                    "0f a2",             // cpuid
                    "66 c1 eb 18",       // shr ebx, 24: the initial APIC id
                    "88 d8",             // mov al, bl
                    "04 30",             // add al, '0'
                    "ba f8 03",          // mov dx, 0x3f8
                    "ee",                // out dx, al
                    "66 b8 0b 00 00 00", // mov eax, 0xb
                    "66 31 c9",          // xor ecx, ecx
                    "0f a2",             // cpuid: edx is the x2APIC id
                    "88 d0",             // mov al, dl
                    "04 30",             // add al, '0'
                    "ba f8 03",          // mov dx, 0x3f8
                    "ee",                // out dx, al
                    "f4",                // h: hlt
                    "eb fd");            // jmp h
            guest.memory.write(0x18000, trampoline, 0, trampoline.length);
            KvmVcpu bsp = guest.bootVcpu(TestGuest.code(
                    "bb 00 00 e0 fe",                // mov ebx, 0xfee00000
                    "c7 83 f0 00 00 00 ff 01 00 00", // mov dword [rbx + 0xf0], 0x1ff: enable the LAPIC
                    "c7 83 10 03 00 00 00 00 00 01", // mov dword [rbx + 0x310], 0x01000000: ICR to APIC id 1
                    "c7 83 00 03 00 00 00 45 00 00", // mov dword [rbx + 0x300], 0x4500: INIT
                    "c7 83 00 03 00 00 18 46 00 00", // mov dword [rbx + 0x300], 0x4618: SIPI, start at 0x18000
                    "66 ba f8 03",                   // mov dx, 0x3f8
                    "b0 42",                         // mov al, 'B'
                    "ee",                            // out dx, al
                    "f4",                            // h: hlt
                    "eb fd"),                        // jmp h
                    2);
            KvmVcpu ap = guest.vm.createVcpu(1, guest.pio, guest.mmio, null, 2);
            assertThat(ap.mpState()).isEqualTo(KvmAbi.KVM_MP_STATE_UNINITIALIZED);
            assertThat(ap.halted()).as("an AP not started yet").isTrue();
            assertThat(bsp.mpState()).isEqualTo(KvmAbi.KVM_MP_STATE_RUNNABLE);

            Future<VcpuExit> apRun = guest.start(ap);
            TestGuest.await("the AP to wait in KVM_RUN", ap::halted);
            assertThat(guest.serial.text()).isEmpty();
            Future<VcpuExit> bspRun = guest.start(bsp);

            TestGuest.await("both vCPUs to write", () -> guest.serial.text().length() == 4);
            assertThat(guest.serial.text()).contains("B", "A11");
            assertThat(guest.serial.writes().stream().filter(w -> w.value() == 'A').findFirst().orElseThrow().thread())
                    .as("the AP's thread wrote 'A'")
                    .isNotEqualTo(guest.serial.writes().stream().filter(w -> w.value() == 'B').findFirst().orElseThrow().thread());
            bsp.kick();
            ap.kick();
            assertThat(bspRun.get(10, SECONDS)).isEqualTo(new VcpuExit.Kicked());
            assertThat(apRun.get(10, SECONDS)).isEqualTo(new VcpuExit.Kicked());
            assertThat(ap.mpState()).isEqualTo(KvmAbi.KVM_MP_STATE_HALTED);
        }
    }

    @Test
    void ramAbove4GiBIsASecondSlotTheGuestSharesWithTheVmm() throws Exception {
        try (TestGuest guest = TestGuest.create(MemoryLayout.LOW_RAM_END + (2L << 20))) {
            assertThat(guest.memory.regions()).hasSize(2);
            guest.memory.writeInt(MemoryLayout.HIGH_RAM_START + 0x20, 0x1234_5678);
            KvmVcpu vcpu = guest.bootVcpu(TestGuest.code(
                    "48 b8 00 00 00 00 01 00 00 00", // mov rax, 0x100000000
                    "c7 40 10 0d f0 0d 60",          // mov dword [rax + 0x10], 0x600df00d
                    "8b 48 20",                      // mov ecx, dword [rax + 0x20]
                    "89 48 24",                      // mov dword [rax + 0x24], ecx
                    "0f 0b"),                        // ud2
                    1);

            assertThat(guest.start(vcpu).get(10, SECONDS)).isEqualTo(new VcpuExit.GuestShutdown("guest-shutdown"));

            assertThat(guest.memory.readInt(MemoryLayout.HIGH_RAM_START + 0x10)).isEqualTo(0x600D_F00D);
            assertThat(guest.memory.readInt(MemoryLayout.HIGH_RAM_START + 0x24)).isEqualTo(0x1234_5678);
        }
    }
}
