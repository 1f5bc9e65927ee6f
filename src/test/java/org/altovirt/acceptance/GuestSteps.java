package org.altovirt.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.Before;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altovirt.accel.kvm.KvmProbe;
import org.opentest4j.TestAbortedException;

/** Steps that boot the conformance guest and talk to it on its serial console. */
public final class GuestSteps {
    private final World world;
    private GuestConsole console;
    private String lastOutput;
    private byte[] diskBefore;
    private String diskName;

    public GuestSteps(World world) {
        this.world = world;
    }

    /** Scenarios (or examples) tagged @kvm need usable KVM (the one probe); elsewhere they are skipped. */
    @Before("@kvm")
    public void needKvm() {
        KvmProbe.Result kvm = KvmProbe.probe();
        if (!kvm.usable()) {
            throw new TestAbortedException("no usable KVM here (" + kvm + "): KVM scenarios run on a KVM host");
        }
    }

    @Given("^a VM booted on (emu|kvm) with \"(.*)\"$")
    public void aVmBooted(String accel, String options) throws IOException {
        boot(List.of("-accel", accel), options);
    }

    /** The launcher's automatic choice of accelerator: no {@code -accel}. */
    @Given("^a VM booted without -accel with \"(.*)\"$")
    public void aVmBootedWithoutAccel(String options) throws IOException {
        boot(List.of(), options);
    }

