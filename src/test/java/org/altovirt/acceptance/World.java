package org.altovirt.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What one scenario has: its folder, the altovirt it started, and its QMP connections. */
public final class World implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(30);

    final Workspace workspace = new Workspace();
    AltovirtProcess vm;
    /** The process of a finished launcher run ("altovirt is run with ..."). */
    AltovirtProcess run;
    RawConnection client;
    RawConnection second;
    JsonNode lastReturn;
    JsonNode lastMessage;
    final List<Long> daemonPids = new ArrayList<>();

    /** The process a step about "altovirt" means: the one run last, else the VM. */
    AltovirtProcess current() {
        return run != null ? run : vm;
    }

    /** Connects to the VM's socket, waiting until it is there. */
    RawConnection connect() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            try {
                return RawConnection.open(workspace.socket());
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("cannot connect to " + workspace.socket() + ": " + e
                            + (vm != null ? "; altovirt stderr: " + vm.stderr() : ""));
                }
                if (vm != null && !vm.isAlive()) {
                    throw new AssertionError("altovirt exited with " + vm.awaitExit(PATIENCE)
                            + " before its socket opened; stderr: " + vm.stderr());
                }
                Thread.sleep(20); // polling for the socket, bounded by the deadline above
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (RawConnection c : new RawConnection[] {client, second}) {
            if (c != null) {
                c.close();
            }
        }
        for (AltovirtProcess p : new AltovirtProcess[] {vm, run}) {
            if (p != null) {
                p.close();
            }
        }
        for (long pid : daemonPids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        workspace.close();
    }
}
