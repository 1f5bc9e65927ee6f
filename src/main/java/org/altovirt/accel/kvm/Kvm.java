package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.*;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Cpuid2;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;

/**
 * The KVM subsystem: {@code /dev/kvm} opened and checked (API version 12 and every capability
 * altovirt relies on). Make VMs with {@link KvmVm#create}. Close it after its VMs.
 */
public final class Kvm implements AutoCloseable {
    /** Where KVM normally lives. */
    public static final String DEVICE = "/dev/kvm";

    /** Linux's errno values that get a hint in the open failure's message. */
    private static final int ENOENT = 2;
    private static final int ENXIO = 6;
    private static final int EACCES = 13;
    private static final int ENODEV = 19;
    private static final int E2BIG = 7;

    /** Room for this many CPUID entries at first; doubled while KVM answers E2BIG. */
    private static final int CPUID_ENTRIES_FIRST_TRY = 128;
    private static final int CPUID_ENTRIES_MAX = 4096;

    private final String path;
    private final int fd;
    private final int vcpuMmapSize;
    private final boolean hasIrqfd;
    private final boolean hasTscDeadline;
    private List<CpuidEntry> supportedCpuid;
    private boolean closed;

    private Kvm(String path, int fd) throws KvmException {
        this.path = path;
        this.fd = fd;
        int version = KvmIoctl.call(fd, KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION on " + path);
        if (version != KVM_API_VERSION) {
            throw new KvmException(path + " speaks KVM API version " + version + "; altovirt needs "
                    + KVM_API_VERSION, null, false);
        }
        require("KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP);
        require("KVM_CAP_USER_MEMORY", KVM_CAP_USER_MEMORY);
        require("KVM_CAP_SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR);
        require("KVM_CAP_PIT2", KVM_CAP_PIT2);
        require("KVM_CAP_EXT_CPUID", KVM_CAP_EXT_CPUID);
        require("KVM_CAP_MP_STATE", KVM_CAP_MP_STATE);
        require("KVM_CAP_IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT);
        // Optional: without irqfd, interrupts go through KVM_IRQ_LINE; without the TSC deadline
        // timer, the guest uses the LAPIC timer's other modes.
        hasIrqfd = checkExtension(KVM_CAP_IRQFD) > 0;
        hasTscDeadline = checkExtension(KVM_CAP_TSC_DEADLINE_TIMER) > 0;
        vcpuMmapSize = KvmIoctl.call(fd, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    }

    /** Opens the KVM device: {@link #DEVICE}, or where {@link KvmProbe#device()} says. */
    public static Kvm open() throws KvmException {
        return open(KvmProbe.device().toString());
    }

    /** Opens the KVM device at {@code path}; fails with a message fit for the console. */
    public static Kvm open(String path) throws KvmException {
        int fd = LibC.get().open(path, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Native.errno();
            NativeException e = new NativeException("cannot open " + path, errno);
            throw new KvmException(e.getMessage() + openHint(errno), e, false);
        }
        try {
            return new Kvm(path, fd);
        } catch (KvmException | RuntimeException e) {
            LibC.get().close(fd);
            throw e;
        }
    }

    private static String openHint(int errno) {
        return switch (errno) {
            case ENOENT, ENXIO, ENODEV -> "; is KVM enabled on this host (kvm_intel or kvm_amd loaded)? -accel emu runs without it";
            case EACCES -> "; this user needs read-write access to it (usually the kvm group)";
            default -> "";
        };
    }

    private void require(String name, int capability) throws KvmException {
        if (checkExtension(capability) <= 0) {
            throw KvmException.missing(name, capability);
        }
    }

    /** KVM_CHECK_EXTENSION: 0 when absent, else positive (some capabilities answer a count). */
    public int checkExtension(int capability) throws KvmException {
        return KvmIoctl.call(fd, KVM_CHECK_EXTENSION, capability, "KVM_CHECK_EXTENSION " + capability);
    }

    /** Bytes to map from a vCPU fd: {@code struct kvm_run} and the pages after it. */
    public int vcpuMmapSize() {
        return vcpuMmapSize;
    }

    boolean hasIrqfd() {
        return hasIrqfd;
    }

    boolean hasTscDeadline() {
        return hasTscDeadline;
    }

    int fd() {
        return fd;
    }

    String path() {
        return path;
    }

    /** KVM_GET_SUPPORTED_CPUID, asked once: what the host and KVM can offer a guest. */
    synchronized List<CpuidEntry> supportedCpuid() throws KvmException {
        if (supportedCpuid == null) {
            supportedCpuid = List.copyOf(fetchSupportedCpuid());
        }
        return supportedCpuid;
    }

    private List<CpuidEntry> fetchSupportedCpuid() throws KvmException {
        for (int room = CPUID_ENTRIES_FIRST_TRY; room <= CPUID_ENTRIES_MAX; room *= 2) {
            Pointer buf = Native.allocate(Cpuid2.HEADER_SIZE + room * Cpuid2.ENTRY_SIZE);
            buf.putInt(Cpuid2.NENT, room);
            if (LibC.get().ioctl(fd, KVM_GET_SUPPORTED_CPUID, buf) < 0) {
                if (Native.errno() == E2BIG) {
                    continue;
                }
                throw KvmException.last("KVM_GET_SUPPORTED_CPUID with room for " + room + " entries");
            }
            int n = buf.getInt(Cpuid2.NENT);
            List<CpuidEntry> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(CpuidEntry.read(buf, i));
            }
            return out;
        }
        throw new KvmException("KVM_GET_SUPPORTED_CPUID wants room for more than " + CPUID_ENTRIES_MAX
                + " entries", null, false);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.get().close(fd);
        }
    }
}
