package org.altovirt.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * One way a JSON value breaks a schema.
 *
 * @param path where in the instance, as member names and array indexes from the root
 *     ({@code ["file", "filename"]}); empty for the root itself
 * @param keyword the schema keyword that failed ({@code type}, {@code required},
 *     {@code additionalProperties}, {@code enum}, {@code minimum}...)
 * @param property for {@code required} and {@code additionalProperties}: the member that is missing
 *     or unexpected; otherwise null
 * @param arguments the keyword's details as the validator reports them (for {@code type}: the type
 *     found, then the type expected)
 * @param message the validator's own sentence
 */
public record Violation(
        List<String> path, String keyword, String property, List<String> arguments, String message) {

    public Violation {
        path = List.copyOf(path);
        arguments = List.copyOf(arguments);
    }

    /** The path joined with dots, as QEMU names nested parameters ({@code file.filename}). */
    public String dottedPath() {
        return String.join(".", path);
    }

    /** The path with {@code property} appended, when there is one. */
    public String dottedMember() {
        if (property == null) {
            return dottedPath();
        }
        return path.isEmpty() ? property : dottedPath() + "." + property;
    }

    static Violation of(com.networknt.schema.Error e) {
        List<String> path = new ArrayList<>();
        var location = e.getInstanceLocation();
        for (int i = 0; i < location.getNameCount(); i++) {
            path.add(String.valueOf(location.getElement(i)));
        }
        List<String> args = new ArrayList<>();
        if (e.getArguments() != null) {
            for (Object a : e.getArguments()) {
                args.add(String.valueOf(a));
            }
        }
        return new Violation(path, e.getKeyword(), e.getProperty(), args, e.getMessage());
    }
}
