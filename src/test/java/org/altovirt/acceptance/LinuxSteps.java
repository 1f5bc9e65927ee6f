package org.altovirt.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Steps that boot the Linux guest (guest-images/linux) and drive its shell on the serial console,
 * as a user would: type a command at the {@code linux# } prompt, read what it printed.
 */
public final class LinuxSteps {
    static final String PROMPT = "linux# ";
    /**
     * A Linux boot and its commands, in the slowest place they run: nested KVM under QEMU's
     * emulator (ci/nested-kvm), where a boot takes tens of seconds.
     */
    static final Duration PATIENCE = Duration.ofMinutes(5);

    private final World world;
    private GuestConsole console;
    private String lastOutput;

    public LinuxSteps(World world) {
        this.world = world;
    }

    @Given("^a Linux VM booted on (emu|kvm) with \"(.*)\"$")
    public void booted(String accel, String options) throws Exception {
        boot(accel, "console=ttyS0", List.of(), options);
    }

    /** Like StratoVirt's quick start: the ext4 image (a copy) as vda, mounted as the root. */
    @Given("^a Linux VM booted on (emu|kvm) from its root disk with \"(.*)\"$")
    public void bootedFromRootDisk(String accel, String options) throws Exception {
        java.nio.file.Path copy = world.workspace.file("rootfs.ext4");
        Files.copy(LinuxImage.get().rootfs, copy, StandardCopyOption.REPLACE_EXISTING);
        boot(accel, "console=ttyS0 root=/dev/vda", List.of("-drive", "file=" + copy + ",id=rootfs",
                "-device", "virtio-blk-device,drive=rootfs"), options);
    }

    private void boot(String accel, String append, List<String> disks, String options) throws Exception {
        LinuxImage image = LinuxImage.get();
        List<String> args = new ArrayList<>(List.of(
                "-qmp", "unix:" + world.workspace.socket() + ",server,nowait",
                "-accel", accel,
                "-kernel", image.kernel.toString(),
                "-initrd", image.initrd.toString(),
                "-append", append,
                "-serial", "stdio"));
        args.addAll(disks);
        args.addAll(world.workspace.words(options));
        world.vm = AltovirtProcess.start(world.workspace, args);
        console = new GuestConsole(world.vm, PROMPT, PATIENCE, false);
        console.await("altovirt-linux: ready");
    }

    @Given("a disk image {string} of {int} MiB of random bytes")
    public void randomDisk(String name, int mib) throws IOException {
        java.util.Random random = new java.util.Random(name.hashCode());
        byte[] chunk = new byte[1 << 20];
        try (java.io.OutputStream out = Files.newOutputStream(world.workspace.file(name))) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
    }

    @Then("the file {string} holds {string} at byte {int}")
    public void fileHolds(String name, String text, int offset) throws IOException {
        byte[] all = Files.readAllBytes(world.workspace.file(name));
        byte[] want = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(java.util.Arrays.copyOfRange(all, offset, offset + want.length)).asString().isEqualTo(text);
    }

    @When("the Linux guest runs {string}")
    public void runs(String command) throws Exception {
        lastOutput = console.run(world.workspace.expand(command));
    }

    @When("{string} is typed on the Linux console")
    public void typed(String command) throws IOException {
        console.type(world.workspace.expand(command));
    }

    @Then("the Linux console shows {string}")
    public void consoleShows(String text) throws InterruptedException {
        console.await(world.workspace.expand(text));
    }

    @Then("the Linux guest prints {string}")
    public void prints(String text) {
        assertThat(lastOutput).contains(world.workspace.expand(text));
    }

    @Then("the Linux guest prints the SHA-256 of {string}")
    public void printsSha256(String file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(world.workspace.file(file))) {
            in.transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), sha));
        }
        assertThat(lastOutput).contains(HexFormat.of().formatHex(sha.digest()));
    }
}
