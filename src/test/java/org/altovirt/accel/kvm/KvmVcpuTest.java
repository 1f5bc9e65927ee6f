package org.altovirt.accel.kvm;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import org.altovirt.accel.VcpuExit;
import org.altovirt.accel.kvm.TestGuest.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Guest code really running under KVM: port and MMIO exits, shutdown, halt and kicks. */
class KvmVcpuTest {
    private static final long MMIO_DEVICE = 0x1000_0000L;
    private static final long LOOP_FLAG = 0x30000;
    private static final long LOOP_COUNTER = 0x30008;

    private TestGuest guest;

    @BeforeEach
    void setUp() throws Exception {
        guest = TestGuest.create();
    }

    @AfterEach
    void tearDown() {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    void guestCodeReachesPortAndMmioDevicesAndATripleFaultShutsItDown() throws Exception {
        Recorder ports = new Recorder();
        Recorder stringIn = new Recorder().answering('a', 'b', 'c', 'd');
        Recorder mmio = new Recorder().answering(0xCAFE_F00DL, 0x0123_4567_89AB_CDEFL);
        guest.pio.insert(0x500, 4, ports);
        guest.pio.insert(0x510, 1, stringIn);
        guest.mmio.insert(MMIO_DEVICE, 0x100, mmio);
        KvmVcpu vcpu = guest.bootVcpu(TestGuest.code(
                "66 ba f8 03",          // mov dx, 0x3f8
                "b0 4b",                // mov al, 'K'
                "ee",                   // out dx, al
                "b0 56",                // mov al, 'V'
                "ee",                   // out dx, al
                "b0 4d",                // mov al, 'M'
                "ee",                   // out dx, al
                "b0 0a",                // mov al, 0x0a
                "ee",                   // out dx, al
                "48 8d 35 34 00 00 00", // lea rsi, [rip + msg]
                "b9 04 00 00 00",       // mov ecx, 4
                "f3 6e",                // rep outsb: one exit with count 4
                "bf 00 00 02 00",       // mov edi, 0x20000
                "66 ba 10 05",          // mov dx, 0x510
                "b9 04 00 00 00",       // mov ecx, 4
                "f3 6c",                // rep insb
                "bb 00 00 00 10",       // mov ebx, 0x10000000
                "c7 03 78 56 34 12",    // mov dword [rbx], 0x12345678
                "8b 43 08",             // mov eax, dword [rbx + 8]
                "66 ba 00 05",          // mov dx, 0x500
                "ef",                   // out dx, eax
                "48 8b 43 10",          // mov rax, qword [rbx + 16]
                "48 89 43 18",          // mov qword [rbx + 24], rax
                "0f 0b",                // ud2: #UD with no IDT entry, then #DF, then a triple fault
                "72 65 70 0a"),         // msg: "rep\n"
                1);

        VcpuExit exit = guest.start(vcpu).get(10, SECONDS);

        assertThat(exit).isEqualTo(new VcpuExit.GuestShutdown("guest-shutdown"));
        assertThat(guest.serial.text()).isEqualTo("KVM\nrep\n");
        byte[] in = new byte[4];
        guest.memory.read(0x20000, in, 0, 4);
        assertThat(new String(in, StandardCharsets.US_ASCII)).isEqualTo("abcd");
        assertThat(ports.writes()).extracting(Recorder.Access::offset, Recorder.Access::size, Recorder.Access::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, 4, 0xCAFE_F00DL));
        assertThat(mmio.writes()).extracting(Recorder.Access::offset, Recorder.Access::size, Recorder.Access::value)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0L, 4, 0x1234_5678L),
                        org.assertj.core.groups.Tuple.tuple(24L, 8, 0x0123_4567_89AB_CDEFL));
    }

    @Test
    void bootStateIsWhatTheVcpuStartsWith() throws Exception {
        KvmVcpu vcpu = guest.bootVcpu(TestGuest.code("f4"), 1); // hlt

        KvmRegs regs = vcpu.regs();
        KvmSregs sregs = vcpu.sregs();

        assertThat(regs.rip()).isEqualTo(TestGuest.CODE);
        assertThat(regs.rsp()).isEqualTo(TestGuest.STACK);
        assertThat(regs.rbp()).isEqualTo(TestGuest.STACK);
        assertThat(regs.rsi()).isEqualTo(0x7000);
        assertThat(regs.rflags()).isEqualTo(0x2);
        assertThat(sregs.cs()).isEqualTo(new KvmSregs.Segment(0, 0xFFFF_FFFF, 0x10, 0xB, true, 0,
                false, true, true, true, false, false));
        assertThat(sregs.ss().selector()).isEqualTo(0x18);
        assertThat(sregs.ds().db()).isTrue();
        assertThat(sregs.gdtBase()).isEqualTo(TestGuest.GDT);
        assertThat(sregs.gdtLimit()).isEqualTo(0x1F);
        assertThat(sregs.idtBase()).isEqualTo(TestGuest.IDT);
        assertThat(sregs.cr0() & 0x8000_0001L).isEqualTo(0x8000_0001L);
        assertThat(sregs.cr3()).isEqualTo(TestGuest.PML4);
        assertThat(sregs.cr4() & 0x20).isEqualTo(0x20);
        assertThat(sregs.efer() & 0x500).isEqualTo(0x500);
    }

    @Test
    void aKickTakesASpinningGuestOutPromptlyAndItResumesWhereItWas() throws Exception {
        KvmVcpu vcpu = guest.bootVcpu(TestGuest.code(
                "48 ff 04 25 08 00 03 00", // spin: inc qword [0x30008]
                "80 3c 25 00 00 03 00 00", // cmp byte [0x30000], 0
                "74 ee",                   // je spin
                "66 ba f8 03",             // mov dx, 0x3f8
                "b0 21",                   // mov al, '!'
                "ee",                      // out dx, al
                "0f 0b"),                  // ud2: triple fault
                1);

        for (int i = 0; i < 3; i++) {
            long before = guest.memory.readLong(LOOP_COUNTER);
            Future<VcpuExit> run = guest.start(vcpu);
            // The counter moving shows the thread is inside KVM_RUN, so only the signal can get it out.
            TestGuest.await("the guest to spin", () -> guest.memory.readLong(LOOP_COUNTER) != before);
            assertThat(vcpu.halted()).isFalse();
            long kicked = System.nanoTime();
            vcpu.kick();
            assertThat(run.get(10, SECONDS)).isEqualTo(new VcpuExit.Kicked());
            assertThat((System.nanoTime() - kicked) / 1_000_000).as("milliseconds from kick to return").isLessThan(1000);
            assertThat(vcpu.halted()).isFalse();
            assertThat(vcpu.regs().rip()).isBetween(TestGuest.CODE, TestGuest.CODE + 0x12);
        }

        guest.memory.writeByte(LOOP_FLAG, (byte) 1);
        assertThat(guest.start(vcpu).get(10, SECONDS)).isEqualTo(new VcpuExit.GuestShutdown("guest-shutdown"));
        assertThat(guest.serial.text()).isEqualTo("!");
    }

    @Test
    void aKickBeforeRunMakesTheNextRunReturnAtOnce() throws Exception {
        KvmVcpu vcpu = guest.bootVcpu(TestGuest.code(
                "66 ba f8 03", // mov dx, 0x3f8
                "b0 21",       // mov al, '!'
                "ee",          // out dx, al
                "0f 0b"),      // ud2
                1);

        vcpu.kick();
        assertThat(guest.start(vcpu).get(10, SECONDS)).isEqualTo(new VcpuExit.Kicked());
        assertThat(guest.serial.text()).as("the guest ran no instruction").isEmpty();

        assertThat(guest.start(vcpu).get(10, SECONDS)).isEqualTo(new VcpuExit.GuestShutdown("guest-shutdown"));
        assertThat(guest.serial.text()).isEqualTo("!");
    }

    @Test
    void aHaltedGuestReadsAsHaltedAndAKickStillGetsItOut() throws Exception {
        KvmVcpu vcpu = guest.bootVcpu(TestGuest.code(
                "f4",     // h: hlt (interrupts are off: it stays halted)
                "eb fd"), // jmp h
                1);
        assertThat(vcpu.halted()).as("before it runs").isFalse();

        Future<VcpuExit> run = guest.start(vcpu);
        TestGuest.await("the vCPU to halt", vcpu::halted);
        vcpu.kick();

        assertThat(run.get(10, SECONDS)).isEqualTo(new VcpuExit.Kicked());
        assertThat(vcpu.halted()).as("after the kick, from KVM's MP state").isTrue();
        assertThat(vcpu.mpState()).isEqualTo(KvmAbi.KVM_MP_STATE_HALTED);
    }

    @Test
    void closingTakesTheVcpuOutOfTheGuestFirst() throws Exception {
        KvmVcpu vcpu = guest.bootVcpu(TestGuest.code("eb fe"), 1); // jmp $
        Future<VcpuExit> run = guest.start(vcpu);
        TestGuest.await("the vCPU to enter the guest", vcpu::inGuest);

        vcpu.close();

        assertThat(run.get(10, SECONDS)).isEqualTo(new VcpuExit.Kicked());
        vcpu.kick(); // does nothing now, and must not touch the unmapped kvm_run
    }
}
