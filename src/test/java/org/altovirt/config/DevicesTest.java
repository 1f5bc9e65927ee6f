package org.altovirt.config;

import static org.altovirt.config.CommandLineTest.error;
import static org.altovirt.config.CommandLineTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** -drive, -netdev and -device, and how they refer to each other. */
class DevicesTest {
    @TempDir
    Path dir;

    private Path disk;

    @BeforeEach
    void files() throws IOException {
        disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
    }

    private String drive(String id) {
        return "file=" + disk + ",id=" + id;
    }

    // ---- -drive ----

    @Test
    void driveDefaults() throws ConfigException {
        DriveConfig d = parse("-drive", drive("rootfs")).drives().get(0);

        assertThat(d).isEqualTo(new DriveConfig("rootfs", disk, false, true, null, 0, DriveConfig.Aio.NATIVE));
    }

    @Test
    void driveWithEveryParameter() throws ConfigException {
        DriveConfig d = parse("-drive", "id=data,file=" + disk + ",readonly=on,direct=false,serial=SN-1,if=none,"
                + "format=raw,throttling.iops-total=200,aio=io_uring").drives().get(0);

        assertThat(d).isEqualTo(new DriveConfig("data", disk, true, false, "SN-1", 200, DriveConfig.Aio.IO_URING));
    }

    @ParameterizedTest
    @CsvSource({"on, true", "off, false", "true, true", "false, false"})
    void onOffAcceptsTrueFalse(String value, boolean readOnly) throws ConfigException {
        assertThat(parse("-drive", drive("d") + ",readonly=" + value).drives().get(0).readOnly()).isEqualTo(readOnly);
    }

    @Test
    void aCommaInAPathIsDoubled() throws ConfigException, IOException {
        Path odd = Files.write(dir.resolve("a,b.img"), new byte[512]);

        assertThat(parse("-drive", "file=" + dir + "/a,,b.img,id=d").drives().get(0).file()).isEqualTo(odd);
    }

    @Test
    void driveErrors() {
        Path missing = dir.resolve("missing.img");
        assertThat(error("-drive", "file=" + missing + ",id=rootfs"))
                .isEqualTo("-drive id=rootfs: file " + missing + " does not exist");
        assertThat(error("-drive", "file=" + dir + ",id=rootfs"))
                .isEqualTo("-drive id=rootfs: file " + dir + " is not a regular file or block device");
        assertThat(error("-drive", "file=" + disk))
                .isEqualTo("-drive file=" + disk + ": id is required");
        assertThat(error("-drive", "id=rootfs")).isEqualTo("-drive id=rootfs: file is required");
        assertThat(error("-drive", drive("rootfs") + ",cache=none")).isEqualTo("-drive id=rootfs: unknown parameter"
                + " 'cache' (allowed: id, file, readonly, direct, serial, if, format, throttling.iops-total, aio)");
        assertThat(error("-drive", drive("rootfs") + ",readonly=yes"))
                .isEqualTo("-drive id=rootfs: readonly must be on, off, true or false (got 'yes')");
        assertThat(error("-drive", drive("rootfs") + ",if=virtio"))
                .isEqualTo("-drive id=rootfs: if=virtio is not supported (allowed: none)");
        assertThat(error("-drive", drive("rootfs") + ",format=qcow2"))
                .isEqualTo("-drive id=rootfs: format=qcow2 is not supported (allowed: raw)");
        assertThat(error("-drive", drive("rootfs") + ",aio=threads"))
                .isEqualTo("-drive id=rootfs: aio=threads is not supported (allowed: native, io_uring, off)");
        assertThat(error("-drive", drive("rootfs") + ",throttling.iops-total=0"))
                .isEqualTo("-drive id=rootfs: throttling.iops-total must be at least 1");
        assertThat(error("-drive", drive("rootfs") + ",throttling.iops-total=fast"))
                .isEqualTo("-drive id=rootfs: throttling.iops-total must be a whole number at least 1 (got 'fast')");
        assertThat(error("-drive", drive("1root"))).isEqualTo("-drive id=1root: id '1root' must start with a letter"
                + " and hold only letters, digits, '-', '.' and '_'");
    }

    @Test
    void aCharacterDeviceIsNotADisk() {
        assertThat(error("-drive", "file=/dev/null,id=d"))
                .isEqualTo("-drive id=d: file /dev/null is not a regular file or block device");
    }

