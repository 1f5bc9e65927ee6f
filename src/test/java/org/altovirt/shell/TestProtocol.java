package org.altovirt.shell;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The protocol of this repository's schemas/, in the form query-qmp-schema returns it, so unit
 * tests see what a server of this build would publish.
 */
final class TestProtocol {
    static final Path SCHEMAS = Path.of(System.getProperty("user.dir"), "schemas");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ArrayNode entries;

    private TestProtocol() {}

    static synchronized ArrayNode entries() {
        if (entries == null) {
            entries = JSON.createArrayNode();
            try (Stream<Path> files = Files.walk(SCHEMAS)) {
                List<Path> docs = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
                for (Path p : docs) {
                    String rel = SCHEMAS.relativize(p).toString();
                    String file = p.getFileName().toString().replace(".json", "");
                    ObjectNode e = entries.addObject();
                    if (rel.startsWith("qmp/commands/")) {
                        e.put("name", file).put("meta-type", "command");
                    } else if (rel.startsWith("qmp/events/")) {
                        e.put("name", file).put("meta-type", "event");
                    } else {
                        e.put("name", rel).put("meta-type", rel.startsWith("config/") ? "config" : "message");
                    }
                    e.set("schema", JSON.readTree(p.toFile()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return entries.deepCopy();
    }

    static Protocol protocol() {
        try {
            return Protocol.of(entries());
        } catch (Protocol.ProtocolException e) {
            throw new AssertionError(e);
        }
    }
}
