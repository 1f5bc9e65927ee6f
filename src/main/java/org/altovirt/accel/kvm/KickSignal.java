package org.altovirt.accel.kvm;

import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Sigaction;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;

/**
 * The signal that takes a vCPU thread out of KVM_RUN (docs/facts.md §5). KVM_RUN returns EINTR only
 * for a signal that has a handler, so one is installed, once per process: a native function that
 * ignores its argument and touches nothing (libc's {@code getppid}), never Java code, which must
 * not run as a signal handler. SA_RESTART keeps the signal from failing other system calls the
 * vCPU thread makes in device code; KVM_RUN still returns EINTR, since KVM ends it with EINTR
 * itself rather than asking for a restart.
 */
final class KickSignal {
    /** SIGRTMIN+6 with glibc (SIGRTMIN is 34): a real-time signal that HotSpot does not use. */
    static final int SIGNAL = 40;
    private static final long SIG_DFL = 0;
    private static final int ESRCH = 3;

    private static boolean installed;
    private static volatile int pid;

    private KickSignal() {}

    /** Installs the handler for {@link #SIGNAL} unless this process has it already. */
    static synchronized void install() throws KvmException {
        if (installed) {
            return;
        }
        LibC c = LibC.get();
        long handler = com.kenai.jffi.Library.getDefault().getSymbolAddress("getppid");
        if (handler == 0) {
            throw new KvmException("cannot find libc's getppid, the vCPU kick signal's handler: "
                    + com.kenai.jffi.Library.getLastError(), null, false);
        }
        Pointer old = Native.allocate(Sigaction.SIZE);
        if (c.sigaction(SIGNAL, null, old) != 0) {
            throw KvmException.last("sigaction(" + SIGNAL + ") to read its handler");
        }
        long current = old.getAddress(Sigaction.HANDLER);
        if (current != SIG_DFL && current != handler) {
            throw new KvmException("signal " + SIGNAL + ", which altovirt uses to kick vCPUs, already has a "
                    + String.format("handler (0x%x) in this process", current), null, false);
        }
        Pointer act = Native.allocate(Sigaction.SIZE);
        act.putAddress(Sigaction.HANDLER, handler);
        act.putInt(Sigaction.FLAGS, Sigaction.SA_RESTART);
        if (c.sigaction(SIGNAL, act, null) != 0) {
            throw KvmException.last("sigaction(" + SIGNAL + ") to install the vCPU kick handler");
        }
        pid = c.getpid();
        installed = true;
    }

    /**
     * Sends the signal to thread {@code tid} of this process. A thread that has ended is no error:
     * there is nothing left to kick.
     */
    static void send(int tid) {
        long rc = LibC.get().syscall(LibC.SYS_TGKILL, pid, tid, SIGNAL);
        if (rc != 0 && Native.errno() != ESRCH) {
            throw new IllegalStateException(KvmException.last("tgkill(" + pid + ", " + tid + ", " + SIGNAL + ")")
                    .getMessage());
        }
    }
}
