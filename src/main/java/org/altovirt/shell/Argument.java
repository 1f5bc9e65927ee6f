package org.altovirt.shell;

import java.util.List;
import java.util.Set;

/**
 * One argument as the short form names it: a member of the arguments object, or a member of a
 * nested object named with dots ({@code file.filename}).
 *
 * @param name the dotted name
 * @param types the JSON types its value may have (empty: any)
 * @param description what the schema says of it
 * @param required whether it must be given (when its parent object is)
 * @param choices the values an enum allows, as the short form writes them; empty when free
 * @param path whether the value is a host file path
 */
record Argument(String name, Set<String> types, String description, boolean required, List<String> choices, boolean path) {
    Argument {
        types = Set.copyOf(types);
        choices = List.copyOf(choices);
    }

    /** The types as help shows them: {@code integer}, {@code string|null}; {@code any} when free. */
    String typeText() {
        return types.isEmpty() ? "any" : String.join("|", types.stream().sorted().toList());
    }
}
