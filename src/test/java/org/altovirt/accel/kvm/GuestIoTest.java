package org.altovirt.accel.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Run;
import org.altovirt.accel.kvm.TestGuest.Recorder;
import org.altovirt.bus.Bus;
import org.altovirt.bus.BusDevice;
import org.altovirt.sys.Native;
import org.junit.jupiter.api.Test;

/** Port and MMIO exits as KVM describes them in kvm_run, without KVM: a buffer stands in for it. */
class GuestIoTest {
    private static final int RUN_SIZE = 4096;
    private static final int DATA = 1024;

    private final Pointer run = Native.allocate(RUN_SIZE);
    private final Bus pio = new Bus("pio");
    private final Bus mmio = new Bus("mmio");
    private final GuestIo io = new GuestIo(0, run, RUN_SIZE, pio, mmio);

    private void portExit(int direction, int size, int port, int count, long dataOffset) {
        run.putByte(Run.IO_DIRECTION, (byte) direction);
        run.putByte(Run.IO_SIZE, (byte) size);
        run.putShort(Run.IO_PORT, (short) port);
        run.putInt(Run.IO_COUNT, count);
        run.putLong(Run.IO_DATA_OFFSET, dataOffset);
    }

    private void mmioExit(long address, int len, boolean write) {
        run.putLong(Run.MMIO_PHYS_ADDR, address);
        run.putInt(Run.MMIO_LEN, len);
        run.putByte(Run.MMIO_IS_WRITE, (byte) (write ? 1 : 0));
    }

    @Test
    void stringOutputIsOneAccessPerElementInOrder() {
        Recorder device = new Recorder();
        pio.insert(0x1F0, 8, device);
        run.putShort(DATA, (short) 0x1111);
        run.putShort(DATA + 2, (short) 0x2222);
        run.putShort(DATA + 4, (short) 0x3333);
        portExit(KvmAbi.KVM_EXIT_IO_OUT, 2, 0x1F0, 3, DATA);

        assertThat(io.portIo()).isTrue();

        assertThat(device.writes()).extracting(Recorder.Access::offset, Recorder.Access::size, Recorder.Access::value)
                .containsExactly(tuple(0L, 2, 0x1111L), tuple(0L, 2, 0x2222L), tuple(0L, 2, 0x3333L));
    }

    @Test
    void stringInputFillsEachElement() {
        pio.insert(0x1F0, 8, new Recorder().answering(0xAABB_CCDDL, 0x1122_3344L));
        portExit(KvmAbi.KVM_EXIT_IO_IN, 4, 0x1F4, 2, DATA);

        assertThat(io.portIo()).isTrue();

        assertThat(run.getInt(DATA)).isEqualTo(0xAABB_CCDD);
        assertThat(run.getInt(DATA + 4)).isEqualTo(0x1122_3344);
    }

    @Test
    void anInputNoDeviceAnswersReadsAllOnes() {
        portExit(KvmAbi.KVM_EXIT_IO_IN, 2, 0x80, 1, DATA);
        run.putInt(DATA, 0);

        assertThat(io.portIo()).isTrue();

        assertThat(run.getInt(DATA)).isEqualTo(0xFFFF);
    }

    @Test
    void aPortExitThatDoesNotFitKvmRunIsRefused() {
        portExit(KvmAbi.KVM_EXIT_IO_OUT, 3, 0x80, 1, DATA);
        assertThat(io.portIo()).as("size 3").isFalse();
        portExit(KvmAbi.KVM_EXIT_IO_OUT, 4, 0x80, 1, RUN_SIZE - 2);
        assertThat(io.portIo()).as("data past the end").isFalse();
        portExit(KvmAbi.KVM_EXIT_IO_OUT, 4, 0x80, -1, DATA);
        assertThat(io.portIo()).as("count 2^32-1").isFalse();
    }

    @Test
    void mmioOfEightBytesGoesWholeBothWays() {
        Recorder device = new Recorder().answering(0x0102_0304_0506_0708L);
        mmio.insert(0xD000_0000L, 0x1000, device);
        mmioExit(0xD000_0010L, 8, false);
        assertThat(io.mmio()).isTrue();
        assertThat(run.getLong(Run.MMIO_DATA)).isEqualTo(0x0102_0304_0506_0708L);

        run.putLong(Run.MMIO_DATA, 0x1122_3344_5566_7788L);
        mmioExit(0xD000_0018L, 8, true);
        assertThat(io.mmio()).isTrue();
        assertThat(device.writes()).extracting(Recorder.Access::offset, Recorder.Access::size, Recorder.Access::value)
                .containsExactly(tuple(0x18L, 8, 0x1122_3344_5566_7788L));
    }

    @Test
    void mmioOfAnOddLengthGoesAByteAtATime() {
        Recorder device = new Recorder().answering(0xAA, 0xBB, 0xCC);
        mmio.insert(0xD000_0000L, 0x1000, device);
        run.putLong(Run.MMIO_DATA, 0);
        mmioExit(0xD000_0100L, 3, false);
        assertThat(io.mmio()).isTrue();
        assertThat(run.getLong(Run.MMIO_DATA)).isEqualTo(0xCCBBAAL);

        run.putLong(Run.MMIO_DATA, 0x0605_0403_0201L);
        mmioExit(0xD000_0200L, 6, true);
        assertThat(io.mmio()).isTrue();
        assertThat(device.writes()).extracting(Recorder.Access::offset, Recorder.Access::value)
                .containsExactly(tuple(0x200L, 1L), tuple(0x201L, 2L), tuple(0x202L, 3L), tuple(0x203L, 4L),
                        tuple(0x204L, 5L), tuple(0x205L, 6L));
    }

    @Test
    void anMmioLengthKvmNeverGivesIsRefused() {
        mmioExit(0xD000_0000L, 0, false);
        assertThat(io.mmio()).isFalse();
        mmioExit(0xD000_0000L, 9, true);
        assertThat(io.mmio()).isFalse();
    }

    @Test
    void aFailingDeviceFailsTheAccessNotTheVcpu() {
        BusDevice broken = new BusDevice() {
            @Override
            public long read(long offset, int size) {
                throw new IllegalStateException("device bug");
            }

            @Override
            public void write(long offset, int size, long value) {
                throw new IllegalStateException("device bug");
            }
        };
        mmio.insert(0xD000_0000L, 0x1000, broken);
        run.putLong(Run.MMIO_DATA, 0);
        mmioExit(0xD000_0000L, 2, false);

        assertThat(io.mmio()).isTrue();
        assertThat(run.getLong(Run.MMIO_DATA)).isEqualTo(0xFFFF);

        mmioExit(0xD000_0000L, 4, true);
        assertThat(io.mmio()).isTrue();
    }
}
