package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.*;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicBoolean;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jnr.ffi.Pointer;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.accel.VcpuExit;
import org.altovirt.accel.kvm.KvmStructs.MpState;
import org.altovirt.accel.kvm.KvmStructs.Regs;
import org.altovirt.accel.kvm.KvmStructs.Run;
import org.altovirt.accel.kvm.KvmStructs.Sregs;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.state.StateException;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One KVM vCPU: KVM_RUN in a loop on the calling thread, port and MMIO exits carried out on the
 * buses, and a {@link #kick} that takes the thread out of the guest from any other thread
 * (immediate_exit plus a signal, docs/facts.md §5). Made by {@link KvmVm#createVcpu}.
 *
 * <p>What {@link #run} returns: {@link VcpuExit.Kicked} after a kick; {@link
 * VcpuExit.GuestShutdown} with reason {@code guest-shutdown} for a triple fault (KVM_EXIT_SHUTDOWN:
 * StratoVirt powers the VM off and reports it so; QEMU would call it {@code guest-reset}) and for
 * KVM_SYSTEM_EVENT_SHUTDOWN, {@code guest-reset} for KVM_SYSTEM_EVENT_RESET, and {@code
 * guest-panic} for KVM_SYSTEM_EVENT_CRASH and whatever leaves the vCPU unable to go on
 * (KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, an unknown exit, a failing KVM_RUN), each logged
 * once with KVM's details.
 */
public final class KvmVcpu implements VcpuBackend, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvmVcpu.class);
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    static final String GUEST_SHUTDOWN = "guest-shutdown";
    static final String GUEST_RESET = "guest-reset";
    static final String GUEST_PANIC = "guest-panic";

    private final int index;
    private final int fd;
    private final long runAddress;
    private final int runSize;
    private final Pointer run;
    private final GuestIo io;
    /** Used on the vCPU thread only. */
    private final Pointer mpState = Native.allocate(MpState.SIZE);

    private final Object lock = new Object();
    private final AtomicBoolean kickPending = new AtomicBoolean();
    /** Guarded by {@link #lock}: a thread is inside {@link #run}. */
    private boolean running;
    /** Guarded by {@link #lock}. */
    private boolean closed;
    /** Guarded by {@link #lock}: the thread whose host id {@link #tid} is. */
    private Thread runner;
    /** Host id of the thread that runs (or last ran) this vCPU; 0 before the first run. */
    private volatile int tid;
    private volatile boolean inGuest;
    /** Whether the vCPU was halted when {@link #run} last left the guest. */
    private volatile boolean haltedOutside;

    private KvmVcpu(int index, int fd, long runAddress, int runSize, Bus pio, Bus mmio) {
        this.index = index;
        this.fd = fd;
        this.runAddress = runAddress;
        this.runSize = runSize;
        this.run = Native.pointer(runAddress, runSize);
        this.io = new GuestIo(index, run, runSize, pio, mmio);
    }

    static KvmVcpu create(Kvm kvm, int vmFd, int index, Bus pio, Bus mmio, BootCpuState boot) throws KvmException {
        int fd = KvmIoctl.call(vmFd, KVM_CREATE_VCPU, index, "KVM_CREATE_VCPU " + index);
        LibC c = LibC.get();
        int size = kvm.vcpuMmapSize();
        Pointer mapped = c.mmap(null, size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        long address = mapped == null ? LibC.MAP_FAILED : mapped.address();
        if (address == LibC.MAP_FAILED) {
            KvmException e = KvmException.last("mmap of vCPU " + index + "'s kvm_run (" + size + " bytes)");
            c.close(fd);
            throw e;
        }
        try {
            VcpuSetup.apply(kvm, fd, index, boot);
            KvmVcpu vcpu = new KvmVcpu(index, fd, address, size, pio, mmio);
            vcpu.haltedOutside = vcpu.halted(vcpu.mpState());
            return vcpu;
        } catch (KvmException | RuntimeException e) {
            c.munmap(address, size);
            c.close(fd);
            throw e;
        }
    }

    /** The vCPU's index, which is also its APIC id. */
    public int index() {
        return index;
    }

    /**
     * Runs the guest on the calling thread until a kick or until the guest stops the machine.
     * One thread at a time; the machine calls it from this vCPU's thread.
     */
    @Override
    public VcpuExit run() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("vCPU " + index + " is closed");
            }
            if (running) {
                throw new IllegalStateException("vCPU " + index + " is already running on thread " + tid);
            }
            running = true;
            if (runner != Thread.currentThread()) {
                runner = Thread.currentThread();
                tid = (int) LibC.get().syscall(LibC.SYS_GETTID, 0, 0, 0);
            }
        }
        try {
            return loop();
        } finally {
            synchronized (lock) {
                running = false;
                lock.notifyAll();
            }
        }
    }

    private VcpuExit loop() {
        LibC c = LibC.get();
        while (true) {
            if (kickPending.getAndSet(false)) {
                if (ioPending) {
                    completePendingIo(c);
                }
                return kicked();
            }
            inGuest = true;
            int rc = c.ioctl(fd, KVM_RUN, 0);
            inGuest = false;
            ioPending = false;
            if (rc < 0) {
                int errno = Native.errno();
                if (errno == EINTR || errno == EAGAIN) {
                    // A kick (taken at the top of the loop) or some other signal: re-enter.
                    clearImmediateExit();
                    continue;
                }
                LOG.error("vCPU {}: {}", index, new NativeException("KVM_RUN", errno).getMessage());
                return new VcpuExit.GuestShutdown(GUEST_PANIC);
            }
            int reason = run.getInt(Run.EXIT_REASON);
            VcpuExit exit = exit(reason);
            if (exit != null) {
                return exit;
            }
            ioPending = reason == KVM_EXIT_IO || reason == KVM_EXIT_MMIO;
        }
    }

    /**
     * Set after an I/O or MMIO exit was handled: KVM finishes that instruction (an IN's register,
     * RIP past it) only when KVM_RUN is entered again. The KVM API's way to leave with the vCPU
     * consistent (so that a snapshot neither repeats nor loses the instruction): enter once more
     * with immediate_exit set, which completes the instruction and returns EINTR at once.
     */
    private boolean ioPending;

    private void completePendingIo(LibC c) {
        run.putByte(Run.IMMEDIATE_EXIT, (byte) 1);
        VarHandle.fullFence();
        inGuest = true;
        c.ioctl(fd, KVM_RUN, 0);
        inGuest = false;
        ioPending = false;
    }

    /** Handles one exit; null to re-enter the guest. */
    private VcpuExit exit(int reason) {
        switch (reason) {
            case KVM_EXIT_IO:
                return io.portIo() ? null : new VcpuExit.GuestShutdown(GUEST_PANIC);
            case KVM_EXIT_MMIO:
                return io.mmio() ? null : new VcpuExit.GuestShutdown(GUEST_PANIC);
            case KVM_EXIT_INTR:
                return null;
            case KVM_EXIT_HLT:
                return haltUntilKicked();
            case KVM_EXIT_SHUTDOWN:
                LOG.info("vCPU {}: triple fault (KVM_EXIT_SHUTDOWN) at RIP {}; the guest is shut down", index, rip());
                return new VcpuExit.GuestShutdown(GUEST_SHUTDOWN);
            case KVM_EXIT_SYSTEM_EVENT:
                return systemEvent(run.getInt(Run.SYSTEM_EVENT_TYPE));
            case KVM_EXIT_FAIL_ENTRY:
                LOG.error("vCPU {}: KVM_EXIT_FAIL_ENTRY: hardware entry failure reason 0x{} on host CPU {}, RIP {}",
                        index, Long.toHexString(run.getLong(Run.FAIL_ENTRY_REASON)), run.getInt(Run.FAIL_ENTRY_CPU), rip());
                return new VcpuExit.GuestShutdown(GUEST_PANIC);
            case KVM_EXIT_INTERNAL_ERROR:
                LOG.error("vCPU {}: KVM_EXIT_INTERNAL_ERROR: suberror {}{} data {}, RIP {}", index,
                        run.getInt(Run.INTERNAL_SUBERROR),
                        run.getInt(Run.INTERNAL_SUBERROR) == KVM_INTERNAL_ERROR_EMULATION ? " (emulation failed)" : "",
                        internalErrorData(), rip());
                return new VcpuExit.GuestShutdown(GUEST_PANIC);
            default:
                LOG.error("vCPU {}: unexpected {} at RIP {}", index, exitName(reason), rip());
                return new VcpuExit.GuestShutdown(GUEST_PANIC);
        }
    }

    private VcpuExit systemEvent(int type) {
        switch (type) {
            case KVM_SYSTEM_EVENT_SHUTDOWN:
                return new VcpuExit.GuestShutdown(GUEST_SHUTDOWN);
            case KVM_SYSTEM_EVENT_RESET:
                return new VcpuExit.GuestShutdown(GUEST_RESET);
            case KVM_SYSTEM_EVENT_CRASH:
                LOG.error("vCPU {}: the guest reported a crash (KVM_SYSTEM_EVENT_CRASH)", index);
                return new VcpuExit.GuestShutdown(GUEST_PANIC);
            default:
                LOG.warn("vCPU {}: ignoring KVM_EXIT_SYSTEM_EVENT of type {}", index, type);
                return null;
        }
    }

    private String internalErrorData() {
        int n = Math.min(run.getInt(Run.INTERNAL_NDATA), Run.INTERNAL_DATA_MAX);
        StringJoiner out = new StringJoiner(" ", "[", "]");
        for (int i = 0; i < n; i++) {
            out.add("0x" + Long.toHexString(run.getLong(Run.INTERNAL_DATA + 8L * i)));
        }
        return out.toString();
    }

    /** RIP for a log line, read on the vCPU thread after an exit. */
    private String rip() {
        try {
            return "0x" + Long.toHexString(regs().rip());
        } catch (KvmException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * KVM_EXIT_HLT comes only without an in-kernel LAPIC, where no interrupt could wake the vCPU
     * anyway: it stays halted until kicked, as it would in the kernel.
     */
    private VcpuExit haltUntilKicked() {
        haltedOutside = true;
        synchronized (lock) {
            while (!kickPending.get()) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        kickPending.set(false);
        clearImmediateExit();
        return new VcpuExit.Kicked();
    }

    private VcpuExit kicked() {
        clearImmediateExit();
        haltedOutside = halted(mpState());
        return new VcpuExit.Kicked();
    }

    /** Clears immediate_exit before the next look at {@link #kickPending}, so no kick is lost. */
    private void clearImmediateExit() {
        run.putByte(Run.IMMEDIATE_EXIT, (byte) 0);
        VarHandle.fullFence();
    }

    /**
     * Makes the current or next {@link #run} return {@link VcpuExit.Kicked}. immediate_exit covers
     * a thread about to enter KVM_RUN, the signal one inside it (docs/facts.md §5); the flag is set
     * first and immediate_exit second, so whichever the vCPU thread sees, it sees the kick.
     */
    @Override
    public void kick() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            requestExit();
            lock.notifyAll();
        }
    }

    /** Called with {@link #lock} held. */
    private void requestExit() {
        kickPending.set(true);
        VarHandle.fullFence();
        run.putByte(Run.IMMEDIATE_EXIT, (byte) 1);
        VarHandle.fullFence();
        if (running) {
            KickSignal.send(tid);
        }
    }

    /**
     * Whether the vCPU is halted: in the guest, whether its thread sleeps in KVM_RUN (what a
     * HLT, or an AP waiting for its SIPI, looks like from outside: KVM's vCPU state cannot be read
     * while KVM_RUN holds it); out of the guest, whether KVM's MP state said halted (or not yet
     * started) when {@link #run} last returned. Best effort: a vCPU thread that sleeps in KVM_RUN
     * for another reason (a page fault waiting for the host) reads as halted meanwhile.
     */
    @Override
    public boolean halted() {
        if (inGuest) {
            int t = tid;
            return t > 0 && sleeping(t);
        }
        return haltedOutside;
    }

    /** Whether a thread is in KVM_RUN (or about to enter it). */
    boolean inGuest() {
        return inGuest;
    }

    /** The thread's state in /proc/self/task/TID/stat is S (interruptible sleep). */
    private static boolean sleeping(int tid) {
        try {
            String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
            int end = stat.lastIndexOf(')');
            return end >= 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'S';
        } catch (IOException e) {
            return false;
        }
    }

    private boolean halted(int mp) {
        return mp == KVM_MP_STATE_HALTED || mp == KVM_MP_STATE_UNINITIALIZED || mp == KVM_MP_STATE_INIT_RECEIVED;
    }

    /** KVM_GET_MP_STATE; -1 (and a log line) if KVM refuses. */
    int mpState() {
        if (LibC.get().ioctl(fd, KVM_GET_MP_STATE, mpState) < 0) {
            LOG.warn("vCPU {}: {}", index, NativeException.last("KVM_GET_MP_STATE").getMessage());
            return -1;
        }
        return mpState.getInt(0);
    }

    /**
     * The general-purpose registers. KVM serializes a vCPU's ioctls, so while another thread is in
     * {@link #run} this waits until that thread leaves the guest: ask while the vCPU is parked.
     */
    public KvmRegs regs() throws KvmException {
        Pointer p = Native.allocate(Regs.SIZE);
        KvmIoctl.call(fd, KVM_GET_REGS, p, "KVM_GET_REGS on vCPU " + index);
        return KvmRegs.read(p);
    }

    /** The kernel's whole state of this vCPU, for a snapshot; call while it is parked. */
    @Override
    public ObjectNode saveState() throws StateException {
        try {
            return KvmState.saveVcpu(fd, index);
        } catch (KvmException e) {
            throw new StateException("vCPU " + index + ": " + e.getMessage(), e);
        }
    }

    /** Loads a saved state into the kernel before the vCPU first runs. */
    @Override
    public void restoreState(JsonNode state) throws StateException {
        try {
            KvmState.restoreVcpu(fd, index, state);
        } catch (KvmException e) {
            throw new StateException("vCPU " + index + ": " + e.getMessage(), e);
        }
    }

    /** The segment and control registers; same caveat as {@link #regs}. */
    public KvmSregs sregs() throws KvmException {
        Pointer p = Native.allocate(Sregs.SIZE);
        KvmIoctl.call(fd, KVM_GET_SREGS, p, "KVM_GET_SREGS on vCPU " + index);
        return KvmSregs.read(p);
    }

    /**
     * Takes the vCPU out of {@link #run} (as a kick would), waits for that, and releases it. No
     * {@link #run} may follow; {@link #kick} does nothing afterwards.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            requestExit();
            lock.notifyAll();
            closed = true;
            boolean interrupted = false;
            while (running) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            LibC.get().munmap(runAddress, runSize);
            LibC.get().close(fd);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "KVM vCPU " + index;
    }
}
