package org.altovirt.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandLineTest {
    private static final String QMP = "unix:/tmp/altovirt-test.sock,server,nowait";

    @TempDir
    Path dir;

    private Path kernel;
    private Path rootfs;

    @BeforeEach
    void files() throws IOException {
        kernel = Files.write(dir.resolve("vmlinux.bin"), new byte[] {1, 2, 3});
        rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[4096]);
    }

    /** Parses {@code args} plus a -qmp socket. */
    static VmConfig parse(String... args) throws ConfigException {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("-qmp");
        all.add(QMP);
        return CommandLine.parse(all);
    }

    /** The message {@code args} (with a -qmp socket) fail with. */
    static String error(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("-qmp");
        all.add(QMP);
        return errorOf(all);
    }

    static String errorOf(List<String> args) {
        try {
            CommandLine.parse(args);
        } catch (InfoRequest r) {
            throw new AssertionError("asked for " + r.kind());
        } catch (ConfigException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("parsed " + args);
    }

    private List<String> documentCommandLine(String socket) {
        return List.of("-machine", "microvm",
                "-kernel", kernel.toString(),
                "-smp", "1", "-m", "1024",
                "-append", "console=ttyS0 pci=off reboot=k quiet panic=1 root=/dev/vda",
                "-drive", "file=" + rootfs + ",id=rootfs,readonly=off,direct=off",
                "-device", "virtio-blk-device,drive=rootfs",
                "-qmp", "unix:" + socket + ",server,nowait",
                "-serial", "stdio");
    }

    @Test
    void theDocumentsSnapshotCommandLineParses() throws ConfigException {
        VmConfig c = CommandLine.parse(documentCommandLine("/path/to/socket"));

        assertThat(c.machine()).isEqualTo(new MachineConfig("microvm", 1024L << 20, null, true, false, true));
        assertThat(c.cpus()).isEqualTo(new CpuTopology(1, 1, 1, 1, 1, 1, 1));
        assertThat(c.boot()).isEqualTo(new BootSource(kernel,
                "console=ttyS0 pci=off reboot=k quiet panic=1 root=/dev/vda", null));
        assertThat(c.drives()).containsExactly(
                new DriveConfig("rootfs", rootfs, false, false, null, 0, DriveConfig.Aio.OFF));
        assertThat(c.devices()).containsExactly(new DeviceConfig.VirtioBlk("rootfs", "rootfs", null, null, null));
        assertThat(c.qmp().socket()).isEqualTo(Path.of("/path/to/socket"));
        assertThat(c.serial()).isEqualTo(new SerialConfig.Stdio());
        assertThat(c.accel()).isEqualTo(Accel.AUTO);
        assertThat(c.incoming()).isNull();
        assertThat(c.name()).isNull();
        assertThat(c.netdevs()).isEmpty();
        assertThat(c.startPaused()).isFalse();
        assertThat(c.daemonize()).isFalse();
    }

    @Test
    void theDocumentsRestoreCommandLineParses() throws ConfigException {
        List<String> args = new ArrayList<>(documentCommandLine("/path/to/another_socket"));
        args.addAll(List.of("-incoming", "file:/path/to/template"));

        VmConfig c = CommandLine.parse(args);

        assertThat(c.incoming()).isEqualTo(Path.of("/path/to/template"));
        assertThat(c.qmp().socket()).isEqualTo(Path.of("/path/to/another_socket"));
    }

    @Test
    void defaultsWithOnlyQmp() throws ConfigException {
        VmConfig c = parse();

        assertThat(c.machine()).isEqualTo(MachineConfig.defaults());
        assertThat(c.machine().memBytes()).isEqualTo(256L << 20);
        assertThat(c.cpus()).isEqualTo(CpuTopology.of(1));
        assertThat(c.boot()).isEqualTo(new BootSource(null, "", null));
        assertThat(c.serial()).isEqualTo(new SerialConfig.None());
        assertThat(c.drives()).isEmpty();
        assertThat(c.devices()).isEmpty();
        assertThat(c.logFile()).isNull();
        assertThat(c.pidFile()).isNull();
    }

    @Test
    void theConfigIsImmutable() throws ConfigException {
        VmConfig c = parse("-drive", "file=" + rootfs + ",id=rootfs", "-device", "virtio-blk-device,drive=rootfs");

        assertThatThrownBy(() -> c.devices().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.drives().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- general syntax ----

    @Test
    void unknownOptionPointsToHelp() {
        assertThat(error("-foo")).isEqualTo("unknown option -foo (see --help)");
    }

    @Test
    void strayArgument() {
        assertThat(error("vmlinux")).isEqualTo("unexpected argument 'vmlinux': options start with '-' (see --help)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-m", "-smp", "-kernel", "-drive", "-device", "-serial", "-name", "-config"})
    void optionWithoutValue(String option) {
        assertThat(errorOf(List.of("-qmp", QMP, option))).isEqualTo(option + ": missing value");
    }

    @Test
    void emptyValueIsMissing() {
        assertThat(error("-kernel", "")).isEqualTo("-kernel: missing value");
    }

    @Test
    void doubleDashFormsAreAccepted() throws ConfigException {
        VmConfig c = CommandLine.parse(List.of("--m", "512", "--qmp", QMP, "--name", "vm1"));

        assertThat(c.machine().memBytes()).isEqualTo(512L << 20);
        assertThat(c.name()).isEqualTo("vm1");
    }

    @Test
    void lastValueWins() throws ConfigException {
        VmConfig c = parse("-m", "512", "-m", "1G", "-name", "a", "-name", "b", "-serial", "pty", "-serial", "stdio");

        assertThat(c.machine().memBytes()).isEqualTo(1L << 30);
        assertThat(c.name()).isEqualTo("b");
        assertThat(c.serial()).isEqualTo(new SerialConfig.Stdio());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-h", "-help", "--help"})
    void helpIsAnInfoRequestWithTheUsage(String flag) {
        assertThatThrownBy(() -> CommandLine.parse(List.of("-m", "512", flag, "-bogus")))
                .isInstanceOfSatisfying(InfoRequest.class, r -> {
                    assertThat(r.kind()).isEqualTo(InfoRequest.Kind.HELP);
                    assertThat(r.text()).isEqualTo(CommandLine.usage());
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"-version", "--version"})
    void versionIsAnInfoRequest(String flag) {
        assertThatThrownBy(() -> CommandLine.parse(List.of(flag)))
                .isInstanceOfSatisfying(InfoRequest.class, r -> {
                    assertThat(r.kind()).isEqualTo(InfoRequest.Kind.VERSION);
                    assertThat(r.text()).isEqualTo("altovirt 0.1.0");
                });
    }

    @Test
    void anErrorBeforeHelpIsReportedFirst() {
        assertThat(errorOf(List.of("-bogus", "--help"))).isEqualTo("unknown option -bogus (see --help)");
    }

    @Test
    void usageListsEveryOptionWithItsSyntax() {
        String usage = CommandLine.usage();
        for (String option : List.of("-name NAME", "-machine [type=]microvm", "-accel kvm|emu", "-m [size=]MEM",
                "-mem-path PATH", "-smp [cpus=]N", "-kernel PATH", "-append CMDLINE", "-initrd PATH",
                "-drive id=ID,file=PATH", "-netdev tap,id=ID,ifname=NAME", "-device virtio-blk-device,drive=ID",
                "-device virtio-net-device,netdev=ID", "-device virtio-balloon-device",
                "-qmp unix:PATH,server,nowait", "-serial stdio|pty|none|file:PATH|unix:PATH",
                "-incoming file:DIR", "-config FILE", "-D FILE", "-daemonize", "-pidfile FILE", "-S",
                "-h | -help | --help", "-version | --version")) {
            assertThat(usage).contains("  " + option);
        }
    }

    // ---- -name, -D, -pidfile, -daemonize, -S ----

    @Test
    void flagsAndFiles() throws ConfigException {
        VmConfig c = parse("-name", "vm 1", "-D", "vm.log", "-pidfile", "/run/vm.pid", "-daemonize", "-S");

        assertThat(c.name()).isEqualTo("vm 1");
        assertThat(c.logFile()).isEqualTo(Path.of("vm.log"));
        assertThat(c.pidFile()).isEqualTo(Path.of("/run/vm.pid"));
        assertThat(c.daemonize()).isTrue();
        assertThat(c.startPaused()).isTrue();
    }

    @Test
    void daemonizeWithStdioSerial() {
        assertThat(error("-daemonize", "-serial", "stdio"))
                .isEqualTo("-daemonize cannot be used with -serial stdio: a daemon has no terminal");
    }

    // ---- -machine, -accel ----

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "microvm;                                         true;  false",
        "type=microvm;                                    true;  false",
        "microvm,dump-guest-core=off;                     false; false",
        "type=microvm,dump-guest-core=on,mem-share=on;    true;  true",
        "microvm,mem-share=true,dump-guest-core=false;    false; true",
        "MicroVm;                                         true;  false",
    })
    void machineForms(String value, boolean dump, boolean share) throws ConfigException {
        MachineConfig m = parse("-machine", value).machine();

        assertThat(m.type()).isEqualTo("microvm");
        assertThat(m.dumpGuestCore()).isEqualTo(dump);
        assertThat(m.memShare()).isEqualTo(share);
    }

    @Test
    void acpiIsOnUnlessTheMachineSaysOff() throws ConfigException {
        assertThat(parse("-machine", "microvm").machine().acpi()).isTrue();
        assertThat(parse("-machine", "microvm,acpi=on").machine().acpi()).isTrue();
        assertThat(parse("-machine", "microvm,acpi=off").machine().acpi()).isFalse();
        assertThat(error("-machine", "microvm,acpi=maybe"))
                .isEqualTo("-machine microvm,acpi=maybe: acpi must be on, off, true or false (got 'maybe')");
    }

    @Test
    void machineAccel() throws ConfigException {
        assertThat(parse("-machine", "microvm,accel=emu").accel()).isEqualTo(Accel.EMU);
    }

    @Test
    void machineErrors() {
        assertThat(error("-machine", "q35"))
                .isEqualTo("-machine q35: machine type 'q35' is not supported (allowed: microvm)");
        assertThat(error("-machine", "microvm,usb=off")).isEqualTo(
                "-machine microvm,usb=off: unknown parameter 'usb' (allowed: type, dump-guest-core, mem-share, accel, acpi)");
        assertThat(error("-machine", "microvm,mem-share=maybe"))
                .isEqualTo("-machine microvm,mem-share=maybe: mem-share must be on, off, true or false (got 'maybe')");
        assertThat(error("-machine", "microvm,mem-share=on,mem-share=off"))
                .isEqualTo("-machine microvm,mem-share=on,mem-share=off: parameter 'mem-share' is given twice");
    }

    @ParameterizedTest
    @CsvSource({"kvm, KVM", "emu, EMU"})
    void accel(String value, Accel accel) throws ConfigException {
        assertThat(parse("-accel", value).accel()).isEqualTo(accel);
    }

    @Test
    void badAccel() {
        assertThat(error("-accel", "tcg")).isEqualTo("-accel tcg: accelerator must be kvm or emu");
    }

    // ---- -m, -mem-path ----

    @ParameterizedTest
    @CsvSource({
        "1024,      1073741824",
        "128,       134217728",
        "256M,      268435456",
        "256m,      268435456",
        "2G,        2147483648",
        "2g,        2147483648",
        "size=1G,   1073741824",
        "512G,      549755813888",
        "524288,    549755813888",
    })
    void memoryForms(String value, long bytes) throws ConfigException {
        assertThat(parse("-m", value).machine().memBytes()).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"64M", "64", "127", "0", "513G", "524289", "1024G", "999999999999"})
    void memoryOutOfRange(String value) {
        assertThat(error("-m", value)).isEqualTo("-m " + value + ": memory must be between 128M and 512G");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5G", "1T", "lots", "-5", "256MB", "1K"})
    void memoryNotANumber(String value) {
        assertThat(error("-m", value)).isEqualTo("-m " + value
                + ": memory must be a whole number of MiB, optionally with an M or G suffix (e.g. 1024, 512M, 2G)");
    }

    @Test
    void memPath() throws ConfigException {
        assertThat(parse("-mem-path", "/dev/hugepages").machine().memPath()).isEqualTo(Path.of("/dev/hugepages"));
        assertThat(error("-mem-path", "hugepages")).isEqualTo("-mem-path hugepages: the path must be absolute");
    }

    // ---- -kernel, -append, -initrd ----

    @Test
    void kernelAppendInitrd() throws ConfigException {
        Path initrd = dir.resolve("initrd.img");
        writeEmpty(initrd);

        BootSource boot = parse("-kernel", kernel.toString(), "-append", "", "-initrd", initrd.toString()).boot();

        assertThat(boot).isEqualTo(new BootSource(kernel, "", initrd));
    }

    @Test
    void relativeKernelPathIsKept() throws ConfigException {
        Path relative = Path.of("").toAbsolutePath().relativize(kernel);

        assertThat(parse("-kernel", relative.toString()).boot().kernel()).isEqualTo(relative);
    }

    @Test
    void kernelErrors() {
        Path missing = dir.resolve("nope");
        assertThat(error("-kernel", missing.toString())).isEqualTo("-kernel " + missing + ": no such file");
        assertThat(error("-kernel", dir.toString())).isEqualTo("-kernel " + dir + ": not a regular file");
    }

    @Test
    void initrdErrors() {
        Path missing = dir.resolve("nope");
        assertThat(error("-kernel", kernel.toString(), "-initrd", missing.toString()))
                .isEqualTo("-initrd " + missing + ": no such file");
        assertThat(error("-initrd", rootfs.toString()))
                .isEqualTo("-initrd " + rootfs + ": an initrd needs a kernel (-kernel PATH)");
    }

    @Test
    void aLaterKernelReplacesAMissingOne() throws ConfigException {
        assertThat(parse("-kernel", "/no/such/kernel", "-kernel", kernel.toString()).boot().kernel())
                .isEqualTo(kernel);
    }

    // ---- -qmp ----

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "unix:/tmp/q.sock,server,nowait;       /tmp/q.sock",
        "unix:q.sock,server,nowait;            q.sock",
        "unix:/tmp/q.sock,nowait,server;       /tmp/q.sock",
        "unix:/tmp/q.sock,server=on,wait=off;  /tmp/q.sock",
        "'unix:/tmp/a,,b.sock,server,nowait';  /tmp/a,b.sock",
    })
    void qmpForms(String value, String path) throws ConfigException {
        assertThat(CommandLine.parse(List.of("-qmp", value)).qmp().socket()).isEqualTo(Path.of(path));
    }

    @Test
    void qmpIsRequired() {
        assertThat(errorOf(List.of("-m", "512"))).isEqualTo(
                "-qmp is required: the VM is managed through a QMP socket (-qmp unix:PATH,server,nowait)");
    }

    @Test
    void qmpErrors() {
        assertThat(errorOf(List.of("-qmp", "tcp:127.0.0.1:4444,server,nowait"))).isEqualTo(
                "-qmp tcp:127.0.0.1:4444,server,nowait: only unix:PATH sockets are supported"
                        + " (-qmp unix:PATH,server,nowait)");
        assertThat(errorOf(List.of("-qmp", "unix:/tmp/q.sock"))).isEqualTo(
                "-qmp unix:/tmp/q.sock: server and nowait are required (-qmp unix:PATH,server,nowait)");
        assertThat(errorOf(List.of("-qmp", "unix:/tmp/q.sock,server"))).isEqualTo(
                "-qmp unix:/tmp/q.sock,server: server and nowait are required (-qmp unix:PATH,server,nowait)");
        assertThat(errorOf(List.of("-qmp", "unix:,server,nowait")))
                .isEqualTo("-qmp unix:,server,nowait: the socket path is empty");
        assertThat(errorOf(List.of("-qmp", "unix:/q,server,nowait,telnet"))).isEqualTo(
                "-qmp unix:/q,server,nowait,telnet: unknown parameter 'telnet' (allowed: server, nowait, wait)");
    }

    @Test
    void qmpTwice() {
        assertThat(errorOf(List.of("-qmp", QMP, "-qmp", "unix:/tmp/b,server,nowait"))).isEqualTo(
                "-qmp unix:/tmp/b,server,nowait: -qmp is given twice; only one QMP socket is supported");
    }

    // ---- -serial ----

    @Test
    void serialForms() throws ConfigException {
        assertThat(parse("-serial", "stdio").serial()).isEqualTo(new SerialConfig.Stdio());
        assertThat(parse("-serial", "pty").serial()).isEqualTo(new SerialConfig.Pty());
        assertThat(parse("-serial", "none").serial()).isEqualTo(new SerialConfig.None());
        assertThat(parse("-serial", "file:/tmp/console.log").serial())
                .isEqualTo(new SerialConfig.FileOut(Path.of("/tmp/console.log")));
        assertThat(parse("-serial", "unix:/tmp/ser.sock,server,nowait").serial())
                .isEqualTo(new SerialConfig.UnixSocket(Path.of("/tmp/ser.sock"), true, true));
        assertThat(parse("-serial", "unix:/tmp/ser.sock").serial())
                .isEqualTo(new SerialConfig.UnixSocket(Path.of("/tmp/ser.sock"), false, false));
    }

    @Test
    void serialErrors() {
        assertThat(error("-serial", "vc")).isEqualTo(
                "-serial vc: must be stdio, pty, none, file:PATH or unix:PATH[,server][,nowait]");
        assertThat(error("-serial", "file:")).isEqualTo("-serial file:: the file path is empty");
        assertThat(error("-serial", "unix:/s,server,nowait,x"))
                .isEqualTo("-serial unix:/s,server,nowait,x: unknown parameter 'x' (allowed: server, nowait, wait)");
    }

    // ---- -incoming ----

    @Test
    void incomingErrors() {
        assertThat(error("-incoming", "tcp:0:4444"))
                .isEqualTo("-incoming tcp:0:4444: only file:DIR is supported (-incoming file:/path/to/template)");
        assertThat(error("-incoming", "file:template"))
                .isEqualTo("-incoming file:template: the snapshot directory must be an absolute path");
        assertThat(error("-incoming", "file:")).isEqualTo("-incoming file:: the snapshot directory is empty");
    }

    static void writeEmpty(Path file) {
        try {
            Files.write(file, new byte[0]);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
