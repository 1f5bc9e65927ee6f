package org.altovirt.machine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntFunction;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.config.CpuTopology;
import org.altovirt.config.VmConfig;
import org.altovirt.qmp.EventSink;

/**
 * The VM: its configuration, its vCPUs and its lifecycle (created, running, paused, shutdown).
 * Every change of state happens here, under one lock, and emits its event before returning, so
 * the QMP reply that follows comes after the event (the document's order).
 */
public final class MicroVm {
    /** Why a transition was refused; the message is for the user. */
    public static final class StateException extends Exception {
        StateException(String message) {
            super(message);
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final VmConfig config;
    private final EventSink events;
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private VmState state = VmState.CREATED;

    /**
     * @param backends makes the backend of vCPU {@code i} (the accelerator's)
     */
    public MicroVm(VmConfig config, EventSink events, IntFunction<VcpuBackend> backends) {
        this.config = config;
        this.events = events;
        for (int i = 0; i < config.cpus().cpus(); i++) {
            vcpus.add(new Vcpu(i, backends.apply(i), (vcpu, reason) -> guestShutdown(reason)));
        }
    }

    public VmConfig config() {
        return config;
    }

    /** Starts the vCPU threads; they run guest code at once unless the VM was created with -S. */
    public synchronized void boot() {
        vcpus.forEach(Vcpu::start);
        if (!config.startPaused()) {
            state = VmState.RUNNING;
            vcpus.forEach(Vcpu::unpark);
        }
    }

    public synchronized VmState state() {
        return state;
    }

    /** {@code stop}: every vCPU out of guest code, then STOP. */
    public synchronized void pause() throws StateException {
        switch (state) {
            case RUNNING -> {
                vcpus.forEach(Vcpu::park);
                state = VmState.PAUSED;
                events.emit("STOP", NODES.objectNode());
            }
            case PAUSED -> throw new StateException("VM is already paused");
            case CREATED -> throw new StateException("VM has not been started yet (it was created with -S); use cont to start it");
            case SHUTDOWN -> throw new StateException("VM is shutting down");
        }
    }

    /** {@code cont}: RESUME, then every vCPU back in guest code. Also starts a VM created with -S. */
    public synchronized void resume() throws StateException {
        switch (state) {
            case PAUSED, CREATED -> {
                state = VmState.RUNNING;
                events.emit("RESUME", NODES.objectNode());
                vcpus.forEach(Vcpu::unpark);
            }
            case RUNNING -> throw new StateException("VM is already running");
            case SHUTDOWN -> throw new StateException("VM is shutting down");
        }
    }

    /**
     * Ends the VM: vCPUs stop, SHUTDOWN is emitted, and {@link #awaitTermination} returns. Later
     * calls do nothing.
     */
    public void shutdown(boolean guest, String reason) {
        synchronized (this) {
            if (state == VmState.SHUTDOWN) {
                return;
            }
            state = VmState.SHUTDOWN;
            vcpus.forEach(Vcpu::end);
            ObjectNode data = NODES.objectNode().put("guest", guest).put("reason", reason);
            events.emit("SHUTDOWN", data);
        }
        terminated.countDown();
    }

    private void guestShutdown(String reason) {
        shutdown(true, reason);
    }

    /** Blocks until the VM has shut down. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** What {@code query-cpus} shows of each online vCPU. */
    public record VcpuInfo(int index, CpuTopology.Position position, long threadId, boolean halted) {}

    public synchronized List<VcpuInfo> vcpus() {
        CpuTopology topology = config.cpus();
        List<VcpuInfo> out = new ArrayList<>(vcpus.size());
        for (Vcpu v : vcpus) {
            out.add(new VcpuInfo(v.index(), topology.position(v.index()), v.threadId(), v.halted()));
        }
        return out;
    }
}
