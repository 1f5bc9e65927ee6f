package org.altovirt.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every QMP message shown in docs/managing-vms.md (and the examples of docs/facts.md §1-2) conforms to the
 * schemas in {@code schemas/qmp/}, and broken variants of them do not. The document's JSON is copied
 * verbatim as text blocks; where the document has a typo, the test says so.
 */
class QmpSchemaExamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaCatalog CATALOG = SchemaCatalog.classpath();

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static List<Violation> check(String schema, JsonNode instance) {
        return CATALOG.get(schema).check(instance);
    }

    private static List<Violation> check(String schema, String instance) {
        return check(schema, parse(instance));
    }

    private static void assertAccepted(String schema, JsonNode instance) {
        assertThat(check(schema, instance)).as("%s against %s", instance, schema).isEmpty();
    }

    private static void assertAccepted(String schema, String instance) {
        assertAccepted(schema, parse(instance));
    }

    // ------------------------------------------------------------------ docs/managing-vms.md: commands

    /** (section of docs/managing-vms.md, command name, the `<-` text or a Usage line, verbatim). */
    static Stream<Arguments> documentCommands() {
        return Stream.of(
                arguments("Querying VM Status (usage)", "query-status", """
                        { "execute": "query-status" }"""),
                arguments("Querying Topology Information", "query-cpus", """
                        { "execute": "query-cpus" }"""),
                arguments("Querying vCPU Online Status", "query-hotpluggable-cpus", """
                        { "execute": "query-hotpluggable-cpus" }"""),
                arguments("Suspending a VM", "stop", """
                        {"execute":"stop"}"""),
                arguments("Resuming a VM", "cont", """
                        {"execute":"cont"}"""),
                arguments("Exiting a VM", "quit", """
                        {"execute":"quit"}"""),
                arguments("Hot Plugged-in Disks", "blockdev-add", """
                        {"execute": "blockdev-add", "arguments": {"node-name": "drive-0", "file": {"driver": "file", "filename": "/path/to/block"}, "cache": {"direct": true}, "read-only": false}}"""),
                arguments("Hot Plugged-in Disks", "device_add", """
                        {"execute": "device_add", "arguments": {"id": "drive-0", "driver": "virtio-blk-mmio", "addr": "0x1"}}"""),
                arguments("Hot Plugged-out Disks (usage)", "device_del", """
                        {"execute": "device_del", "arguments": {"id":"drive-0"}}"""),
                arguments("Hot Plugged-out Disks", "device_del", """
                        {"execute": "device_del", "arguments": {"id": "drive-0"}}"""),
                arguments("Hot Plugged-in NICs", "netdev_add", """
                        {"execute":"netdev_add", "arguments":{"id":"net-0", "ifname":"tap0"}}"""),
                arguments("Hot Plugged-in NICs", "device_add", """
                        {"execute":"device_add", "arguments":{"id":"net-0", "driver":"virtio-net-mmio", "addr":"0x0"}}"""),
                arguments("Hot Plugged-out NICs", "device_del", """
                        {"execute": "device_del", "arguments": {"id": "net-0"}}"""),
                arguments("Using Ballon Devices", "balloon", """
                        {"execute": "balloon", "arguments": {"value": 2147483648}}"""),
                arguments("Using Ballon Devices", "query-balloon", """
                        {"execute": "query-balloon"}"""),
                arguments("Creating a Snapshot", "query-status", """
                        {"execute":"query-status"}"""),
                arguments("Creating a Snapshot", "migrate", """
                        {"execute":"migrate", "arguments":{"uri":"file:/path/to/template"}}"""),
                arguments("Creating a Snapshot", "query-migrate", """
                        {"execute":"query-migrate"}"""));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("documentCommands")
    void documentCommandIsAccepted(String section, String command, String text) {
        JsonNode message = parse(text);
        assertThat(message.path("execute").asText()).isEqualTo(command);
        assertAccepted("qmp/command.json", message);
        assertAccepted("qmp/commands/" + command + ".json", message);
        if (message.has("arguments")) {
            assertAccepted("qmp/commands/" + command + ".json#/$defs/arguments", message.get("arguments"));
        }
    }

    // ------------------------------------------------------------------ docs/managing-vms.md: replies

    /** (section of docs/managing-vms.md, the command answered, the `->` reply, verbatim). */
    static Stream<Arguments> documentReplies() {
        return Stream.of(
                arguments("Querying Topology Information", "query-cpus", """
                        {"return":[{"CPU":0,"arch":"x86","current":true,"halted":false,"props":{"core-id":0,"socket-id":0,"thread-id":0},"qom_path":"/machine/unattached/device[0]","thread_id":8439},{"CPU":1,"arch":"x86","current":true,"halted":false,"props":{"core-id":0,"socket-id":1,"thread-id":0},"qom_path":"/machine/unattached/device[1]","thread_id":8440}]}"""),
                arguments("Querying vCPU Online Status", "query-hotpluggable-cpus", """
                        {"return":[{"props":{"core-id":0,"socket-id":0,"thread-id":0},"qom-path":"/machine/unattached/device[0]","type":"host-x86-cpu","vcpus-count":1},{"props":{"core-id":0,"socket-id":1,"thread-id":0},"qom-path":"/machine/unattached/device[1]","type":"host-x86-cpu","vcpus-count":1}]}"""),
                arguments("Suspending a VM", "stop", """
                        {"return":{}}"""),
                arguments("Resuming a VM", "cont", """
                        {"return":{}}"""),
                arguments("Exiting a VM", "quit", """
                        {"return":{}}"""),
                arguments("Hot Plugged-in Disks", "blockdev-add", """
                        {"return": {}}"""),
                arguments("Hot Plugged-in Disks", "device_add", """
                        {"return": {}}"""),
                arguments("Hot Plugged-out Disks", "device_del", """
                        {"return": {}}"""),
                arguments("Hot Plugged-in NICs", "netdev_add", """
                        {"return": {}}"""),
                arguments("Hot Plugged-out NICs", "device_del", """
                        {"return": {}}"""),
                arguments("Using Ballon Devices", "balloon", """
                        {"return": {}}"""),
                arguments("Using Ballon Devices", "query-balloon", """
                        {"return":{"actual":2147483648}}"""),
                // The document shows a paused VM with "running":true; docs/facts.md §2 calls that a typo
                // (altovirt answers running:false), but the schema accepts both, so the example passes.
                arguments("Creating a Snapshot", "query-status", """
                        {"return":{"running":true,"singlestep":false,"status":"paused"}}"""),
                arguments("Creating a Snapshot", "migrate", """
                        {"return":{}}"""),
                // Shown twice: in the prose of "Creating a Snapshot" and in "Querying Snapshot Status".
                arguments("Querying Snapshot Status", "query-migrate", """
                        {"return":{"status":"completed"}}"""));
    }

    @ParameterizedTest(name = "{0}: reply to {1}")
    @MethodSource("documentReplies")
    void documentReplyIsAccepted(String section, String command, String text) {
        assertReplyAccepted(command, parse(text));
    }

    private static void assertReplyAccepted(String command, JsonNode reply) {
        assertAccepted("qmp/return.json", reply);
        assertThat(reply.has("return")).as("reply has a return member").isTrue();
        assertAccepted("qmp/commands/" + command + ".json#/$defs/returns", reply.get("return"));
    }

    /** "Querying VM Status": the document's reply lacks its final closing brace. */
    @Test
    void queryStatusReplyWithItsMissingBraceRestored() {
        String verbatim = """
                { "return": { "running": true,"singlestep": false,"status": "running" }\s""";
        assertThatThrownBy(() -> JSON.readTree(verbatim))
                .as("the document's text is not valid JSON as printed")
                .isInstanceOf(JsonProcessingException.class);
        // Closing brace added: the only change from the document.
        String corrected = """
                { "return": { "running": true,"singlestep": false,"status": "running" } }""";
        assertReplyAccepted("query-status", parse(corrected));
    }

    // ------------------------------------------------------------------ docs/managing-vms.md: events

    /** (section of docs/managing-vms.md, the `->` event, verbatim). */
    static Stream<Arguments> documentEvents() {
        return Stream.of(
                arguments("Suspending a VM", """
                        {"event":"STOP","data":{},"timestamp":{"seconds":1583908726,"microseconds":162739}}"""),
                arguments("Resuming a VM", """
                        {"event":"RESUME","data":{},"timestamp":{"seconds":1583908853,"microseconds":411394}}"""),
                arguments("Hot Plugged-out Disks", """
                        {"event":"DEVICE_DELETED","data":{"device":"drive-0","path":"drive-0"},"timestamp":{"seconds":1598513162,"microseconds":367129}}"""),
                arguments("Hot Plugged-out NICs", """
                        {"event":"DEVICE_DELETED","data":{"device":"net-0","path":"net-0"},"timestamp":{"seconds":1598513339,"microseconds":97310}}"""),
                arguments("Creating a Snapshot", """
                        {"event":"STOP","data":{},"timestamp":{"seconds":1583908726,"microseconds":162739}}"""));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("documentEvents")
    void documentEventIsAccepted(String section, String text) {
        assertEventAccepted(parse(text));
    }

    private static void assertEventAccepted(JsonNode event) {
        assertAccepted("qmp/event.json", event);
        String name = event.path("event").asText();
        assertThat(CATALOG.exists("qmp/events/" + name + ".json")).as("a schema for event %s", name).isTrue();
        assertAccepted("qmp/events/" + name + ".json", event);
        assertAccepted("qmp/events/" + name + ".json#/$defs/data", event.get("data"));
    }

    /** "Exiting a VM": the document's SHUTDOWN timestamp says "ds" where QMP says "seconds". */
    @Test
    void shutdownEventWithItsTimestampTypoIsRejectedAndTheCorrectedOneAccepted() {
        String verbatim = """
                {"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"},"timestamp":{"ds":1590563776,"microseconds":519808}}""";
        assertThat(check("qmp/events/SHUTDOWN.json", verbatim))
                .extracting(Violation::keyword, Violation::path, Violation::property)
                .containsExactlyInAnyOrder(
                        tuple("required", List.of("timestamp"), "seconds"),
                        tuple("additionalProperties", List.of("timestamp"), "ds"));
        assertThat(check("qmp/event.json", verbatim)).isNotEmpty();
        // "ds" renamed to "seconds", the only change: what altovirt actually sends (docs/facts.md §1).
        String corrected = """
                {"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"},"timestamp":{"seconds":1590563776,"microseconds":519808}}""";
        assertEventAccepted(parse(corrected));
    }

    // ------------------------------------------------------------------ greetings

    @ParameterizedTest
    @ValueSource(strings = {
        // docs/managing-vms.md, "Connecting to a VM" (verbatim)
        """
        {"QMP":{"version":{"qemu":{"micro":1,"minor":0,"major":4},"package":""},"capabilities":[]}}""",
        // docs/facts.md §1 (verbatim, with its placeholder version)
        """
        {"QMP":{"version":{"qemu":{"micro":1,"minor":0,"major":5},"package":"altovirt-X.Y.Z"},"capabilities":[]}}""",
        // what altovirt 0.1.0 sends
        """
        {"QMP":{"version":{"qemu":{"micro":1,"minor":0,"major":5},"package":"altovirt-0.1.0"},"capabilities":[]}}"""
    })
    void greetingIsAccepted(String text) {
        assertAccepted("qmp/greeting.json", text);
    }

    // ------------------------------------------------------------------ docs/facts.md §1-2

    /** Error replies: each class docs/facts.md §1 lists, with the descriptions it quotes where it has one. */
    @ParameterizedTest
    @ValueSource(strings = {
        """
        {"error":{"class":"CommandNotFound","desc":"The command no-such-command has not been found"},"id":"a"}""",
        """
        {"error":{"class":"GenericError","desc":"JSON parse error, expecting value"}}""",
        """
        {"error":{"class":"GenericError","desc":"QMP input must be a JSON object"}}""",
        """
        {"error":{"class":"GenericError","desc":"QMP input lacks member 'execute'"}}""",
        """
        {"error":{"class":"GenericError","desc":"QMP input member 'foo' is unexpected"},"id":{"seq":1}}""",
        """
        {"error":{"class":"GenericError","desc":"Invalid parameter type for 'value', expected: integer"},"id":7}""",
        """
        {"error":{"class":"GenericError","desc":"Parameter 'value' is missing"},"id":null}""",
        """
        {"error":{"class":"GenericError","desc":"Parameter 'x' is unexpected"}}""",
        """
        {"error":{"class":"DeviceNotActive","desc":"No balloon device has been activated"}}""",
        """
        {"error":{"class":"DeviceNotFound","desc":"Device 'drive-9' not found"}}""",
        """
        {"error":{"class":"KVMMissingCap","desc":"KVM lacks a capability"}}""",
        """
        {"error":{"class":"OperationThrottled","desc":"Too many requests"}}"""
    })
    void errorReplyIsAccepted(String text) {
        assertAccepted("qmp/error.json", text);
    }

    /** docs/facts.md §1: a command may carry any JSON `id`, and replies echo it, whatever it is. */
    @ParameterizedTest
    @ValueSource(strings = {"\"abc\"", "7", "null", "{\"seq\":[1,2]}", "[1,\"x\"]", "true"})
    void anyIdIsAccepted(String id) {
        assertAccepted("qmp/command.json", "{\"execute\":\"stop\",\"id\":" + id + "}");
        assertAccepted("qmp/commands/stop.json", "{\"execute\":\"stop\",\"id\":" + id + "}");
        assertAccepted("qmp/return.json", "{\"return\":{},\"id\":" + id + "}");
        assertAccepted("qmp/error.json",
                "{\"error\":{\"class\":\"GenericError\",\"desc\":\"x\"},\"id\":" + id + "}");
    }

    /** Other messages docs/facts.md §1-2 describes. */
    static Stream<Arguments> factsMessages() {
        return Stream.of(
                arguments("qmp/commands/qmp_capabilities.json", """
                        {"execute":"qmp_capabilities"}"""),
                arguments("qmp/commands/qmp_capabilities.json", """
                        {"execute":"qmp_capabilities","arguments":{}}"""),
                arguments("qmp/commands/qmp_capabilities.json", """
                        {"execute":"qmp_capabilities","arguments":{"enable":[]}}"""),
                arguments("qmp/commands/query-commands.json", """
                        {"execute":"query-commands"}"""),
                // newer StratoVirt forms: device_add naming its backend with drive / netdev
                arguments("qmp/commands/device_add.json", """
                        {"execute":"device_add","arguments":{"id":"disk-1","driver":"virtio-blk-mmio","drive":"drive-1","lun":0,"serial":"SN1"}}"""),
                arguments("qmp/commands/device_add.json", """
                        {"execute":"device_add","arguments":{"id":"nic-1","driver":"virtio-net-mmio","netdev":"net-1","mac":"52:54:00:12:34:56","addr":"0x1"}}"""),
                arguments("qmp/commands/blockdev-add.json", """
                        {"execute":"blockdev-add","arguments":{"node-name":"drive-1","file":{"driver":"file","filename":"/img/b.raw"},"driver":"raw","read-only":true}}"""),
                arguments("qmp/commands/netdev_add.json", """
                        {"execute":"netdev_add","arguments":{"id":"net-1","ifname":"tap1","type":"tap"}}"""),
                arguments("qmp/commands/netdev_del.json", """
                        {"execute":"netdev_del","arguments":{"id":"net-1"}}"""),
                arguments("qmp/return.json", """
                        {"return":{},"id":"cap"}"""),
                arguments("qmp/commands/query-status.json#/$defs/returns", """
                        {"running":true,"singlestep":false,"status":"running"}"""),
                arguments("qmp/commands/query-status.json#/$defs/returns", """
                        {"running":false,"singlestep":false,"status":"paused"}"""),
                arguments("qmp/commands/query-hotpluggable-cpus.json#/$defs/returns", """
                        [{"props":{"core-id":0,"socket-id":0,"thread-id":0},"qom-path":"/machine/unattached/device[0]","type":"host-x86-cpu","vcpus-count":1},{"props":{"core-id":0,"socket-id":1,"thread-id":0},"type":"host-x86-cpu","vcpus-count":1}]"""),
                arguments("qmp/commands/query-migrate.json#/$defs/returns", """
                        {"status":"none"}"""),
                arguments("qmp/commands/query-migrate.json#/$defs/returns", """
                        {}"""),
                arguments("qmp/commands/query-version.json#/$defs/returns", """
                        {"qemu":{"major":5,"minor":0,"micro":1},"package":"altovirt-0.1.0"}"""),
                arguments("qmp/commands/query-commands.json#/$defs/returns", """
                        [{"name":"query-status"},{"name":"qmp_capabilities"}]"""),
                arguments("qmp/commands/query-qmp-schema.json#/$defs/returns", """
                        [{"name":"stop","meta-type":"command","schema":{"type":"object"}},{"name":"STOP","meta-type":"event","schema":{}}]"""),
                arguments("qmp/events/SHUTDOWN.json", """
                        {"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"},"timestamp":{"seconds":1590563776,"microseconds":0}}"""),
                arguments("qmp/events/SHUTDOWN.json", """
                        {"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"timestamp":{"seconds":0,"microseconds":999999}}"""),
                arguments("qmp/events/RESET.json", """
                        {"event":"RESET","data":{"guest":true,"reason":"guest-reset"},"timestamp":{"seconds":1,"microseconds":2}}"""),
                arguments("qmp/events/POWERDOWN.json", """
                        {"event":"POWERDOWN","data":{},"timestamp":{"seconds":1,"microseconds":2}}"""),
                arguments("qmp/events/DEVICE_DELETED.json", """
                        {"event":"DEVICE_DELETED","data":{"path":"/machine/peripheral-anon/device[0]"},"timestamp":{"seconds":1,"microseconds":2}}"""),
                arguments("qmp/events/BALLOON_CHANGED.json", """
                        {"event":"BALLOON_CHANGED","data":{"actual":2147483648},"timestamp":{"seconds":1,"microseconds":2}}"""));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("factsMessages")
    void factsMessageIsAccepted(String schema, String text) {
        assertAccepted(schema, text);
    }

    // ------------------------------------------------------------------ broken variants

    /**
     * (schema, instance, the violation expected: keyword, instance path, property or null). Each
     * instance breaks exactly one rule, so the violation list must be exactly that one.
     */
    static Stream<Arguments> brokenMessages() {
        return Stream.of(
                arguments("qmp/commands/balloon.json#/$defs/arguments", """
                        {"value": "2G"}""", "type", List.of("value"), null),
                arguments("qmp/commands/balloon.json", """
                        {"execute": "balloon", "arguments": {"value": "2G"}}""",
                        "type", List.of("arguments", "value"), null),
                arguments("qmp/commands/balloon.json#/$defs/arguments", """
                        {"value": 0}""", "minimum", List.of("value"), null),
                arguments("qmp/commands/balloon.json", """
                        {"execute": "balloon"}""", "required", List.of(), "arguments"),
                arguments("qmp/commands/device_del.json#/$defs/arguments", """
                        {}""", "required", List.of(), "id"),
                arguments("qmp/commands/stop.json#/$defs/arguments", """
                        {"x": 1}""", "additionalProperties", List.of(), "x"),
                arguments("qmp/commands/stop.json", """
                        {"execute": "stop", "arguments": {"x": 1}}""",
                        "additionalProperties", List.of("arguments"), "x"),
                arguments("qmp/commands/blockdev-add.json#/$defs/arguments", """
                        {"node-name": "drive-0", "file": {"driver": "file", "filename": 3}}""",
                        "type", List.of("file", "filename"), null),
                arguments("qmp/commands/blockdev-add.json#/$defs/arguments", """
                        {"node-name": "drive-0", "file": {"driver": "file"}}""",
                        "required", List.of("file"), "filename"),
                arguments("qmp/commands/blockdev-add.json#/$defs/arguments", """
                        {"node-name": "0 bad", "file": {"driver": "file", "filename": "/a"}}""",
                        "pattern", List.of("node-name"), null),
                arguments("qmp/commands/blockdev-add.json#/$defs/arguments", """
                        {"node-name": "d", "file": {"driver": "file", "filename": "/a"}, "driver": "qcow2"}""",
                        "enum", List.of("driver"), null),
                arguments("qmp/commands/device_add.json#/$defs/arguments", """
                        {"id": "net-0", "driver": "e1000", "addr": "0x0"}""", "enum", List.of("driver"), null),
                arguments("qmp/commands/device_add.json#/$defs/arguments", """
                        {"id": "drive-0", "driver": "virtio-blk-mmio", "addr": "1"}""",
                        "pattern", List.of("addr"), null),
                arguments("qmp/commands/device_add.json#/$defs/arguments", """
                        {"id": "drive-0", "driver": "virtio-blk-mmio", "addr": "0x123456789"}""",
                        "pattern", List.of("addr"), null),
                arguments("qmp/commands/device_add.json#/$defs/arguments", """
                        {"id": "net-0", "driver": "virtio-net-mmio", "mac": "52:54:00:12:34"}""",
                        "pattern", List.of("mac"), null),
                arguments("qmp/commands/device_add.json#/$defs/arguments", """
                        {"id": "drive-0", "driver": "virtio-blk-mmio", "lun": -1}""",
                        "minimum", List.of("lun"), null),
                arguments("qmp/commands/device_add.json#/$defs/arguments", """
                        {"id": "drive-0", "addr": "0x1"}""", "required", List.of(), "driver"),
                arguments("qmp/commands/netdev_add.json#/$defs/arguments", """
                        {"id": "net-0", "ifname": "tap0", "type": "user"}""", "enum", List.of("type"), null),
                arguments("qmp/commands/migrate.json#/$defs/arguments", """
                        {}""", "required", List.of(), "uri"),
                arguments("qmp/commands/qmp_capabilities.json#/$defs/arguments", """
                        {"enable": [1]}""", "type", List.of("enable", "0"), null),
                arguments("qmp/commands/stop.json", """
                        {"execute": "cont"}""", "const", List.of("execute"), null),
                arguments("qmp/events/SHUTDOWN.json", """
                        {"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-reboot"},"timestamp":{"seconds":1590563776,"microseconds":519808}}""",
                        "enum", List.of("data", "reason"), null),
                arguments("qmp/events/RESET.json", """
                        {"event":"RESET","data":{"guest":false,"reason":"because"},"timestamp":{"seconds":1,"microseconds":2}}""",
                        "enum", List.of("data", "reason"), null),
                arguments("qmp/events/SHUTDOWN.json", """
                        {"event":"SHUTDOWN","data":{"reason":"host-qmp-quit"},"timestamp":{"seconds":1,"microseconds":2}}""",
                        "required", List.of("data"), "guest"),
                arguments("qmp/event.json", """
                        {"event":"STOP","data":{},"timestamp":{"seconds":1583908726,"microseconds":1000000}}""",
                        "maximum", List.of("timestamp", "microseconds"), null),
                arguments("qmp/events/STOP.json", """
                        {"event":"STOP","data":{},"timestamp":{"seconds":1583908726,"microseconds":1000000}}""",
                        "maximum", List.of("timestamp", "microseconds"), null),
                arguments("qmp/event.json", """
                        {"event":"STOP","data":{},"timestamp":{"seconds":-1,"microseconds":0}}""",
                        "minimum", List.of("timestamp", "seconds"), null),
                arguments("qmp/event.json", """
                        {"event":"stop","data":{},"timestamp":{"seconds":1,"microseconds":0}}""",
                        "pattern", List.of("event"), null),
                arguments("qmp/event.json", """
                        {"event":"STOP","data":{}}""", "required", List.of(), "timestamp"),
                arguments("qmp/events/STOP.json", """
                        {"event":"STOP","data":{"x":1},"timestamp":{"seconds":1,"microseconds":0}}""",
                        "additionalProperties", List.of("data"), "x"),
                arguments("qmp/events/DEVICE_DELETED.json", """
                        {"event":"DEVICE_DELETED","data":{"device":"net-0"},"timestamp":{"seconds":1,"microseconds":0}}""",
                        "required", List.of("data"), "path"),
                arguments("qmp/events/BALLOON_CHANGED.json", """
                        {"event":"BALLOON_CHANGED","data":{"actual":-4096},"timestamp":{"seconds":1,"microseconds":0}}""",
                        "minimum", List.of("data", "actual"), null),
                arguments("qmp/error.json", """
                        {"error":{"class":"NoSuchClass","desc":"x"}}""", "enum", List.of("error", "class"), null),
                arguments("qmp/error.json", """
                        {"error":{"class":"GenericError"}}""", "required", List.of("error"), "desc"),
                arguments("qmp/error.json", """
                        {"error":{"class":"GenericError","desc":"x"},"return":{}}""",
                        "additionalProperties", List.of(), "return"),
                arguments("qmp/return.json", """
                        {"id":"a"}""", "required", List.of(), "return"),
                arguments("qmp/greeting.json", """
                        {"QMP":{"version":{"qemu":{"micro":1,"minor":0,"major":5},"package":"altovirt-0.1.0"}}}""",
                        "required", List.of("QMP"), "capabilities"),
                arguments("qmp/greeting.json", """
                        {"QMP":{"version":{"qemu":{"micro":1,"minor":0,"major":"5"},"package":""},"capabilities":[]}}""",
                        "type", List.of("QMP", "version", "qemu", "major"), null),
                arguments("qmp/command.json", """
                        {"execute":"stop","argument":{}}""", "additionalProperties", List.of(), "argument"),
                arguments("qmp/commands/stop.json", """
                        {"execute":"stop","argument":{}}""", "additionalProperties", List.of(), "argument"),
                arguments("qmp/command.json", """
                        {"arguments":{}}""", "required", List.of(), "execute"),
                arguments("qmp/command.json", """
                        {"execute":"balloon","arguments":[2147483648]}""", "type", List.of("arguments"), null),
                arguments("qmp/commands/query-cpus.json#/$defs/returns", """
                        [{"CPU":0,"arch":"x86","current":true,"halted":false,"props":{"core-id":0,"socket-id":0,"thread-id":0},"qom_path":"/machine/unattached/device[0]","thread_id":8439},{"CPU":1,"arch":"x86","current":true,"halted":false,"props":{"core-id":0,"socket-id":1,"thread-id":0},"qom_path":"/machine/unattached/device[1]"}]""",
                        "required", List.of("1"), "thread_id"),
                arguments("qmp/commands/query-cpus.json#/$defs/returns", """
                        [{"CPU":0,"arch":"x86","current":true,"halted":false,"props":{"core-id":0,"socket-id":-1,"thread-id":0},"qom_path":"/machine/unattached/device[0]","thread_id":8439}]""",
                        "minimum", List.of("0", "props", "socket-id"), null),
                arguments("qmp/commands/query-hotpluggable-cpus.json#/$defs/returns", """
                        [{"props":{"core-id":0,"socket-id":0,"thread-id":0},"type":"host-x86-cpu","vcpus-count":0}]""",
                        "minimum", List.of("0", "vcpus-count"), null),
                arguments("qmp/commands/query-status.json#/$defs/returns", """
                        {"running":true,"singlestep":false,"status":"Running"}""", "enum", List.of("status"), null),
                arguments("qmp/commands/query-migrate.json#/$defs/returns", """
                        {"status":"Completed"}""", "enum", List.of("status"), null),
                arguments("qmp/commands/query-balloon.json#/$defs/returns", """
                        {}""", "required", List.of(), "actual"),
                arguments("qmp/commands/stop.json#/$defs/returns", """
                        {"ok":true}""", "additionalProperties", List.of(), "ok"),
                arguments("qmp/commands/query-qmp-schema.json#/$defs/returns", """
                        [{"name":"stop","meta-type":"builtin","schema":{}}]""", "enum", List.of("0", "meta-type"), null));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("brokenMessages")
    void brokenMessageIsRejected(String schema, String text, String keyword, List<String> path, String property) {
        assertThat(check(schema, text))
                .extracting(Violation::keyword, Violation::path, Violation::property)
                .containsExactly(tuple(keyword, path, property));
    }

    @Test
    void typeViolationNamesTheTypeFoundAndExpected() {
        List<Violation> violations = check("qmp/commands/balloon.json#/$defs/arguments", "{\"value\": \"2G\"}");
        assertThat(violations).hasSize(1);
        assertThat(violations.get(0).dottedPath()).isEqualTo("value");
        assertThat(violations.get(0).arguments()).containsExactly("string", "integer");
    }
}