    private void boot(List<String> accel, String options) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "-qmp", "unix:" + world.workspace.socket() + ",server,nowait",
                "-kernel", Workspace.GUEST.toString(),
                "-append", "console=ttyS0 quiet",
                "-serial", "stdio"));
        args.addAll(accel);
        args.addAll(world.workspace.words(options));
        assertThat(Workspace.GUEST).as("the conformance guest (built by mvn generate-resources)").exists();
        world.vm = AltovirtProcess.start(world.workspace, args);
        console = new GuestConsole(world.vm);
    }

    /**
     * A new altovirt on the same command line plus {@code -incoming file:DIR}: the guest goes on
     * where the snapshot left it, waiting at its prompt (it prints nothing on its own).
     */
    @Given("^a VM restored on (emu|kvm) from \"([^\"]*)\" with \"(.*)\"$")
    public void aVmRestored(String accel, String dir, String options) throws Exception {
        if (world.vm != null) {
            world.vm.close();
        }
        List<String> args = new ArrayList<>(List.of(
                "-qmp", "unix:" + world.workspace.socket() + ",server,nowait",
                "-accel", accel,
                "-kernel", Workspace.GUEST.toString(),
                "-append", "console=ttyS0 quiet",
                "-serial", "stdio",
                "-incoming", "file:" + world.workspace.file(dir)));
        args.addAll(world.workspace.words(options));
        world.vm = AltovirtProcess.start(world.workspace, args);
        console = new GuestConsole(world.vm, true);
    }

    @Then("the guest prints a tick count larger than before")
    public void ticksLarger() {
        assertThat(parseTicks(lastOutput)).as("ticks go on from the snapshot's").isGreaterThan(ticks);
    }

    @Then("the guest has not printed its banner again")
    public void noBanner() {
        assertThat(world.vm.stdout()).as("a restored guest goes on; it does not boot").doesNotContain("altovirt conformance guest");
    }

    @Then("the guest console shows {string}")
    public void consoleShows(String text) throws InterruptedException {
        console.await(text);
    }

    @When("the guest runs {string}")
    public void guestRuns(String command) throws Exception {
        lastOutput = console.run(world.workspace.expand(command));
    }

    @When("{string} is typed on the guest console")
    public void typed(String command) throws IOException {
        console.type(command);
    }

    @Then("the guest prints {string}")
    public void guestPrints(String text) {
        assertThat(lastOutput).contains(world.workspace.expand(text));
    }

    @Then("the guest has printed nothing new after {int} ms of pause")
    public void nothingNew(int millis) throws InterruptedException {
        // The duration is what is under test: a paused guest must not answer, however long.
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            assertThat(console.unread()).as("console output while paused").doesNotContain("ticks:");
            Thread.sleep(50);
        }
    }

    private long ticks;

    @Then("the guest prints a tick count")
    public void printsTicks() {
        ticks = parseTicks(lastOutput);
    }

    @Then("the guest then answers {string} with a larger tick count")
    public void answersTicksLater(String command) throws InterruptedException {
        String out = console.await(GuestConsole.PROMPT);
        long later = parseTicks(out);
        assertThat(later).isGreaterThan(ticks);
        ticks = later;
    }

    private static long parseTicks(String out) {
        Matcher m = Pattern.compile("ticks: (\\d+)").matcher(out);
        assertThat(m.find()).as("a tick count in: %s", out).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Then("the guest prints the checksum of compute {long}")
    public void computeChecksum(long n) {
        assertThat(lastOutput).contains(String.format("compute: n=%d checksum=%016x", n, GuestReference.compute(n)));
    }

    @Given("a disk image {string} of {int} MiB filled with random bytes")
    public void randomDisk(String name, int mib) throws IOException {
        byte[] data = new byte[mib << 20];
        new Random(name.hashCode()).nextBytes(data);
        Files.write(world.workspace.file(name), data);
        diskName = name;
        diskBefore = data;
    }

    @Then("the guest prints the checksum of sectors {int} to {int} of {string}")
    public void readChecksum(int first, int count, String name) throws IOException {
        byte[] data = Files.readAllBytes(world.workspace.file(name));
        long sum = GuestReference.fnv1a64(data, first * 512, count * 512);
        assertThat(lastOutput).contains(String.format("fnv1a64=%016x", sum));
    }

    @Then("sectors {int} to {int} of {string} hold the guest's pattern {int}")
    public void holdsPattern(int first, int count, String name, int pattern) throws IOException {
        byte[] data = Files.readAllBytes(world.workspace.file(name));
        for (long off = first * 512L; off < (first + count) * 512L; off++) {
            if (data[(int) off] != GuestReference.patternByte(off, pattern)) {
                throw new AssertionError("byte " + off + " of " + name + " is not the guest's pattern");
            }
        }
    }

    @Then("the rest of {string} is unchanged")
    public void restUnchanged(String name) throws IOException {
        byte[] now = Files.readAllBytes(world.workspace.file(name));
        assertThat(now.length).isEqualTo(diskBefore.length);
        for (int i = 0; i < now.length; i++) {
            if (now[i] != diskBefore[i] && (i < lastWriteStart || i >= lastWriteEnd)) {
                throw new AssertionError("byte " + i + " of " + name + " changed outside the guest's write");
            }
        }
    }

    private long lastWriteStart = -1;
    private long lastWriteEnd;

    @When("the guest writes pattern {int} to sectors {int} to {int} of {word}")
    public void guestWrites(int pattern, int first, int count, String disk) throws Exception {
        guestRuns("blk write " + disk + " " + first + " " + count + " " + pattern);
        lastWriteStart = first * 512L;
        lastWriteEnd = (first + count) * 512L;
    }

    @Then("{string} is unchanged")
    public void fileUnchanged(String name) throws IOException {
        assertThat(Arrays.equals(Files.readAllBytes(world.workspace.file(name)), diskBefore)).as(name + " unchanged").isTrue();
    }


    private long residentBefore;

    @When("the resident memory of altovirt is noted")
    public void noteResident() throws IOException {
        residentBefore = residentKib();
    }

    /** Waits (up to the usual patience) for the process's VmRSS to drop by {@code mib}. */
    @Then("the resident memory of altovirt has shrunk by at least {int} MiB")
    public void residentShrunk(int mib) throws Exception {
        long deadline = System.nanoTime() + World.PATIENCE.toNanos();
        long now = residentKib();
        while (residentBefore - now < mib * 1024L && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // polls /proc: no event says when the kernel has freed the pages
            now = residentKib();
        }
        assertThat((residentBefore - now) / 1024).as("MiB freed: VmRSS %d KiB before, %d KiB now", residentBefore, now)
                .isGreaterThanOrEqualTo(mib);
    }

    private long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + world.vm.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS in /proc/" + world.vm.pid() + "/status");
    }
}
