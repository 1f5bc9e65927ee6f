package org.altovirt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.altovirt.qmp.client.QmpClient;
import org.altovirt.qmp.client.QmpErrorReply;

/**
 * A short, typical life of a VM, run once by the launcher with
 * {@code -XX:ArchiveClassesAtExit} to record which classes a start needs (application class-data
 * sharing): later starts map them from the archive instead of loading and verifying them again.
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("altovirt-cds-");
        Path socket = dir.resolve("qmp.sock");
        Thread vm = new Thread(() -> Main.run(new String[] {
            "-machine", "microvm", "-m", "256", "-smp", "2", "-qmp", "unix:" + socket + ",server,nowait"}));
        vm.start();
        try (QmpClient client = QmpClient.connect(socket, Duration.ofSeconds(30))) {
            client.negotiate();
            for (String command : new String[] {"query-status", "query-cpus", "query-hotpluggable-cpus",
                "query-version", "query-commands", "stop", "cont"}) {
                client.execute(command);
            }
            try {
                client.execute("no-such-command");
            } catch (QmpErrorReply expected) {
                // the error path is part of a typical session too
            }
            client.execute("quit");
        }
        vm.join();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }
}
