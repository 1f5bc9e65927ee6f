package org.altovirt.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema documents on disk, under {@code schemas/} (Maven runs tests from the repository root):
 * each is well formed, names itself and its source, and compiles through {@link SchemaCatalog}; the
 * QMP command and event documents have the shape the server and the shell rely on.
 */
class SchemaDocumentsTest {
    private static final Path ROOT = Path.of("schemas");
    private static final String DRAFT = "https://json-schema.org/draft/2020-12/schema";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaCatalog CATALOG = SchemaCatalog.classpath();

    /** The commands of docs/facts.md §1-2 and docs/managing-vms.md; each must have its document. */
    private static final List<String> COMMANDS = List.of(
            "qmp_capabilities", "query-status", "query-cpus", "query-hotpluggable-cpus", "stop", "cont", "quit", "system_powerdown",
            "blockdev-add", "device_add", "device_del", "netdev_add", "netdev_del", "balloon", "query-balloon",
            "migrate", "query-migrate", "query-version", "query-commands", "query-qmp-schema");

    /** The events of docs/facts.md §1; each must have its document. */
    private static final List<String> EVENTS = List.of(
            "STOP", "RESUME", "POWERDOWN", "SHUTDOWN", "RESET", "DEVICE_DELETED", "BALLOON_CHANGED");

