package org.altovirt.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/** Steps that talk QMP to the VM over its real socket, byte for byte. */
public final class QmpSteps {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final World world;

    public QmpSteps(World world) {
        this.world = world;
    }

    @When("a client connects")
    public void aClientConnects() throws Exception {
        if (world.client != null) {
            world.client.close();
        }
        world.client = world.connect();
        JsonNode greeting = world.client.next(World.PATIENCE);
        assertThat(greeting.has("QMP")).as("greeting %s", greeting).isTrue();
        world.lastMessage = greeting;
    }

    @Then("the first line ends with CRLF")
    public void firstLineCrlf() {
        // RawConnection.next() refuses any line not ending in CRLF; the greeting has been read.
        assertThat(world.lastMessage).isNotNull();
    }

    @Then("the greeting matches:")
    public void greetingMatches(String expected) throws IOException {
        assertMatches(expected, world.lastMessage);
    }

    @When("the client sends:")
    public void clientSends(String text) throws IOException {
        world.client.write(world.workspace.expand(text.strip()) + "\n");
    }

    @When("^the client writes '(.*)' without a newline$")
    public void clientWritesRaw(String text) throws IOException {
        world.client.write(text);
    }

    @When("the client writes these pieces, one write each:")
    public void clientWritesPieces(List<String> pieces) throws IOException {
        for (String piece : pieces) {
            world.client.write(piece); // framing across reads is also covered byte by byte in StreamDecoderTest
        }
    }

    @When("the client writes an unterminated JSON string of {int} bytes")
    public void oversized(int size) {
        byte[] data = new byte[size];
        Arrays.fill(data, (byte) 'a');
        data[0] = '"';
        try {
            world.client.write(data);
        } catch (IOException e) {
            // the server may close the connection before all of it is written: that is the point
        }
    }

    @Then("the client receives:")
    public void clientReceives(String expected) throws Exception {
        for (String line : expected.strip().split("\n")) {
            JsonNode actual = world.client.next(World.PATIENCE);
            assertMatches(line, actual);
            world.lastMessage = actual;
            if (actual.has("event")) {
                rememberEvent(actual);
            }
        }
    }

    /**
     * Waits for the expected message, passing over events of the same name on the way (a guest
     * that changes something step by step reports each step).
     */
    @Then("the client receives, among other {word} events:")
    public void clientReceivesAmongOthers(String event, String expectedText) throws Exception {
        JsonNode expected = JSON.readTree(expectedText.strip());
        while (true) {
            JsonNode actual = world.client.next(World.PATIENCE);
            world.lastMessage = actual;
            if (JsonMatch.mismatch(expected, actual) == null) {
                return;
            }
            assertThat(actual.path("event").asText()).as("while waiting for %s, received %s", expected, actual)
                    .isEqualTo(event);
        }
    }

    /** Asks query-migrate until the snapshot is no longer being written; then its status must be {@code status}. */
    @Then("query-migrate reaches {string}")
    public void queryMigrateReaches(String status) throws Exception {
        long deadline = System.nanoTime() + World.PATIENCE.toNanos();
        while (true) {
            world.client.write("{\"execute\":\"query-migrate\"}");
            JsonNode reply;
            do {
                reply = world.client.next(World.PATIENCE);
            } while (reply.has("event"));
            String now = reply.path("return").path("status").asText();
            if (!now.equals("active") && !now.equals("setup") || System.nanoTime() > deadline) {
                assertThat(now).as("query-migrate: %s", reply).isEqualTo(status);
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L); // asks again: no event ends a snapshot
        }
    }

    private JsonNode lastStop;

    private void rememberEvent(JsonNode event) {
        if ("STOP".equals(event.get("event").asText())) {
            lastStop = event;
        }
    }

    @Then("the client receives an error of class {string} starting {string}")
    public void receivesErrorStarting(String errorClass, String prefix) throws Exception {
        JsonNode reply = world.client.next(World.PATIENCE);
        world.lastMessage = reply;
        assertThat(reply.path("error").path("class").asText()).as("reply %s", reply).isEqualTo(errorClass);
        assertThat(reply.path("error").path("desc").asText()).startsWith(world.workspace.expand(prefix));
    }

    @Then("that reply has no id")
    public void noId() {
        assertThat(world.lastMessage.has("id")).as("reply %s", world.lastMessage).isFalse();
    }

    /**
     * Events of a command are written before its reply, so a round trip after it shows whether
     * any arrived: the next message must be this reply.
     */
    @Then("no event arrives")
    public void noEventArrives() throws Exception {
        world.client.write("{\"execute\":\"qmp_capabilities\",\"id\":\"sync\"}");
        JsonNode next = world.client.next(World.PATIENCE);
        assertThat(next.path("id").asText()).as("next message %s", next).isEqualTo("sync");
    }

    @Then("query-status says {string}")
    public void queryStatusSays(String status) throws Exception {
        world.client.write("{\"execute\":\"query-status\",\"id\":\"status\"}");
        JsonNode reply = world.client.next(World.PATIENCE);
        assertThat(reply.path("id").asText()).as("reply %s", reply).isEqualTo("status");
        assertThat(reply.path("return").path("status").asText()).isEqualTo(status);
        assertThat(reply.path("return").path("running").asBoolean()).isEqualTo(status.equals("running"));
    }

