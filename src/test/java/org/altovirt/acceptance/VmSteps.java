package org.altovirt.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.altovirt.accel.kvm.KvmProbe;

/** Steps that start altovirt, give it files, and look at what it printed and how it ended. */
public final class VmSteps {
    private final World world;

    public VmSteps(World world) {
        this.world = world;
    }

    private List<String> withQmp(String options) {
        List<String> args = new ArrayList<>(List.of("-qmp", "unix:" + world.workspace.socket() + ",server,nowait"));
        args.addAll(world.workspace.words(options));
        return args;
    }

    @Given("^a VM started with \"(.*)\"$")
    public void aVmStartedWith(String options) throws IOException {
        world.vm = AltovirtProcess.start(world.workspace, withQmp(options));
    }

    @When("^altovirt is run with \"(.*)\"$")
    public void altovirtIsRunWith(String options) throws Exception {
        runToExit(withQmp(options));
    }

    @When("altovirt is run without -qmp")
    public void altovirtIsRunWithoutQmp() throws Exception {
        runToExit(List.of("-m", "256"));
    }

    @When("^altovirt is run without -qmp with \"(.*)\"$")
    public void altovirtIsRunWithoutQmpWith(String options) throws Exception {
        runToExit(world.workspace.words(options));
    }

    @When("^altovirt is run on the QMP socket \"([^\"]*)\" with \"(.*)\"$")
    public void altovirtIsRunWithSocket(String socket, String options) throws Exception {
        List<String> args = new ArrayList<>(List.of("-qmp", "unix:" + world.workspace.expand(socket) + ",server,nowait"));
        args.addAll(world.workspace.words(options));
        runToExit(args);
    }

    private void runToExit(List<String> args) throws Exception {
        if (world.run != null) {
            world.run.close();
        }
        world.run = AltovirtProcess.start(world.workspace, args);
        world.run.awaitExit(World.PATIENCE);
    }

    @Given("a disk image {string} of {int} MiB")
    public void sparseDisk(String disk, int mib) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(world.workspace.file(disk).toFile(), "rw")) {
            f.setLength((long) mib << 20);
        }
    }

    @Given("a config file {string} containing:")
    public void aConfigFile(String name, String text) throws IOException {
        Files.writeString(world.workspace.file(name), world.workspace.expand(text));
    }

    @Given("a file {string} containing {string}")
    public void aFileContaining(String name, String text) throws IOException {
        Files.createDirectories(world.workspace.file(name).getParent());
        Files.writeString(world.workspace.file(name), text);
    }

    /** Hides KVM from the altovirt processes of this scenario: the probe looks at {@code path}. */
    @Given("KVM is looked for at {string}")
    public void kvmLookedFor(String path) {
        world.workspace.setenv(KvmProbe.DEVICE_VARIABLE, world.workspace.expand(path));
    }

    @Given("a folder {string}")
    public void aFolder(String name) throws IOException {
        Files.createDirectories(world.workspace.file(name));
    }

    @Then("the folder {string} is still empty")
    public void folderStillEmpty(String name) {
        assertThat(world.workspace.file(name)).isEmptyDirectory();
    }

    @Then("the file {string} has a line containing {string}")
    public void fileHasLine(String name, String text) throws IOException {
        String expected = world.workspace.expand(text);
        assertThat(world.workspace.file(name)).as("altovirt's stderr: %s", world.current().stderr()).exists();
        assertThat(Files.readAllLines(world.workspace.file(name))).anyMatch(l -> l.contains(expected));
    }

    @Then("altovirt exits with status {int}")
    public void exitsWith(int status) throws InterruptedException {
        AltovirtProcess p = world.current();
        assertThat(p.awaitExit(World.PATIENCE)).as("exit status; stderr: %s", p.stderr()).isEqualTo(status);
    }

    @Then("stderr is one line containing {string}")
    public void stderrIsOneLine(String text) {
        String err = world.current().stderr().strip();
        assertThat(err.lines()).as("stderr").hasSize(1);
        assertThat(err).contains(world.workspace.expand(text)).doesNotContain("Exception");
    }

    @Then("stderr has a line containing {string}")
    public void stderrHasLine(String text) {
        String expected = world.workspace.expand(text);
        assertThat(world.current().stderr().lines()).anyMatch(l -> l.contains(expected));
    }

    @Then("stdout contains {string}")
    public void stdoutContains(String text) {
        assertThat(world.current().stdout()).contains(text);
    }

    @Then("the file {string} still contains {string}")
    public void fileStillContains(String name, String text) throws IOException {
        assertThat(Files.readString(world.workspace.file(name))).isEqualTo(text);
    }

    @Then("the QMP socket has mode 0600")
    public void socketMode() throws Exception {
        world.connect().close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(world.workspace.socket())))
                .isEqualTo("rw-------");
    }

    @Then("the QMP socket no longer exists")
    public void socketGone() {
        assertThat(world.workspace.socket()).doesNotExist();
    }

    @When("altovirt is sent SIGTERM")
    public void sigterm() {
        world.vm.terminate();
    }

    @Then("the pid file {string} names a running process other than the launcher")
    public void pidFileNamesProcess(String name) throws IOException {
        long pid = Long.parseLong(Files.readString(world.workspace.file(name)).strip());
        world.daemonPids.add(pid);
        assertThat(pid).isNotEqualTo(world.run.pid());
        assertThat(ProcessHandle.of(pid)).as("process %d", pid).isPresent();
        assertThat(ProcessHandle.of(pid).get().isAlive()).isTrue();
    }

    @Then("the process named by {string} ends")
    public void processEnds(String name) throws Exception {
        long pid = world.daemonPids.get(world.daemonPids.size() - 1);
        var handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
            handle.get().onExit().get(World.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Then("the file {string} no longer exists")
    public void fileGone(String name) {
        Path p = world.workspace.file(name);
        assertThat(p).doesNotExist();
    }

    @Then("the snapshot directory {string} holds a state file and a memory file of {long} bytes")
    public void snapshotFiles(String dir, long bytes) throws IOException {
        java.nio.file.Path d = world.workspace.file(dir);
        assertThat(d.resolve("state")).isRegularFile();
        assertThat(java.nio.file.Files.size(d.resolve("memory"))).isEqualTo(bytes);
        try (var list = java.nio.file.Files.list(d)) {
            assertThat(list.map(p -> p.getFileName().toString())).as("nothing half-written left").containsExactlyInAnyOrder("state", "memory");
        }
    }
}
