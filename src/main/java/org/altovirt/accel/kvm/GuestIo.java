package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.KVM_EXIT_IO_OUT;

import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Run;
import org.altovirt.bus.Bus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the port and MMIO accesses that KVM hands to user space (KVM_EXIT_IO and
 * KVM_EXIT_MMIO) on the buses, reading and writing the data in {@code kvm_run}. A device that
 * throws fails that one access (a read gives all ones), not the vCPU.
 */
final class GuestIo {
    private static final Logger LOG = LoggerFactory.getLogger(GuestIo.class);
    private static final int MMIO_DATA_BYTES = 8;

    private final int vcpu;
    private final Pointer run;
    private final long runSize;
    private final Bus pio;
    private final Bus mmio;

    GuestIo(int vcpu, Pointer run, long runSize, Bus pio, Bus mmio) {
        this.vcpu = vcpu;
        this.run = run;
        this.runSize = runSize;
        this.pio = pio;
        this.mmio = mmio;
    }

    /**
     * KVM_EXIT_IO: {@code count} accesses of {@code size} bytes to one port (more than one for
     * {@code rep ins/outs}), their data at {@code data_offset} in the mapping, one after the other.
     * Returns false when the exit makes no sense (a KVM bug, not the guest's doing).
     */
    boolean portIo() {
        boolean out = (run.getByte(Run.IO_DIRECTION) & 0xFF) == KVM_EXIT_IO_OUT;
        int size = run.getByte(Run.IO_SIZE) & 0xFF;
        int port = run.getShort(Run.IO_PORT) & 0xFFFF;
        long count = run.getInt(Run.IO_COUNT) & 0xFFFF_FFFFL;
        long data = run.getLong(Run.IO_DATA_OFFSET);
        if ((size != 1 && size != 2 && size != 4) || data < 0 || data > runSize
                || count > (runSize - data) / size) {
            LOG.error("vCPU {}: KVM_EXIT_IO makes no sense: port 0x{} size {} count {} data_offset {} in a {}-byte kvm_run",
                    vcpu, Integer.toHexString(port), size, count, data, runSize);
            return false;
        }
        for (long i = 0; i < count; i++) {
            long at = data + i * size;
            if (out) {
                write(pio, port, size, load(at, size));
            } else {
                store(at, size, read(pio, port, size));
            }
        }
        return true;
    }

    /**
     * KVM_EXIT_MMIO: one access of {@code len} bytes (at most 8) at {@code phys_addr}, the data in
     * {@code mmio.data}. Lengths other than 1, 2, 4 and 8 go to the bus a byte at a time, since
     * devices take only those sizes. Returns false when the exit makes no sense.
     */
    boolean mmio() {
        long address = run.getLong(Run.MMIO_PHYS_ADDR);
        int len = run.getInt(Run.MMIO_LEN);
        boolean isWrite = run.getByte(Run.MMIO_IS_WRITE) != 0;
        if (len < 1 || len > MMIO_DATA_BYTES) {
            LOG.error("vCPU {}: KVM_EXIT_MMIO makes no sense: {} bytes at 0x{}", vcpu, len, Long.toHexString(address));
            return false;
        }
        boolean whole = len == 1 || len == 2 || len == 4 || len == 8;
        if (isWrite) {
            if (whole) {
                write(mmio, address, len, load(Run.MMIO_DATA, len));
            } else {
                for (int i = 0; i < len; i++) {
                    write(mmio, address + i, 1, run.getByte(Run.MMIO_DATA + i) & 0xFF);
                }
            }
        } else if (whole) {
            store(Run.MMIO_DATA, len, read(mmio, address, len));
        } else {
            for (int i = 0; i < len; i++) {
                run.putByte(Run.MMIO_DATA + i, (byte) read(mmio, address + i, 1));
            }
        }
        return true;
    }

    /** Little-endian, zero-extended, as the bus wants it. */
    private long load(long at, int size) {
        return switch (size) {
            case 1 -> run.getByte(at) & 0xFFL;
            case 2 -> run.getShort(at) & 0xFFFFL;
            case 4 -> run.getInt(at) & 0xFFFF_FFFFL;
            default -> run.getLong(at);
        };
    }

    private void store(long at, int size, long value) {
        switch (size) {
            case 1 -> run.putByte(at, (byte) value);
            case 2 -> run.putShort(at, (short) value);
            case 4 -> run.putInt(at, (int) value);
            default -> run.putLong(at, value);
        }
    }

    private long read(Bus bus, long address, int size) {
        try {
            return bus.read(address, size);
        } catch (RuntimeException e) {
            LOG.warn("vCPU {}: {} read of {} bytes at 0x{} failed in the device; the guest reads all ones",
                    vcpu, bus, size, Long.toHexString(address), e);
            return -1L;
        }
    }

    private void write(Bus bus, long address, int size, long value) {
        try {
            bus.write(address, size, value);
        } catch (RuntimeException e) {
            LOG.warn("vCPU {}: {} write of {} bytes at 0x{} failed in the device; the write is dropped",
                    vcpu, bus, size, Long.toHexString(address), e);
        }
    }
}
