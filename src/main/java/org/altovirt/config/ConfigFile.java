package org.altovirt.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.schema.SchemaCatalog;
import org.altovirt.schema.Violation;

/**
 * The {@code -config FILE}: StratoVirt's original JSON format (docs/facts.md §8), checked against
 * {@code schemas/config/config-file.json}, then applied to a {@link ConfigDraft} before the
 * command line's options so that they override it. Each {@code drive} becomes a drive and a
 * virtio-blk device, each {@code net} a netdev and a virtio-net device, {@code balloon} a
 * virtio-balloon device.
 */
final class ConfigFile {
    static final String SCHEMA = "config/config-file.json";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final String where;
    private final ConfigDraft draft;

    private ConfigFile(String where, ConfigDraft draft) {
        this.where = where;
        this.draft = draft;
    }

    /** Reads, checks and applies the file named by {@code -config raw}. */
    static void apply(String raw, ConfigDraft draft) throws ConfigException {
        String where = "-config " + raw;
        JsonNode root = read(where, HostFiles.path(where, raw));
        List<Violation> violations = SchemaCatalog.classpath().get(SCHEMA).check(root);
        if (!violations.isEmpty()) {
            throw new ConfigException(where + ": " + describe(violations.get(0)));
        }
        new ConfigFile(where, draft).apply(root);
    }

