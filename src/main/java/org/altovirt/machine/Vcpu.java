package org.altovirt.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.accel.VcpuExit;

/**
 * One vCPU: a platform thread that runs its backend while the VM runs and parks while it is
 * paused. {@link #park} returns only once the thread is out of guest code, so {@code stop} really
 * stops the guest (docs/architecture.md, Threads).
 */
final class Vcpu {
    interface ExitListener {
        void guestShutdown(Vcpu vcpu, String reason);
    }

    private final int index;
    private final VcpuBackend backend;
    private final ExitListener listener;
    private final Thread thread;
    private boolean runRequested;
    private boolean parked = true;
    private boolean ended;
    private long threadId = -1;

    Vcpu(int index, VcpuBackend backend, ExitListener listener) {
        this.index = index;
        this.backend = backend;
        this.listener = listener;
        this.thread = new Thread(this::loop, "vcpu-" + index);
        this.thread.setDaemon(true);
    }

    int index() {
        return index;
    }

    boolean halted() {
        return backend.halted();
    }

    /** Starts the thread (parked) and waits until its host thread id is known. */
    synchronized void start() {
        thread.start();
        while (threadId < 0) {
            waitQuietly();
        }
    }

    /** The host's id of this vCPU's thread (as in /proc/PID/task/TID). */
    synchronized long threadId() {
        return threadId;
    }

    /** Lets the thread run guest code. */
    synchronized void unpark() {
        runRequested = true;
        notifyAll();
    }

    /** Takes the thread out of guest code and returns once it is parked. */
    void park() {
        synchronized (this) {
            runRequested = false;
            if (parked || ended || Thread.currentThread() == thread) {
                return; // a vCPU that stops the VM itself leaves guest code when its exit returns
            }
        }
        backend.kick();
        synchronized (this) {
            while (!parked && !ended) {
                waitQuietly();
            }
        }
    }

    /** Waits up to {@code millis} for the thread to end after {@link #end}; true if it did. */
    boolean join(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    /** Ends the thread for good. */
    void end() {
        synchronized (this) {
            ended = true;
            runRequested = false;
            notifyAll();
        }
        backend.kick();
    }

    private void loop() {
        synchronized (this) {
            threadId = nativeThreadId();
            notifyAll();
        }
        while (true) {
            synchronized (this) {
                while (!runRequested && !ended) {
                    parked = true;
                    notifyAll();
                    waitQuietly();
                }
                if (ended) {
                    parked = true;
                    notifyAll();
                    return;
                }
                parked = false;
            }
            VcpuExit exit = backend.run();
            if (exit instanceof VcpuExit.GuestShutdown s) {
                // Out of guest code for good: say so before asking the VM to shut down, so a
                // concurrent park() (stop) is not left waiting for this thread.
                synchronized (this) {
                    runRequested = false;
                    parked = true;
                    notifyAll();
                }
                listener.guestShutdown(this, s.reason());
            }
        }
    }

    private void waitQuietly() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** /proc/thread-self links to PID/task/TID: the id tools like top and taskset use. */
    private static long nativeThreadId() {
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            return Long.parseLong(self.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read this thread's host id from /proc/thread-self", e);
        }
    }
}
