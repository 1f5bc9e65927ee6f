package org.altovirt.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.accel.VcpuExit;
import org.altovirt.config.CommandLine;
import org.altovirt.config.VmConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicroVmTest {
    /** Stands in for guest code: spins until kicked, and says whether it is inside. */
    static final class SpinningGuest implements VcpuBackend {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger entries = new AtomicInteger();
        volatile boolean kicked;
        volatile String shutdownReason;

        @Override
        public VcpuExit run() {
            inside.incrementAndGet();
            entries.incrementAndGet();
            try {
                while (!kicked) {
                    if (shutdownReason != null) {
                        return new VcpuExit.GuestShutdown(shutdownReason);
                    }
                    Thread.onSpinWait();
                }
                kicked = false;
                return new VcpuExit.Kicked();
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public void kick() {
            kicked = true;
        }

        @Override
        public boolean halted() {
            return false;
        }
    }

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<SpinningGuest> guests = new ArrayList<>();
    private MicroVm vm;

    private MicroVm start(String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("-qmp", "unix:" + Path.of("/tmp/unused.sock") + ",server,nowait"));
        args.addAll(List.of(options));
        VmConfig config = CommandLine.parse(args);
        vm = new MicroVm(config, this::event, i -> {
            SpinningGuest g = new SpinningGuest();
            guests.add(g);
            return g;
        });
        vm.boot();
        return vm;
    }

    private void event(String name, ObjectNode data) {
        events.add(name + data);
    }

    @AfterEach
    void end() {
        if (vm != null) {
            vm.shutdown(false, "host-qmp-quit");
        }
    }

    private void awaitAllInside() {
        for (SpinningGuest g : guests) {
            while (g.inside.get() == 0) {
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void stopTakesEveryVcpuOutOfGuestCodeBeforeReturning() throws Exception {
        start("-smp", "3", "-m", "256");
        awaitAllInside();
        vm.pause();
        assertThat(guests).allMatch(g -> g.inside.get() == 0);
        assertThat(vm.state()).isEqualTo(VmState.PAUSED);
        assertThat(events).containsExactly("STOP{}");
    }

    @Test
    void contPutsThemBack() throws Exception {
        start("-smp", "2", "-m", "256");
        awaitAllInside();
        vm.pause();
        int before = guests.get(0).entries.get();
        vm.resume();
        awaitAllInside();
        assertThat(guests.get(0).entries.get()).isGreaterThan(before);
        assertThat(events).containsExactly("STOP{}", "RESUME{}");
    }

    @Test
    void doubleStopAndDoubleContAreRefusedWithoutEvents() throws Exception {
        start("-m", "256");
        assertThatThrownBy(vm::resume).hasMessage("VM is already running");
        vm.pause();
        assertThatThrownBy(vm::pause).hasMessage("VM is already paused");
        assertThat(events).containsExactly("STOP{}");
    }

    @Test
    void withDashSNoVcpuEntersGuestCodeUntilCont() throws Exception {
        start("-m", "256", "-S");
        assertThat(vm.state()).isEqualTo(VmState.CREATED);
        assertThat(guests).allMatch(g -> g.entries.get() == 0);
        vm.resume();
        awaitAllInside();
        assertThat(events).containsExactly("RESUME{}");
    }

    @Test
    void aGuestShutdownEndsTheVmWithItsReason() throws Exception {
        start("-smp", "2", "-m", "256");
        awaitAllInside();
        guests.get(1).shutdownReason = "guest-reset";
        vm.awaitTermination();
        assertThat(vm.state()).isEqualTo(VmState.SHUTDOWN);
        assertThat(events).containsExactly("SHUTDOWN{\"guest\":true,\"reason\":\"guest-reset\"}");
    }

    @Test
    void aGuestShutdownDuringStopDoesNotDeadlock() throws Exception {
        start("-smp", "2", "-m", "256");
        awaitAllInside();
        guests.get(0).shutdownReason = "guest-shutdown";
        try {
            vm.pause();
            vm.resume(); // stop won the race: the guest shuts down once it runs again
        } catch (MicroVm.StateException alreadyDown) {
            // the guest won the race: then stop (or cont) is refused, which is right too
        }
        vm.awaitTermination();
        assertThat(events).last().asString().startsWith("SHUTDOWN");
    }

    @Test
    void eachVcpuReportsItsOwnHostThread() throws Exception {
        start("-smp", "2", "-m", "256");
        List<MicroVm.VcpuInfo> info = vm.vcpus();
        assertThat(info).extracting(MicroVm.VcpuInfo::threadId).doesNotHaveDuplicates()
                .allMatch(tid -> Path.of("/proc/self/task/" + tid).toFile().isDirectory());
    }

    @Test
    void shutdownHappensOnce() throws Exception {
        start("-m", "256");
        vm.shutdown(false, "host-qmp-quit");
        vm.shutdown(false, "host-signal");
        assertThat(events).containsExactly("SHUTDOWN{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
    }
}
