package org.altovirt.qmp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.altovirt.schema.SchemaCatalog;

/**
 * The commands a QMP server answers, by name, in registration order. Every command must have its
 * schema document {@code schemas/qmp/commands/NAME.json}; registering one without is a bug caught
 * at start-up.
 */
public final class Commands {
    private final Map<String, CommandHandler> handlers = new LinkedHashMap<>();

    /** Adds {@code name}; fails when it is already registered or has no schema document. */
    public Commands register(String name, CommandHandler handler) {
        if (!SchemaCatalog.classpath().exists(schemaPath(name))) {
            throw new IllegalStateException("QMP command " + name + " has no schema at schemas/" + schemaPath(name));
        }
        if (handlers.putIfAbsent(name, handler) != null) {
            throw new IllegalStateException("QMP command " + name + " registered twice");
        }
        return this;
    }

    Optional<CommandHandler> find(String name) {
        return Optional.ofNullable(handlers.get(name));
    }

    /** The registered names, in registration order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(handlers.keySet());
    }

    /** Where the schema document of command {@code name} lives, relative to {@code schemas/}. */
    public static String schemaPath(String name) {
        return "qmp/commands/" + name + ".json";
    }
}
