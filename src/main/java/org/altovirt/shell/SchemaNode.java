package org.altovirt.shell;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A place in one of the protocol's schema documents, with {@code $ref}s followed: what the shell
 * needs to read from a schema to convert, complete and explain arguments (types, members,
 * choices, descriptions). Checking is networknt's job ({@link CommandSchema#check}); this only
 * reads.
 *
 * @param documents every document of the protocol by its {@code $id}, for references between them
 * @param base the {@code $id} of the document this node is in (references resolve against it)
 * @param node the schema object as written, possibly a {@code $ref} with a description beside it
 */
record SchemaNode(Map<URI, JsonNode> documents, URI base, JsonNode node) {
    /** The {@code x-altovirt-path} annotation: the string is a host file path. */
    static final String PATH_HINT = "x-altovirt-path";
    private static final int MAX_REF_DEPTH = 16;

    /** This node with its {@code $ref} chain followed (the node itself when it has none). */
    SchemaNode target() {
        SchemaNode at = this;
        for (int depth = 0; at.node.has("$ref"); depth++) {
            if (depth == MAX_REF_DEPTH) {
                throw new IllegalStateException("$ref chain longer than " + MAX_REF_DEPTH + " at " + base);
            }
            URI ref = at.base.resolve(at.node.get("$ref").asText());
            URI doc = withoutFragment(ref);
            JsonNode document = documents.get(doc);
            if (document == null) {
                throw new IllegalStateException("$ref to " + ref + ": the server sent no document " + doc);
            }
            JsonNode found = ref.getRawFragment() == null ? document : document.at(ref.getFragment());
            if (found.isMissingNode()) {
                throw new IllegalStateException("$ref to " + ref + ": no such place in " + doc);
            }
            at = new SchemaNode(documents, doc, found);
        }
        return at;
    }

    /** The description written here, else the one where the reference leads; empty when none. */
    String description() {
        if (node.has("description")) {
            return node.get("description").asText();
        }
        SchemaNode t = target();
        return t.node.path("description").asText("");
    }

    /** The JSON types the value may have ({@code type}, or the types of {@code anyOf}/{@code oneOf} alternatives); empty when unconstrained. */
    Set<String> types() {
        SchemaNode t = target();
        Set<String> out = new LinkedHashSet<>();
        JsonNode type = t.node.get("type");
        if (type != null && type.isTextual()) {
            out.add(type.asText());
        } else if (type != null && type.isArray()) {
            type.forEach(n -> out.add(n.asText()));
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            for (JsonNode alternative : t.node.path(combinator)) {
                out.addAll(new SchemaNode(documents, t.base, alternative).types());
            }
        }
        if (out.isEmpty() && (t.node.has("enum") || t.node.has("const"))) {
            for (JsonNode v : choiceValues(t)) {
                out.add(jsonType(v));
            }
        }
        return out;
    }

    /** The values an {@code enum} or {@code const} allows, as JSON; empty when any value of the type is allowed. */
    List<JsonNode> choices() {
        return choiceValues(target());
    }

    /** Whether the value is a host file path (the {@code x-altovirt-path} annotation). */
    boolean isPath() {
        return node.path(PATH_HINT).asBoolean(false) || target().node.path(PATH_HINT).asBoolean(false);
    }

    /** The member {@code name} of an object schema, if it declares one. */
    Optional<SchemaNode> property(String name) {
        SchemaNode t = target();
        JsonNode p = t.node.path("properties").get(name);
        return p == null ? Optional.empty() : Optional.of(new SchemaNode(documents, t.base, p));
    }

    /** The declared members of an object schema, in document order. */
    List<String> propertyNames() {
        List<String> names = new ArrayList<>();
        target().node.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The members an object schema requires. */
    Set<String> required() {
        Set<String> names = new LinkedHashSet<>();
        target().node.path("required").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** The schema of an array's items, if declared. */
    Optional<SchemaNode> items() {
        SchemaNode t = target();
        JsonNode items = t.node.get("items");
        return items == null || !items.isObject() ? Optional.empty() : Optional.of(new SchemaNode(documents, t.base, items));
    }

    /** Whether this is an object schema that declares its members (so the short form can name them with dots). */
    boolean hasProperties() {
        return target().node.path("properties").size() > 0;
    }

    private static List<JsonNode> choiceValues(SchemaNode t) {
        List<JsonNode> out = new ArrayList<>();
        if (t.node.has("const")) {
            out.add(t.node.get("const"));
        }
        t.node.path("enum").forEach(out::add);
        return out;
    }

    static String jsonType(JsonNode v) {
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        if (v.isNull()) {
            return "null";
        }
        return v.isArray() ? "array" : v.isObject() ? "object" : "string";
    }

    static URI withoutFragment(URI uri) {
        String s = uri.toString();
        int hash = s.indexOf('#');
        return URI.create(hash < 0 ? s : s.substring(0, hash));
    }
}
