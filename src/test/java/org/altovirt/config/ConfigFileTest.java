package org.altovirt.config;

import static org.assertj.core.api.Assertions.assertThat;

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

/** -config FILE: StratoVirt's old JSON format (docs/facts.md §8). */
class ConfigFileTest {
    private static final String QMP = "unix:/tmp/altovirt-test.sock,server,nowait";

    @TempDir
    Path dir;

    private Path kernel;
    private Path rootfs;
    private Path data;
    private Path vmJson;

    @BeforeEach
    void files() throws IOException {
        kernel = Files.write(dir.resolve("vmlinux.bin"), new byte[] {1});
        rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[4096]);
        data = Files.write(dir.resolve("data.img"), new byte[4096]);
        vmJson = dir.resolve("vm.json");
    }

    private String fullFile() {
        return """
                {
                  "boot-source": {
                    "kernel_image_path": "%s",
                    "boot_args": "console=ttyS0 reboot=k panic=1 root=/dev/vda",
                    "initrd_fs_path": "%s"
                  },
                  "machine-config": {
                    "type": "MicroVm",
                    "vcpu_count": 2,
                    "mem_size": 805306368,
                    "mem_path": "/dev/hugepages",
                    "dump_guest_core": false,
                    "mem-share": true
                  },
                  "drive": [
                    {"drive_id": "rootfs", "path_on_host": "%s", "serial_num": "SN0", "direct": false, "read_only": false},
                    {"drive_id": "data", "path_on_host": "%s", "read_only": true}
                  ],
                  "net": [
                    {"iface_id": "net0", "host_dev_name": "tap0", "mac": "52:54:00:12:34:56"}
                  ],
                  "balloon": {"deflate_on_oom": true},
                  "serial": {"stdio": true}
                }
                """.formatted(kernel, kernel, rootfs, data);
    }

    private VmConfig parseWith(String json, String... more) throws ConfigException, IOException {
        Files.writeString(vmJson, json);
        List<String> args = new ArrayList<>(List.of("-config", vmJson.toString(), "-qmp", QMP));
        args.addAll(Arrays.asList(more));
        return CommandLine.parse(args);
    }

    private String errorWith(String json, String... more) throws IOException {
        Files.writeString(vmJson, json);
        List<String> args = new ArrayList<>(List.of("-config", vmJson.toString(), "-qmp", QMP));
        args.addAll(Arrays.asList(more));
        return CommandLineTest.errorOf(args);
    }

    private String prefix() {
        return "-config " + vmJson + ": ";
    }

    @Test
    void everySectionIsRead() throws Exception {
        VmConfig c = parseWith(fullFile());

        assertThat(c.boot()).isEqualTo(new BootSource(kernel, "console=ttyS0 reboot=k panic=1 root=/dev/vda", kernel));
        assertThat(c.machine()).isEqualTo(
                new MachineConfig("microvm", 805306368L, Path.of("/dev/hugepages"), false, true, true));
        assertThat(c.cpus()).isEqualTo(CpuTopology.of(2));
        assertThat(c.drives()).containsExactly(
                new DriveConfig("rootfs", rootfs, false, false, "SN0", 0, DriveConfig.Aio.OFF),
                new DriveConfig("data", data, true, true, null, 0, DriveConfig.Aio.NATIVE));
        assertThat(c.netdevs()).containsExactly(new NetdevConfig("net0", "tap0", false));
        assertThat(c.devices()).containsExactly(
                new DeviceConfig.VirtioBlk("rootfs", "rootfs", "SN0", null, null),
                new DeviceConfig.VirtioBlk("data", "data", null, null, null),
                new DeviceConfig.VirtioNet("net0", "net0", "52:54:00:12:34:56"),
                new DeviceConfig.VirtioBalloon("balloon0", true, false));
        assertThat(c.serial()).isEqualTo(new SerialConfig.Stdio());
        assertThat(c.qmp().socket()).isEqualTo(Path.of("/tmp/altovirt-test.sock"));
    }

    @Test
    void theDocumentsFormWithOnlyQmp() throws Exception {
        Files.writeString(vmJson, "{\"machine-config\": {\"vcpu_count\": 1, \"mem_size\": 268435456}}");

        VmConfig c = CommandLine.parse(List.of("-config", vmJson.toString(), "-qmp", "unix:/tmp/stratovirt.socket"
                + ",server,nowait"));

        assertThat(c.machine().memBytes()).isEqualTo(268435456L);
    }

    @Test
    void anEmptyObjectGivesTheDefaults() throws Exception {
        VmConfig c = parseWith("{}");

        assertThat(c.machine()).isEqualTo(MachineConfig.defaults());
        assertThat(c.devices()).isEmpty();
    }

    @Test
    void theCommandLineOverridesTheFile() throws Exception {
        Path otherKernel = Files.write(dir.resolve("bzImage"), new byte[] {2});

        VmConfig c = parseWith(fullFile(), "-m", "1G", "-smp", "4,sockets=2", "-kernel", otherKernel.toString(),
                "-append", "quiet", "-machine", "microvm,mem-share=off", "-serial", "none", "-mem-path", "/mnt/huge");

        assertThat(c.machine()).isEqualTo(new MachineConfig("microvm", 1L << 30, Path.of("/mnt/huge"), false, false, true));
        assertThat(c.cpus()).isEqualTo(new CpuTopology(4, 4, 2, 1, 1, 2, 1));
        assertThat(c.boot()).isEqualTo(new BootSource(otherKernel, "quiet", kernel));
        assertThat(c.serial()).isEqualTo(new SerialConfig.None());
    }

    @Test
    void theConfigOptionMayComeAnywhere() throws Exception {
        Files.writeString(vmJson, "{\"machine-config\": {\"mem_size\": 268435456}}");

        VmConfig c = CommandLine.parse(List.of("-m", "1G", "-qmp", QMP, "-config", vmJson.toString()));

        assertThat(c.machine().memBytes()).isEqualTo(1L << 30);
    }

    @Test
    void commandLineDevicesAddToTheFiles() throws Exception {
        Path extra = Files.write(dir.resolve("extra.img"), new byte[512]);

        VmConfig c = parseWith(fullFile(), "-drive", "file=" + extra + ",id=extra",
                "-device", "virtio-blk-device,drive=extra", "-netdev", "tap,id=net1,ifname=tap1",
                "-device", "virtio-net-device,netdev=net1");

        assertThat(c.drives()).extracting(DriveConfig::id).containsExactly("rootfs", "data", "extra");
        assertThat(c.devices()).extracting(DeviceConfig::id)
                .containsExactly("rootfs", "data", "net0", "balloon0", "extra", "net1");
    }

    @Test
    void aCommandLineDriveCannotReuseTheFilesId() throws Exception {
        assertThat(errorWith(fullFile(), "-drive", "file=" + data + ",id=rootfs"))
                .isEqualTo("-drive id=rootfs: id 'rootfs' is already used by another drive");
    }

    @Test
    void limitsCountTheFilesDevicesToo() throws Exception {
        assertThat(errorWith(fullFile(), "-netdev", "tap,id=n1,ifname=tap1", "-device", "virtio-net-device,netdev=n1",
                "-netdev", "tap,id=n2,ifname=tap2", "-device", "virtio-net-device,netdev=n2"))
                .isEqualTo("-device virtio-net-device,netdev=n2: at most 2 virtio-net NICs are supported");
        assertThat(errorWith(fullFile(), "-device", "virtio-balloon-device"))
                .isEqualTo("-device virtio-balloon-device: at most 1 virtio-balloon device is supported");
    }

    @Test
    void serialStdioFalseIsNone() throws Exception {
        assertThat(parseWith("{\"serial\": {\"stdio\": false}}").serial()).isEqualTo(new SerialConfig.None());
    }

    // ---- errors ----

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.json");
        assertThat(CommandLineTest.errorOf(List.of("-config", missing.toString(), "-qmp", QMP)))
                .isEqualTo("-config " + missing + ": no such file");
    }

    @Test
    void aDirectory() {
        assertThat(CommandLineTest.errorOf(List.of("-config", dir.toString(), "-qmp", QMP)))
                .isEqualTo("-config " + dir + ": is a directory, not a JSON file");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"machine-config\": {\"vcpu_count\": 1,}}   | not valid JSON: Unexpected character ('}' (code 125)): was expecting double-quote to start field name, line 1",
        "{\"a\": 1} {}                               | not valid JSON: more content after the top-level value, line 1",
    })
    void invalidJson(String json, String message) throws Exception {
        assertThat(errorWith(json)).isEqualTo(prefix() + message);
    }

    @Test
    void invalidJsonNamesTheLine() throws Exception {
        assertThat(errorWith("{\n  \"machine-config\": {\n    \"vcpu_count\": 1\n  \n}\n"))
                .startsWith(prefix() + "not valid JSON: ").endsWith(", line 6");
        assertThat(errorWith("{\n\"serial\": {},\n\"serial\": {}\n}"))
                .isEqualTo(prefix() + "not valid JSON: Duplicate field 'serial', line 3");
    }

    @Test
    void emptyFile() throws Exception {
        assertThat(errorWith("")).isEqualTo(prefix() + "the file is empty; it must hold a JSON object");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "[]                                                  | the file must hold a JSON object",
        "{\"foo\": 1}                                        | unknown key 'foo' at the top level (allowed: boot-source, machine-config, drive, net, balloon, serial)",
        "{\"machine-config\": {\"foo\": 1}}                  | unknown key 'foo' in machine-config (allowed: type, vcpu_count, mem_size, mem_path, dump_guest_core, mem-share)",
        "{\"drive\": [{\"drive_id\": \"a\", \"path_on_host\": \"/x\", \"is_root_device\": true}]} | unknown key 'is_root_device' in drive[0] (allowed: drive_id, path_on_host, serial_num, direct, read_only)",
        "{\"machine-config\": {\"vcpu_count\": \"2\"}}       | 'vcpu_count' in machine-config must be an integer",
        "{\"machine-config\": {\"vcpu_count\": 1.5}}         | 'vcpu_count' in machine-config must be an integer",
        "{\"machine-config\": {\"vcpu_count\": 0}}           | 'vcpu_count' in machine-config must be at least 1",
        "{\"machine-config\": {\"vcpu_count\": 255}}         | 'vcpu_count' in machine-config must be at most 254",
        "{\"machine-config\": {\"mem_size\": 1024}}          | 'mem_size' in machine-config must be at least 134217728",
        "{\"machine-config\": {\"type\": \"q35\"}}           | 'type' in machine-config must be one of: MicroVm, microvm",
        "{\"machine-config\": {\"mem-share\": \"on\"}}       | 'mem-share' in machine-config must be true or false",
        "{\"machine-config\": []}                            | 'machine-config' must be an object",
        "{\"drive\": {}}                                     | 'drive' must be an array",
        "{\"drive\": [1]}                                    | drive[0] must be an object",
        "{\"drive\": [{\"drive_id\": \"a\"}]}                | missing key 'path_on_host' in drive[0]",
        "{\"net\": [{\"host_dev_name\": \"tap0\"}]}          | missing key 'iface_id' in net[0]",
        "{\"drive\": [{\"drive_id\": \"\", \"path_on_host\": \"/x\"}]} | 'drive_id' in drive[0] must not be empty",
        "{\"boot-source\": {\"kernel_image_path\": 5}}       | 'kernel_image_path' in boot-source must be a string",
        "{\"serial\": {\"stdio\": 1}}                        | 'stdio' in serial must be true or false",
    })
    void schemaErrors(String json, String message) throws Exception {
        assertThat(errorWith(json)).isEqualTo(prefix() + message);
    }

    @Test
    void valueErrorsAfterTheSchema() throws Exception {
        Path missing = dir.resolve("missing.img");
        assertThat(errorWith("{\"drive\": [{\"drive_id\": \"rootfs\", \"path_on_host\": \"" + missing + "\"}]}"))
                .isEqualTo(prefix() + "drive[0]: file " + missing + " does not exist");
        assertThat(errorWith("{\"drive\": [{\"drive_id\": \"a\", \"path_on_host\": \"" + rootfs + "\"},"
                + " {\"drive_id\": \"a\", \"path_on_host\": \"" + data + "\"}]}"))
                .isEqualTo(prefix() + "drive[1]: id 'a' is already used by another drive");
        assertThat(errorWith("{\"net\": [{\"iface_id\": \"n0\", \"host_dev_name\": \"tap0\", \"mac\": \"zz\"}]}"))
                .isEqualTo(prefix() + "net[0]: mac 'zz' must be six hex bytes separated by ':' (e.g. 52:54:00:12:34:56)");
        assertThat(errorWith("{\"machine-config\": {\"mem_size\": 134221825}}"))
                .isEqualTo(prefix() + "mem_size 134221825: memory must be a multiple of 4096 bytes");
        assertThat(errorWith("{\"machine-config\": {\"mem_path\": \"huge\"}}"))
                .isEqualTo(prefix() + "mem_path huge: the path must be absolute");
        assertThat(errorWith("{\"boot-source\": {\"kernel_image_path\": \"/no/kernel\"}}"))
                .isEqualTo(prefix() + "kernel_image_path /no/kernel: no such file");
        assertThat(errorWith("{\"boot-source\": {\"initrd_fs_path\": \"" + kernel + "\"}}"))
                .isEqualTo(prefix() + "initrd_fs_path " + kernel + ": an initrd needs a kernel (-kernel PATH)");
    }

    @Test
    void aMissingKernelInTheFileIsFineWhenTheCommandLineReplacesIt() throws Exception {
        VmConfig c = parseWith("{\"boot-source\": {\"kernel_image_path\": \"/no/kernel\"}}", "-kernel", kernel.toString());

        assertThat(c.boot().kernel()).isEqualTo(kernel);
    }

    @Test
    void sevenDisksInTheFile() throws Exception {
        StringBuilder json = new StringBuilder("{\"drive\": [");
        for (int i = 0; i < 7; i++) {
            json.append(i == 0 ? "" : ",").append("{\"drive_id\": \"d").append(i)
                    .append("\", \"path_on_host\": \"").append(rootfs).append("\", \"read_only\": true}");
        }
        json.append("]}");

        assertThat(errorWith(json.toString())).isEqualTo(prefix() + "drive[6]: at most 6 virtio-blk disks are supported");
    }
}