    @Test
    void duplicateDriveId() {
        assertThat(error("-drive", drive("rootfs"), "-drive", drive("rootfs")))
                .isEqualTo("-drive id=rootfs: id 'rootfs' is already used by another drive");
    }

    // ---- -netdev ----

    @Test
    void netdevForms() throws ConfigException {
        VmConfig c = parse("-netdev", "tap,id=net0,ifname=tap0", "-netdev", "tap,id=net1,ifname=tap1,vhost=on");

        assertThat(c.netdevs()).containsExactly(new NetdevConfig("net0", "tap0", false),
                new NetdevConfig("net1", "tap1", true));
    }

    @Test
    void netdevErrors() {
        assertThat(error("-netdev", "user,id=n0")).isEqualTo("-netdev id=n0: type 'user' is not supported (allowed: tap)");
        assertThat(error("-netdev", "tap,ifname=tap0")).isEqualTo("-netdev tap,ifname=tap0: id is required");
        assertThat(error("-netdev", "tap,id=n0")).isEqualTo("-netdev id=n0: ifname is required");
        assertThat(error("-netdev", "tap,id=n0,ifname=tap0123456789abc"))
                .isEqualTo("-netdev id=n0: ifname 'tap0123456789abc' is longer than 15 characters");
        assertThat(error("-netdev", "tap,id=n0,ifname=tap0,queues=2"))
                .isEqualTo("-netdev id=n0: unknown parameter 'queues' (allowed: type, id, ifname, vhost)");
        assertThat(error("-netdev", "tap,id=n0,ifname=tap0", "-netdev", "tap,id=n0,ifname=tap1"))
                .isEqualTo("-netdev id=n0: id 'n0' is already used by another netdev");
    }

    // ---- -device ----

    @Test
    void devicesKeepCommandLineOrderAndDefaultIds() throws ConfigException {
        VmConfig c = parse("-drive", drive("rootfs") + ",serial=DRV", "-netdev", "tap,id=net0,ifname=tap0",
                "-device", "virtio-balloon-device",
                "-device", "virtio-net-device,netdev=net0",
                "-device", "virtio-blk-device,drive=rootfs");

        assertThat(c.devices()).containsExactly(
                new DeviceConfig.VirtioBalloon("balloon0", false, false),
                new DeviceConfig.VirtioNet("net0", "net0", null),
                new DeviceConfig.VirtioBlk("rootfs", "rootfs", "DRV", null, null));
        assertThat(c.devices(DeviceConfig.VirtioBlk.class)).hasSize(1);
        assertThat(c.drive("rootfs")).isPresent();
        assertThat(c.netdev("net0")).isPresent();
    }

    @Test
    void devicesWithEveryParameter() throws ConfigException {
        VmConfig c = parse("-drive", drive("rootfs"), "-netdev", "tap,id=net0,ifname=tap0",
                "-device", "virtio-blk-device,drive=rootfs,id=blk0,serial=SN,iothread=io1,bootindex=1",
                "-device", "virtio-net-device,netdev=net0,id=nic0,mac=52:54:00:AB:cd:01",
                "-device", "virtio-balloon-device,id=bal,deflate-on-oom=true,free-page-reporting=on");

        assertThat(c.devices()).containsExactly(
                new DeviceConfig.VirtioBlk("blk0", "rootfs", "SN", "io1", 1),
                new DeviceConfig.VirtioNet("nic0", "net0", "52:54:00:ab:cd:01"),
                new DeviceConfig.VirtioBalloon("bal", true, true));
    }