    private static JsonNode read(String where, Path path) throws ConfigException {
        if (!Files.exists(path)) {
            throw new ConfigException(where + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new ConfigException(where + ": is a directory, not a JSON file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (AccessDeniedException e) {
            throw new ConfigException(where + ": permission denied", e);
        } catch (IOException e) {
            throw new ConfigException(where + ": cannot read it (" + e.getMessage() + ")", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (MismatchedInputException e) {
            // Jackson's own wording here names its internal classes
            throw new ConfigException(where + ": not valid JSON: more content after the top-level value"
                    + line(e), e);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage().lines().findFirst().orElse("").strip();
            throw new ConfigException(where + ": not valid JSON: " + message + line(e), e);
        } catch (IOException e) {
            throw new ConfigException(where + ": cannot read it (" + e.getMessage() + ")", e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ConfigException(where + ": the file is empty; it must hold a JSON object");
        }
        return root;
    }

    private static String line(JsonProcessingException e) {
        int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        return line > 0 ? ", line " + line : "";
    }

    /** One line for the first way the file breaks the schema, naming the key and the rule. */
    static String describe(Violation v) {
        List<String> path = v.path();
        switch (v.keyword()) {
            case "additionalProperties":
                return "unknown key '" + v.property() + "' " + in(path)
                        + " (allowed: " + String.join(", ", allowedKeys(path)) + ")";
            case "required":
                return "missing key '" + v.property() + "' " + in(path);
            case "type":
                if (path.isEmpty()) {
                    return "the file must hold a JSON object";
                }
                return subject(path) + " must be " + typeName(v.arguments().get(v.arguments().size() - 1));
            case "minimum":
                return subject(path) + " must be at least " + schemaValue(path, "minimum");
            case "maximum":
                return subject(path) + " must be at most " + schemaValue(path, "maximum");
            case "minLength":
                return subject(path) + " must not be empty";
            case "enum":
                return subject(path) + " must be one of: " + schemaValue(path, "enum");
            default:
                return subject(path) + ": " + v.message();
        }
    }

    /** {@code "in machine-config"}, {@code "in drive[0]"}, {@code "at the top level"}. */
    private static String in(List<String> path) {
        return path.isEmpty() ? "at the top level" : "in " + location(path);
    }

    /** {@code "'vcpu_count' in machine-config"}, {@code "'drive'"}, {@code "drive[0]"}. */
    private static String subject(List<String> path) {
        String last = path.get(path.size() - 1);
        List<String> parent = path.subList(0, path.size() - 1);
        if (isIndex(last)) {
            return location(path);
        }
        return "'" + last + "'" + (parent.isEmpty() ? "" : " in " + location(parent));
    }

    private static String location(List<String> path) {
        StringBuilder sb = new StringBuilder();
        for (String p : path) {
            if (isIndex(p)) {
                sb.append('[').append(p).append(']');
            } else {
                sb.append(sb.length() == 0 ? "" : ".").append(p);
            }
        }
        return sb.toString();
    }

    private static boolean isIndex(String element) {
        return !element.isEmpty() && element.chars().allMatch(Character::isDigit);
    }

    private static String typeName(String type) {
        return switch (type) {
            case "integer" -> "an integer";
            case "array" -> "an array";
            case "object" -> "an object";
            case "boolean" -> "true or false";
            default -> "a " + type;
        };
    }

    /** The schema node that describes the instance at {@code path}. */
    private static JsonNode schemaAt(List<String> path) {
        JsonNode node = SchemaCatalog.classpath().document(SCHEMA).orElseThrow();
        for (String p : path) {
            node = isIndex(p) ? node.path("items") : node.path("properties").path(p);
        }
        return node;
    }

    private static List<String> allowedKeys(List<String> path) {
        List<String> keys = new ArrayList<>();
        schemaAt(path).path("properties").fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static String schemaValue(List<String> path, String keyword) {
        JsonNode value = schemaAt(path).path(keyword);
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.asText()));
            return String.join(", ", items);
        }
        return value.asText();
    }

    private void apply(JsonNode root) throws ConfigException {
        JsonNode boot = root.path("boot-source");
        if (boot.has("kernel_image_path")) {
            String kernel = boot.get("kernel_image_path").asText();
            String at = where + ": kernel_image_path " + kernel;
            draft.kernel(at, HostFiles.path(at, kernel));
        }
        if (boot.has("boot_args")) {
            draft.cmdline(boot.get("boot_args").asText());
        }
        if (boot.has("initrd_fs_path")) {
            String initrd = boot.get("initrd_fs_path").asText();
            String at = where + ": initrd_fs_path " + initrd;
            draft.initrd(at, HostFiles.path(at, initrd));
        }
        applyMachine(root.path("machine-config"));
        JsonNode drives = root.path("drive");
        for (int i = 0; i < drives.size(); i++) {
            applyDrive(where + ": drive[" + i + "]", drives.get(i));
        }
        JsonNode nets = root.path("net");
        for (int i = 0; i < nets.size(); i++) {
            applyNet(where + ": net[" + i + "]", nets.get(i));
        }
        if (root.has("balloon")) {
            draft.device(where + ": balloon", new DeviceConfig.VirtioBalloon(
                    DeviceConfig.VirtioBalloon.DEFAULT_ID,
                    root.get("balloon").path("deflate_on_oom").asBoolean(false), false));
        }
        JsonNode serial = root.path("serial");
        if (serial.has("stdio")) {
            draft.serial(serial.get("stdio").asBoolean() ? new SerialConfig.Stdio() : new SerialConfig.None());
        }
    }

    private void applyMachine(JsonNode machine) throws ConfigException {
        if (machine.has("type")) {
            String type = machine.get("type").asText();
            draft.machineType(MachineOptions.machineType(where + ": type " + type, type));
        }
        if (machine.has("vcpu_count")) {
            draft.cpus(CpuTopology.of(machine.get("vcpu_count").asInt()));
        }
        if (machine.has("mem_size")) {
            long bytes = machine.get("mem_size").asLong();
            draft.memBytes(MachineOptions.memoryBytes(where + ": mem_size " + bytes, bytes));
        }
        if (machine.has("mem_path")) {
            String path = machine.get("mem_path").asText();
            draft.memPath(MachineOptions.memPath(where + ": mem_path " + path, path));
        }
        if (machine.has("dump_guest_core")) {
            draft.dumpGuestCore(machine.get("dump_guest_core").asBoolean());
        }
        if (machine.has("mem-share")) {
            draft.memShare(machine.get("mem-share").asBoolean());
        }
    }

    private void applyDrive(String at, JsonNode drive) throws ConfigException {
        String id = drive.get("drive_id").asText();
        KeyValues.checkId(at, "drive_id", id);
        Path file = HostFiles.path(at, drive.get("path_on_host").asText());
        boolean readOnly = drive.path("read_only").asBoolean(false);
        boolean direct = drive.path("direct").asBoolean(true);
        String serial = drive.has("serial_num") ? drive.get("serial_num").asText() : null;
        HostFiles.requireDiskImage(at, file, readOnly);
        draft.drive(at, new DriveConfig(id, file, readOnly, direct, serial, 0, DriveConfig.Aio.defaultFor(direct)));
        draft.device(at, new DeviceConfig.VirtioBlk(id, id, serial, null, null));
    }

    private void applyNet(String at, JsonNode net) throws ConfigException {
        String id = net.get("iface_id").asText();
        KeyValues.checkId(at, "iface_id", id);
        String ifname = NetdevOption.ifname(at, net.get("host_dev_name").asText());
        String mac = net.has("mac") ? DeviceOption.mac(at, net.get("mac").asText()) : null;
        draft.netdev(at, new NetdevConfig(id, ifname, false));
        draft.device(at, new DeviceConfig.VirtioNet(id, id, mac));
    }
}
