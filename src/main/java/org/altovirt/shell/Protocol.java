package org.altovirt.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.altovirt.qmp.client.QmpClient;
import org.altovirt.qmp.client.QmpErrorReply;

/**
 * The protocol as a server describes it: the schema documents {@code query-qmp-schema} returns
 * (entries {@code {name, meta-type, schema}}), the commands and events they define, and a
 * validator registry built from those documents alone, so the shell checks input against the
 * server it talks to rather than against its own copy.
 */
final class Protocol {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<URI, JsonNode> documents;
    private final SortedMap<String, CommandSchema> commands = new TreeMap<>();
    private final SortedSet<String> events = new TreeSet<>();
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();
    private volatile SchemaRegistry registry;

    private Protocol(Map<URI, JsonNode> documents) {
        this.documents = Map.copyOf(documents);
    }

    /** Asks the server for its schemas. */
    static Protocol discover(QmpClient client) throws IOException, TimeoutException, ProtocolException {
        JsonNode entries;
        try {
            entries = client.execute("query-qmp-schema");
        } catch (QmpErrorReply e) {
            throw new ProtocolException("the server does not describe its protocol (query-qmp-schema: "
                    + e.getMessage() + "); the shell needs its schemas");
        }
        return of(entries);
    }

    /** Builds the protocol from {@code query-qmp-schema}'s return value. */
    static Protocol of(JsonNode entries) throws ProtocolException {
        if (!entries.isArray()) {
            throw new ProtocolException("query-qmp-schema returned " + kind(entries) + ", not an array of schema entries");
        }
        Map<URI, JsonNode> documents = new HashMap<>();
        Map<String, URI> commandIds = new TreeMap<>();
        SortedSet<String> eventNames = new TreeSet<>();
        for (JsonNode entry : entries) {
            String name = entry.path("name").asText("");
            JsonNode schema = entry.path("schema");
            String id = schema.path("$id").asText("");
            if (name.isEmpty() || !schema.isObject() || id.isEmpty()) {
                throw new ProtocolException("query-qmp-schema entry " + abbreviate(entry)
                        + " lacks a name, a schema object or the schema's $id");
            }
            URI uri;
            try {
                uri = SchemaNode.withoutFragment(URI.create(id));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("query-qmp-schema entry " + name + ": $id " + id + " is not a URI");
            }
            documents.put(uri, schema);
            switch (entry.path("meta-type").asText("")) {
                case "command" -> commandIds.put(name, uri);
                case "event" -> eventNames.add(name);
                default -> { } // envelopes and the config file: only referenced
            }
        }
        Protocol p = new Protocol(documents);
        commandIds.forEach((name, uri) -> p.commands.put(name,
                new CommandSchema(name, new SchemaNode(p.documents, uri, p.documents.get(uri)), () -> p.compile(uri))));
        p.events.addAll(eventNames);
        return p;
    }

    /** The command names, sorted. */
    SortedSet<String> commandNames() {
        return new TreeSet<>(commands.keySet());
    }

    /** The event names, sorted. */
    SortedSet<String> eventNames() {
        return new TreeSet<>(events);
    }

    Optional<CommandSchema> command(String name) {
        return Optional.ofNullable(commands.get(name));
    }

    private Schema compile(URI id) {
        return compiled.computeIfAbsent(id.toString(), key -> registry().getSchema(SchemaLocation.of(key)));
    }

    /** Built on first check: the documents as the validator reads them, keyed by their {@code $id}. */
    private SchemaRegistry registry() {
        SchemaRegistry r = registry;
        if (r == null) {
            synchronized (this) {
                r = registry;
                if (r == null) {
                    Map<String, String> texts = new HashMap<>();
                    documents.forEach((uri, doc) -> texts.put(uri.toString(), write(doc)));
                    r = SchemaRegistry.withDefaultDialect(
                            Dialect.builder(Dialects.getDraft202012())
                                    .keyword(new AnnotationKeyword(SchemaNode.PATH_HINT))
                                    .build(),
                            builder -> builder.schemas(texts));
                    registry = r;
                }
            }
        }
        return r;
    }

    private static String write(JsonNode doc) {
        try {
            return JSON.writeValueAsString(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String kind(JsonNode n) {
        return n.isObject() ? "an object" : n.isNull() ? "null" : "a " + n.getNodeType().name().toLowerCase();
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    /** The server's schemas cannot be used. */
    static final class ProtocolException extends Exception {
        ProtocolException(String message) {
            super(message);
        }
    }
}