    @Test
    void deviceErrors() {
        assertThat(error("-device", "virtio-gpu-device")).isEqualTo("-device virtio-gpu-device: unknown device"
                + " 'virtio-gpu-device' (allowed: virtio-blk-device, virtio-net-device, virtio-balloon-device)");
        assertThat(error("-device", "virtio-blk-mmio,drive=x")).isEqualTo("-device virtio-blk-mmio,drive=x: unknown"
                + " device 'virtio-blk-mmio' (allowed: virtio-blk-device, virtio-net-device, virtio-balloon-device)");
        assertThat(error("-device", "virtio-blk-device")).isEqualTo("-device virtio-blk-device: drive is required");
        assertThat(error("-device", "virtio-net-device")).isEqualTo("-device virtio-net-device: netdev is required");
        assertThat(error("-device", "virtio-blk-device,drive=d,bus=pcie.0")).isEqualTo("-device"
                + " virtio-blk-device,drive=d,bus=pcie.0: unknown parameter 'bus' (allowed: drive, id, serial, iothread, bootindex)");
        assertThat(error("-device", "virtio-blk-device,drive=d,bootindex=256"))
                .isEqualTo("-device virtio-blk-device,drive=d,bootindex=256: bootindex must be between 0 and 255");
        assertThat(error("-device", "virtio-net-device,netdev=n,mac=52:54:00:12:34"))
                .isEqualTo("-device virtio-net-device,netdev=n,mac=52:54:00:12:34: mac '52:54:00:12:34' must be"
                        + " six hex bytes separated by ':' (e.g. 52:54:00:12:34:56)");
        assertThat(error("-device", "virtio-net-device,netdev=n,mac=01:00:5e:00:00:01"))
                .isEqualTo("-device virtio-net-device,netdev=n,mac=01:00:5e:00:00:01: mac '01:00:5e:00:00:01' is a"
                        + " multicast address; a NIC needs a unicast one (first byte even)");
        assertThat(error("-device", "virtio-balloon-device,deflate-on-oom=maybe"))
                .isEqualTo("-device virtio-balloon-device,deflate-on-oom=maybe: deflate-on-oom must be on, off, true"
                        + " or false (got 'maybe')");
    }

    @Test
    void crossReferenceErrors() {
        assertThat(error("-device", "virtio-blk-device,drive=data"))
                .isEqualTo("-device virtio-blk-device,drive=data: drive 'data' is not defined by any -drive");
        assertThat(error("-device", "virtio-net-device,netdev=net0"))
                .isEqualTo("-device virtio-net-device,netdev=net0: netdev 'net0' is not defined by any -netdev");
        assertThat(error("-drive", drive("rootfs"), "-device", "virtio-blk-device,drive=rootfs",
                "-device", "virtio-blk-device,drive=rootfs,id=again")).isEqualTo(
                "-device virtio-blk-device,drive=rootfs,id=again: drive 'rootfs' is already used by another device");
        assertThat(error("-netdev", "tap,id=n0,ifname=tap0", "-device", "virtio-net-device,netdev=n0",
                "-device", "virtio-net-device,netdev=n0,id=n1")).isEqualTo(
                "-device virtio-net-device,netdev=n0,id=n1: netdev 'n0' is already used by another device");
        assertThat(error("-drive", drive("a"), "-drive", drive("b"), "-device", "virtio-blk-device,drive=a,id=x",
                "-device", "virtio-blk-device,drive=b,id=x"))
                .isEqualTo("-device virtio-blk-device,drive=b,id=x: id 'x' is already used by another device");
    }

    @Test
    void aDriveMayBeDefinedAfterItsDevice() throws ConfigException {
        assertThat(parse("-device", "virtio-blk-device,drive=late", "-drive", drive("late")).devices()).hasSize(1);
    }

    @Test
    void sixDisksAreAllowedNotSeven() throws ConfigException {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            args.addAll(List.of("-drive", drive("d" + i), "-device", "virtio-blk-device,drive=d" + i));
        }
        assertThat(parse(args.toArray(String[]::new)).devices()).hasSize(6);

        args.addAll(List.of("-drive", drive("d6"), "-device", "virtio-blk-device,drive=d6"));
        assertThat(error(args.toArray(String[]::new)))
                .isEqualTo("-device virtio-blk-device,drive=d6: at most 6 virtio-blk disks are supported");
    }

    @Test
    void twoNicsAreAllowedNotThree() throws ConfigException {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            args.addAll(List.of("-netdev", "tap,id=n" + i + ",ifname=tap" + i, "-device", "virtio-net-device,netdev=n" + i));
        }
        assertThat(parse(args.toArray(String[]::new)).devices()).hasSize(2);

        args.addAll(List.of("-netdev", "tap,id=n2,ifname=tap2", "-device", "virtio-net-device,netdev=n2"));
        assertThat(error(args.toArray(String[]::new)))
                .isEqualTo("-device virtio-net-device,netdev=n2: at most 2 virtio-net NICs are supported");
    }

    @Test
    void oneBalloon() {
        assertThat(error("-device", "virtio-balloon-device", "-device", "virtio-balloon-device,id=b2"))
                .isEqualTo("-device virtio-balloon-device,id=b2: at most 1 virtio-balloon device is supported");
    }
}
