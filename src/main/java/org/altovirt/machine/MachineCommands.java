package org.altovirt.machine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.config.CpuTopology;
import org.altovirt.qmp.CommandResult;
import org.altovirt.qmp.Commands;
import org.altovirt.qmp.ErrorClass;
import org.altovirt.qmp.QmpException;

/**
 * The QMP commands of a {@link MicroVm}: thin adapters from checked arguments to the machine and
 * from its answers to reply values (docs/facts.md §2 for the shapes).
 */
public final class MachineCommands {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final MicroVm vm;
    private final QmpVersion version;
    private final Commands commands = new Commands();

    private MachineCommands(MicroVm vm, QmpVersion version) {
        this.vm = vm;
        this.version = version;
    }

    /** The registry of every command this VM answers. */
    public static Commands of(MicroVm vm, QmpVersion version) {
        return new MachineCommands(vm, version).register();
    }

    private Commands register() {
        commands
                .register("qmp_capabilities", args -> CommandResult.empty())
                .register("query-status", args -> CommandResult.of(status()))
                .register("stop", args -> {
                    transition(vm::pause);
                    return CommandResult.empty();
                })
                .register("cont", args -> {
                    transition(vm::resume);
                    return CommandResult.empty();
                })
                .register("quit", args -> CommandResult.emptyThen(() -> vm.shutdown(false, "host-qmp-quit")))
                .register("system_powerdown", args -> {
                    transition(vm::powerDown);
                    return CommandResult.empty();
                })
                .register("query-cpus", args -> CommandResult.of(cpus()))
                .register("query-hotpluggable-cpus", args -> CommandResult.of(hotpluggableCpus()))
                .register("query-version", args -> CommandResult.of(version.toJson()))
                .register("query-commands", args -> CommandResult.of(commandList()))
                .register("query-qmp-schema", args -> CommandResult.of(SchemaIndex.entries()))
                .register("balloon", args -> {
                    vm.activeBalloon().orElseThrow(MachineCommands::noBalloon).setTarget(args.get("value").asLong());
                    return CommandResult.empty();
                })
                .register("query-balloon", args -> {
                    long actual = vm.activeBalloon().orElseThrow(MachineCommands::noBalloon).actualBytes();
                    return CommandResult.of(NODES.objectNode().put("actual", actual));
                })
                .register("migrate", args -> {
                    Path dir = snapshotDir(args.get("uri").asText());
                    transition(() -> vm.snapshot(dir));
                    return CommandResult.empty();
                })
                .register("query-migrate", args -> CommandResult.of(NODES.objectNode().put("status", vm.snapshotStatus())))
                .register("blockdev-add", args -> {
                    addBlockdev(args);
                    return CommandResult.empty();
                })
                .register("device_add", args -> {
                    addDevice(args);
                    return CommandResult.empty();
                })
                .register("device_del", args -> {
                    hotplug(() -> vm.deleteDevice(args.get("id").asText()));
                    return CommandResult.empty();
                })
                .register("netdev_add", args -> {
                    if (!args.has("ifname")) {
                        throw QmpException.generic("Parameter 'ifname' is missing");
                    }
                    hotplug(() -> vm.nicSlots().addNetdev(args.get("id").asText(), args.get("ifname").asText()));
                    return CommandResult.empty();
                })
                .register("netdev_del", args -> {
                    hotplug(() -> vm.nicSlots().deleteNetdev(args.get("id").asText()));
                    return CommandResult.empty();
                });
        return commands;
    }

    private interface Hotplug {
        void run() throws HotplugException;
    }

    private static void hotplug(Hotplug h) throws QmpException {
        try {
            h.run();
        } catch (HotplugException e) {
            throw new QmpException(e.notFound() ? ErrorClass.DeviceNotFound : ErrorClass.GenericError, e.getMessage());
        }
    }

    /** {@code file:DIR}, DIR absolute: the only destination a snapshot has. */
    private static Path snapshotDir(String uri) throws QmpException {
        if (!uri.startsWith("file:")) {
            throw QmpException.generic("migrate: uri '" + uri + "': only file:/absolute/dir is supported (a snapshot directory)");
        }
        String dir = uri.substring("file:".length());
        if (dir.isEmpty() || !dir.startsWith("/")) {
            throw QmpException.generic("migrate: uri '" + uri + "': the snapshot directory must be an absolute path");
        }
        Path path = Path.of(dir);
        if (java.nio.file.Files.exists(path) && !java.nio.file.Files.isDirectory(path)) {
            throw QmpException.generic("migrate: " + dir + " exists and is not a directory");
        }
        return path;
    }

