package org.altovirt.machine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altovirt.schema.SchemaCatalog;

/**
 * {@code query-qmp-schema}: every schema document altovirt ships, so a client can discover the
 * protocol (the shell completes and checks input from it). Read once from the classpath, whether
 * that is the jar or the build's classes folder.
 */
final class SchemaIndex {
    private static volatile ArrayNode entries;

    private SchemaIndex() {}

    static ArrayNode entries() {
        ArrayNode e = entries;
        if (e == null) {
            e = build();
            entries = e;
        }
        return e.deepCopy();
    }

    private static ArrayNode build() {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (String path : documentPaths()) {
            JsonNode doc = SchemaCatalog.classpath().document(path).orElseThrow();
            String file = path.substring(path.lastIndexOf('/') + 1, path.length() - ".json".length());
            ObjectNode entry = out.addObject();
            if (path.startsWith("qmp/commands/")) {
                entry.put("name", file).put("meta-type", "command");
            } else if (path.startsWith("qmp/events/")) {
                entry.put("name", file).put("meta-type", "event");
            } else if (path.startsWith("config/")) {
                entry.put("name", path).put("meta-type", "config");
            } else {
                entry.put("name", path).put("meta-type", "message");
            }
            entry.set("schema", doc);
        }
        return out;
    }

    /** Paths below {@code schemas/} of every .json document, sorted. */
    private static List<String> documentPaths() {
        URL marker = SchemaIndex.class.getClassLoader().getResource("schemas/qmp/command.json");
        if (marker == null) {
            throw new IllegalStateException("schemas/ is missing from the classpath");
        }
        try {
            URI uri = marker.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                    return list(jar.getPath("/schemas"));
                }
            }
            return list(Path.of(uri).getParent().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> list(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".json"))
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }
}
