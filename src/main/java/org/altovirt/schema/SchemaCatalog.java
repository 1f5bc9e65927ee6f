package org.altovirt.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Schemas (2020-12) kept in the repository's {@code schemas/} folder and packed into the
 * jar under {@code schemas/}. Schemas are named by their path below that folder, optionally with a
 * JSON-pointer fragment: {@code "qmp/commands/balloon.json#/$defs/arguments"}. Each is compiled
 * once, on first use, and may then be used from any thread.
 */
public final class SchemaCatalog {
    /** The {@code $id} prefix every schema document uses; it resolves to the classpath. */
    public static final String ID_PREFIX = "https://altovirt.org/schemas/";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaCatalog CLASSPATH = new SchemaCatalog();

    /** Annotations of our own in the schemas (the shell reads them); not assertions. */
    public static final String PATH_HINT = "x-altovirt-path";

    private volatile SchemaRegistry registry;
    private final Map<String, CheckedSchema> compiled = new ConcurrentHashMap<>();
    private final Map<String, Optional<JsonNode>> documents = new ConcurrentHashMap<>();

    private SchemaCatalog() {}

    /** The catalog of the schemas on the classpath. */
    public static SchemaCatalog classpath() {
        return CLASSPATH;
    }

    /**
     * The schema at {@code path} (relative to {@code schemas/}, fragment allowed).
     *
     * @throws IllegalArgumentException when no such document exists
     */
    public CheckedSchema get(String path) {
        return compiled.computeIfAbsent(path, this::compile);
    }

    /** Whether a schema document exists at {@code path} (no fragment); cheap, compiles nothing. */
    public boolean exists(String path) {
        return SchemaCatalog.class.getClassLoader().getResource("schemas/" + path) != null;
    }

    /**
     * Compiles the schemas at {@code paths} now rather than at first use, so a server can do it
     * on another thread while it starts.
     */
    public void prepare(String... paths) {
        for (String p : paths) {
            get(p);
        }
    }

    /** The validator's registry, built on first use: it loads many classes a VM's start need not wait for. */
    private SchemaRegistry registry() {
        SchemaRegistry r = registry;
        if (r == null) {
            synchronized (this) {
                r = registry;
                if (r == null) {
                    r = SchemaRegistry.withDefaultDialect(
                            Dialect.builder(Dialects.getDraft202012()).keyword(new AnnotationKeyword(PATH_HINT)).build(),
                            builder -> builder.schemaIdResolvers(r2 -> r2.mapPrefix(ID_PREFIX, "classpath:schemas/")));
                    registry = r;
                }
            }
        }
        return r;
    }

    /** The raw schema document at {@code path} (no fragment), as it is on disk. */
    public Optional<JsonNode> document(String path) {
        return documents.computeIfAbsent(path, SchemaCatalog::readDocument);
    }

    private CheckedSchema compile(String path) {
        String file = path.contains("#") ? path.substring(0, path.indexOf('#')) : path;
        if (!exists(file)) {
            throw new IllegalArgumentException("no schema document schemas/" + file);
        }
        Schema schema = registry().getSchema(SchemaLocation.of(ID_PREFIX + path));
        return new CheckedSchema(path, schema);
    }

    private static Optional<JsonNode> readDocument(String path) {
        try (InputStream in = SchemaCatalog.class.getClassLoader().getResourceAsStream("schemas/" + path)) {
            return in == null ? Optional.empty() : Optional.of(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schemas/" + path + ": " + e.getMessage(), e);
        }
    }

    /** One compiled schema. */
    public static final class CheckedSchema {
        private final String path;
        private final Schema schema;

        private CheckedSchema(String path, Schema schema) {
            this.path = path;
            this.schema = schema;
        }

        /** Where this schema lives, relative to {@code schemas/}. */
        public String path() {
            return path;
        }

        /** Every way {@code instance} breaks this schema; empty when it conforms. */
        public List<Violation> check(JsonNode instance) {
            List<com.networknt.schema.Error> errors = schema.validate(instance);
            if (errors.isEmpty()) {
                return List.of();
            }
            List<Violation> out = new ArrayList<>(errors.size());
            for (com.networknt.schema.Error e : errors) {
                out.add(Violation.of(e));
            }
            return out;
        }
    }
}