    /** Every .json file below schemas/, as its path relative to schemas/ with '/' separators. */
    static List<String> documents() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".json"))
                    .map(p -> ROOT.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        }
    }

    static List<String> commandDocuments() throws IOException {
        return documents().stream().filter(p -> p.startsWith("qmp/commands/")).toList();
    }

    static List<String> eventDocuments() throws IOException {
        return documents().stream().filter(p -> p.startsWith("qmp/events/")).toList();
    }

    private static JsonNode read(String path) throws IOException {
        return JSON.readTree(ROOT.resolve(path).toFile());
    }

    private static String baseName(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        return file.substring(0, file.length() - ".json".length());
    }

    @Test
    void everyCommandAndEventHasADocumentAndNothingElseIsThere() throws IOException {
        assertThat(commandDocuments()).containsExactlyInAnyOrderElementsOf(
                COMMANDS.stream().map(c -> "qmp/commands/" + c + ".json").toList());
        assertThat(eventDocuments()).containsExactlyInAnyOrderElementsOf(
                EVENTS.stream().map(e -> "qmp/events/" + e + ".json").toList());
        assertThat(documents()).contains(
                "qmp/greeting.json", "qmp/command.json", "qmp/return.json", "qmp/error.json", "qmp/event.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void documentNamesItselfAndItsSource(String path) throws IOException {
        JsonNode doc = read(path);
        assertThat(doc.isObject()).isTrue();
        assertThat(doc.path("$schema").asText()).isEqualTo(DRAFT);
        assertThat(doc.path("$id").asText()).isEqualTo(SchemaCatalog.ID_PREFIX + path);
        assertThat(doc.path("title").asText()).isNotBlank();
        assertThat(doc.path("description").asText()).containsAnyOf("docs/managing-vms.md", "docs/facts.md", "docs/");
        // what the build put on the classpath is this very document
        assertThat(CATALOG.document(path)).contains(doc);
    }

    /** Every property, at any depth, carries help text for the interactive shell. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void everyPropertyHasADescription(String path) throws IOException {
        List<String> undescribed = new ArrayList<>();
        walk(read(path), "", (pointer, node) -> {
            JsonNode props = node.get("properties");
            if (props != null && props.isObject()) {
                props.fields().forEachRemaining(e -> {
                    if (!e.getValue().path("description").isTextual()
                            || e.getValue().path("description").asText().isBlank()) {
                        undescribed.add(pointer + "/properties/" + e.getKey());
                    }
                });
            }
        });
        assertThat(undescribed).as("properties without a description").isEmpty();
    }

    /** Hints for the shell are well placed: path markers on strings, enums never empty. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void hintsAreWellFormed(String path) throws IOException {
        List<String> wrong = new ArrayList<>();
        walk(read(path), "", (pointer, node) -> {
            if (node.has("x-altovirt-path")
                    && !(node.get("x-altovirt-path").isBoolean() && "string".equals(node.path("type").asText()))) {
                wrong.add(pointer + ": x-altovirt-path must be a boolean on a string schema");
            }
            if (node.has("enum") && (!node.get("enum").isArray() || node.get("enum").isEmpty())) {
                wrong.add(pointer + ": enum must be a non-empty array");
            }
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void blockdevAddFilenameIsMarkedAsAPath() throws IOException {
        JsonNode filename = read("qmp/commands/blockdev-add.json")
                .at("/$defs/arguments/properties/file/properties/filename");
        assertThat(filename.path("x-altovirt-path").asBoolean()).isTrue();
    }

    /** Each $ref names an existing document and a JSON pointer that exists in it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void everyRefResolves(String path) throws IOException {
        URI base = URI.create(SchemaCatalog.ID_PREFIX + path);
        List<String> refs = new ArrayList<>();
        walk(read(path), "", (pointer, node) -> {
            if (node.path("$ref").isTextual()) {
                refs.add(node.get("$ref").asText());
            }
        });
        for (String ref : refs) {
            String target = base.resolve(ref).toString();
            assertThat(target).as("$ref %s", ref).startsWith(SchemaCatalog.ID_PREFIX);
            String relative = target.substring(SchemaCatalog.ID_PREFIX.length());
            String file = relative.contains("#") ? relative.substring(0, relative.indexOf('#')) : relative;
            String fragment = relative.contains("#") ? relative.substring(relative.indexOf('#') + 1) : "";
            assertThat(Files.isRegularFile(ROOT.resolve(file))).as("$ref %s: document %s", ref, file).isTrue();
            assertThat(read(file).at(fragment).isMissingNode()).as("$ref %s: pointer %s", ref, fragment).isFalse();
            assertThat(CATALOG.get(relative)).isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void documentAndItsDefinitionsCompile(String path) throws IOException {
        assertThat(CATALOG.get(path).path()).isEqualTo(path);
        JsonNode defs = read(path).path("$defs");
        for (String name : new TreeSet<>(iterable(defs.fieldNames()))) {
            String fragment = path + "#/$defs/" + name;
            assertThat(CATALOG.get(fragment).path()).isEqualTo(fragment);
        }
    }

    // ------------------------------------------------------------------ commands

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandDocuments")
    void commandDocumentHasItsShape(String path) throws IOException {
        String name = baseName(path);
        JsonNode doc = read(path);
        assertThat(doc.path("title").asText()).contains(name);
        assertThat(doc.at("/properties/execute/const").asText()).isEqualTo(name);
        assertThat(doc.at("/properties/arguments/$ref").asText()).isEqualTo("#/$defs/arguments");
        assertThat(doc.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(iterable(doc.path("properties").fieldNames())).containsExactlyInAnyOrder("execute", "arguments", "id");

        JsonNode arguments = doc.at("/$defs/arguments");
        assertThat(arguments.path("type").asText()).isEqualTo("object");
        assertThat(arguments.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(arguments.path("properties").isObject()).isTrue();
        for (JsonNode required : arguments.path("required")) {
            assertThat(arguments.path("properties").has(required.asText())).as("required %s", required).isTrue();
        }
        assertThat(doc.at("/$defs/returns").isObject()).isTrue();
        assertThat(CATALOG.get(path + "#/$defs/arguments")).isNotNull();
        assertThat(CATALOG.get(path + "#/$defs/returns")).isNotNull();
    }

    /** The compiled command schema: bare command, wrong name, unknown argument, unknown member. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("commandDocuments")
    void commandSchemaChecksTheWholeMessage(String path) throws IOException {
        String name = baseName(path);
        boolean needsArguments = !read(path).at("/$defs/arguments/required").isEmpty();
        SchemaCatalog.CheckedSchema schema = CATALOG.get(path);

        ObjectNode bare = JSON.createObjectNode().put("execute", name);
        if (needsArguments) {
            assertThat(schema.check(bare)).extracting(Violation::keyword, Violation::property)
                    .containsExactly(tuple("required", "arguments"));
        } else {
            assertThat(schema.check(bare)).isEmpty();
            assertThat(schema.check(bare.deepCopy().set("arguments", JSON.createObjectNode()))).isEmpty();
            assertThat(schema.check(bare.deepCopy().put("id", "x"))).isEmpty();
        }

        ObjectNode renamed = JSON.createObjectNode().put("execute", name + "-x");
        assertThat(schema.check(renamed)).extracting(Violation::keyword, Violation::path)
                .contains(tuple("const", List.of("execute")));

        ObjectNode unknownArgument = bare.deepCopy();
        unknownArgument.putObject("arguments").put("no-such-argument", 1);
        assertThat(schema.check(unknownArgument)).extracting(Violation::keyword, Violation::path, Violation::property)
                .contains(tuple("additionalProperties", List.of("arguments"), "no-such-argument"));

        ObjectNode unknownMember = bare.deepCopy().put("executes", name);
        assertThat(schema.check(unknownMember)).extracting(Violation::keyword, Violation::path, Violation::property)
                .contains(tuple("additionalProperties", List.of(), "executes"));
    }

    // ------------------------------------------------------------------ events

    @ParameterizedTest(name = "{0}")
    @MethodSource("eventDocuments")
    void eventDocumentHasItsShape(String path) throws IOException {
        String name = baseName(path);
        JsonNode doc = read(path);
        assertThat(doc.path("title").asText()).contains(name);
        assertThat(doc.at("/properties/event/const").asText()).isEqualTo(name);
        assertThat(doc.at("/properties/data/$ref").asText()).isEqualTo("#/$defs/data");
        assertThat(doc.at("/properties/timestamp/$ref").asText()).isEqualTo("../event.json#/$defs/timestamp");
        assertThat(iterable(doc.path("required").elements()).stream().map(JsonNode::asText))
                .containsExactlyInAnyOrder("event", "data", "timestamp");
        assertThat(doc.path("additionalProperties").asBoolean(true)).isFalse();
        JsonNode data = doc.at("/$defs/data");
        assertThat(data.path("type").asText()).isEqualTo("object");
        assertThat(data.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(CATALOG.get(path + "#/$defs/data")).isNotNull();
    }

    /** The compiled event schema: wrong name, missing timestamp, bad timestamp, data as declared. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("eventDocuments")
    void eventSchemaChecksTheWholeMessage(String path) throws IOException {
        String name = baseName(path);
        boolean needsData = !read(path).at("/$defs/data/required").isEmpty();
        SchemaCatalog.CheckedSchema schema = CATALOG.get(path);

        ObjectNode event = JSON.createObjectNode().put("event", name);
        event.putObject("data");
        event.putObject("timestamp").put("seconds", 1583908726).put("microseconds", 162739);
        if (needsData) {
            assertThat(schema.check(event)).extracting(Violation::keyword, Violation::path)
                    .isNotEmpty()
                    .allSatisfy(t -> assertThat(t.toList()).containsExactly("required", List.of("data")));
        } else {
            assertThat(schema.check(event)).isEmpty();
        }
        assertThat(schema.check(event.deepCopy().put("event", name + "_X")))
                .extracting(Violation::keyword, Violation::path).contains(tuple("const", List.of("event")));
        ObjectNode untimed = event.deepCopy();
        untimed.remove("timestamp");
        assertThat(schema.check(untimed)).extracting(Violation::keyword, Violation::property)
                .contains(tuple("required", "timestamp"));
        ObjectNode badTime = event.deepCopy();
        badTime.putObject("timestamp").put("seconds", 1).put("microseconds", -1);
        assertThat(schema.check(badTime)).extracting(Violation::keyword, Violation::path)
                .contains(tuple("minimum", List.of("timestamp", "microseconds")));
    }

    @Test
    void eventEnvelopeSharesItsTimestamp() {
        assertThat(CATALOG.get("qmp/event.json#/$defs/timestamp").check(
                        JSON.createObjectNode().put("seconds", 0).put("microseconds", 999999)))
                .isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private interface Visitor {
        void visit(String pointer, JsonNode node);
    }

    /** Calls the visitor on every object node of the tree, with its JSON pointer. */
    private static void walk(JsonNode node, String pointer, Visitor visitor) {
        if (node.isObject()) {
            visitor.visit(pointer, node);
            for (Map.Entry<String, JsonNode> e : iterable(node.fields())) {
                walk(e.getValue(), pointer + "/" + e.getKey().replace("~", "~0").replace("/", "~1"), visitor);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), pointer + "/" + i, visitor);
            }
        }
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