    /** {@code blockdev-add}: the schema has checked the shape (driver "file", format "raw"). */
    private void addBlockdev(JsonNode args) throws QmpException {
        String node = args.get("node-name").asText();
        Path file = Path.of(args.get("file").get("filename").asText());
        boolean direct = args.path("cache").path("direct").asBoolean(false);
        boolean readOnly = args.path("read-only").asBoolean(false);
        hotplug(() -> vm.diskSlots().addBackend(node, file, readOnly, direct));
    }

    /**
     * {@code device_add}: a disk into a disk slot ({@code addr} 0x0 is vda; {@code lun} N is addr
     * N+1), or a NIC into a NIC slot ({@code addr} 0x0 is eth0).
     */
    private void addDevice(JsonNode args) throws QmpException {
        String id = args.get("id").asText();
        boolean disk = args.get("driver").asText().equals("virtio-blk-mmio");
        if (args.has("addr") && args.has("lun")) {
            throw QmpException.generic("give addr or lun, not both");
        }
        for (String field : disk ? List.of("netdev", "mac", "chardev") : List.of("drive", "lun", "serial", "chardev")) {
            if (args.has(field)) {
                throw QmpException.generic("Parameter '" + field + "' is unexpected for " + args.get("driver").asText());
            }
        }
        Integer slot = null;
        if (args.has("addr")) {
            long addr = Long.parseLong(args.get("addr").asText().substring(2), 16);
            slot = (int) Math.min(addr, Integer.MAX_VALUE);
        } else if (args.has("lun")) {
            slot = (int) Math.min(args.get("lun").asLong(), Integer.MAX_VALUE - 1) + 1;
        }
        Integer at = slot;
        hotplug(() -> vm.checkNewDeviceId(id));
        if (disk) {
            String node = args.has("drive") ? args.get("drive").asText() : id;
            String serial = args.has("serial") ? args.get("serial").asText() : null;
            hotplug(() -> vm.diskSlots().plug(id, node, at, serial));
        } else {
            String netdev = args.has("netdev") ? args.get("netdev").asText() : id;
            byte[] mac = args.has("mac") ? org.altovirt.devices.virtio.net.VirtioNet.parseMac(args.get("mac").asText()) : null;
            hotplug(() -> vm.nicSlots().plug(id, netdev, at, mac));
        }
    }

    private interface Transition {
        void run() throws MicroVm.StateException;
    }

    private static void transition(Transition t) throws QmpException {
        try {
            t.run();
        } catch (MicroVm.StateException e) {
            throw QmpException.generic(e.getMessage());
        }
    }

    private JsonNode status() {
        VmState state = vm.state();
        return NODES.objectNode()
                .put("running", state == VmState.RUNNING)
                .put("singlestep", false)
                .put("status", state.wireName());
    }

    private JsonNode cpus() {
        ArrayNode out = NODES.arrayNode();
        for (MicroVm.VcpuInfo v : vm.vcpus()) {
            ObjectNode cpu = out.addObject();
            cpu.put("CPU", v.index());
            cpu.put("arch", "x86");
            cpu.put("current", true);
            cpu.put("halted", v.halted());
            cpu.set("props", props(v.position()));
            cpu.put("qom_path", qomPath(v.index()));
            cpu.put("thread_id", v.threadId());
        }
        return out;
    }

    /** Every possible vCPU (maxcpus); online ones carry their qom-path. */
    private JsonNode hotpluggableCpus() {
        CpuTopology topology = vm.config().cpus();
        ArrayNode out = NODES.arrayNode();
        for (int i = 0; i < topology.maxCpus(); i++) {
            ObjectNode cpu = out.addObject();
            cpu.set("props", props(topology.position(i)));
            if (i < topology.cpus()) {
                cpu.put("qom-path", qomPath(i));
            }
            cpu.put("type", "host-x86-cpu");
            cpu.put("vcpus-count", 1);
        }
        return out;
    }

    private static ObjectNode props(CpuTopology.Position p) {
        return NODES.objectNode()
                .put("core-id", p.core())
                .put("socket-id", p.socket())
                .put("thread-id", p.thread());
    }

    private static String qomPath(int index) {
        return "/machine/unattached/device[" + index + "]";
    }

    private JsonNode commandList() {
        ArrayNode out = NODES.arrayNode();
        commands.names().forEach(name -> out.addObject().put("name", name));
        return out;
    }

    /** No balloon device, or its guest driver has not started it (QEMU's and StratoVirt's answer). */
    private static QmpException noBalloon() {
        return new QmpException(ErrorClass.DeviceNotActive, "No balloon device has been activated");
    }
}