    @Then("the STOP event's timestamp is the current wall-clock time")
    public void stopTimestampIsNow() {
        assertThat(lastStop).isNotNull();
        long seconds = lastStop.path("timestamp").path("seconds").asLong();
        assertThat(seconds).isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 1);
        assertThat(lastStop.path("timestamp").path("microseconds").asLong()).isBetween(0L, 999_999L);
    }

    @Then("the server closes the connection")
    public void serverCloses() throws InterruptedException {
        assertThat(world.client.awaitEof(World.PATIENCE)).as("connection closed").isTrue();
    }

    @When("a second client connects")
    public void secondClientConnects() throws Exception {
        world.second = world.connect();
    }

    @Then("the second client has received nothing")
    public void secondHasNothing() throws Exception {
        for (int i = 0; i < 3; i++) {
            queryStatusSays("running");
        }
        assertThat(world.second.hasUnread()).as("second client received something").isFalse();
    }

    @When("the first client disconnects")
    public void firstDisconnects() throws IOException {
        world.client.close();
        world.client = null;
    }

    @Then("the second client receives the greeting")
    public void secondGetsGreeting() throws Exception {
        assertThat(world.second.next(World.PATIENCE).has("QMP")).isTrue();
    }

    @When("the client executes {string}")
    public void clientExecutes(String command) throws Exception {
        world.client.write("{\"execute\":\"" + command + "\"}");
        JsonNode reply;
        do {
            reply = world.client.next(World.PATIENCE);
        } while (reply.has("event"));
        assertThat(reply.has("return")).as("reply to %s: %s", command, reply).isTrue();
        world.lastReturn = reply.get("return");
    }

    @Then("the reply lists {int} vCPUs")
    public void listsVcpus(int n) {
        assertThat(world.lastReturn.size()).isEqualTo(n);
    }

    @Then("each thread_id is a distinct thread of the altovirt process")
    public void threadIdsAreThreads() {
        JsonNode cpus = world.lastMessage.get("return");
        Set<Long> ids = new HashSet<>();
        for (JsonNode cpu : cpus) {
            long tid = cpu.get("thread_id").asLong();
            ids.add(tid);
            Path task = Path.of("/proc", Long.toString(world.vm.pid()), "task", Long.toString(tid));
            assertThat(Files.isDirectory(task)).as("%s exists", task).isTrue();
        }
        assertThat(ids).hasSize(cpus.size());
    }

    @Then("the vCPU props are, in order:")
    public void vcpuProps(DataTable table) {
        List<Map<String, String>> rows = table.asMaps();
        assertThat(world.lastReturn.size()).isEqualTo(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode cpu = world.lastReturn.get(i);
            Map<String, String> row = rows.get(i);
            assertThat(cpu.get("CPU").asText()).isEqualTo(row.get("CPU"));
            for (String key : List.of("socket-id", "core-id", "thread-id")) {
                assertThat(cpu.path("props").path(key).asText()).as("CPU %s %s", i, key).isEqualTo(row.get(key));
            }
        }
    }

    @Then("the commands listed include {string}")
    public void commandsInclude(String names) {
        Set<String> listed = StreamSupport.stream(world.lastReturn.spliterator(), false)
                .map(c -> c.get("name").asText()).collect(Collectors.toSet());
        assertThat(listed).containsAll(split(names));
        commandNames = listed;
    }

    private Set<String> commandNames;

    @Then("every listed command has a {string} schema entry with arguments and returns")
    public void everyCommandHasSchema(String metaType) {
        for (String name : commandNames) {
            JsonNode entry = schemaEntry(name);
            assertThat(entry).as("schema entry for %s", name).isNotNull();
            assertThat(entry.get("meta-type").asText()).isEqualTo(metaType);
            assertThat(entry.path("schema").path("$defs").has("arguments")).as("%s arguments", name).isTrue();
            assertThat(entry.path("schema").path("$defs").has("returns")).as("%s returns", name).isTrue();
        }
    }

    @Then("the schema entries include the events {string}")
    public void schemaIncludesEvents(String names) {
        for (String name : split(names)) {
            JsonNode entry = schemaEntry(name);
            assertThat(entry).as("schema entry for event %s", name).isNotNull();
            assertThat(entry.get("meta-type").asText()).isEqualTo("event");
        }
    }

    @Then("the schema entries include {string}")
    public void schemaIncludes(String name) {
        assertThat(schemaEntry(name)).as("schema entry %s", name).isNotNull();
    }

    private JsonNode schemaEntry(String name) {
        for (JsonNode e : world.lastReturn) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<String> split(String names) {
        return Arrays.stream(names.split(",")).map(String::strip).toList();
    }

    private static void assertMatches(String expectedText, JsonNode actual) throws IOException {
        JsonNode expected = JSON.readTree(expectedText);
        String mismatch = JsonMatch.mismatch(expected, actual);
        assertThat(mismatch).as("received %s, expected %s", actual, expected).isNull();
    }
}
