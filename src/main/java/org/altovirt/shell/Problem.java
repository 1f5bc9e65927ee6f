package org.altovirt.shell;

import java.util.List;

/**
 * One thing wrong with an input, for the user: where (the dotted field, as the short form names
 * it: {@code file.filename}; empty for the input as a whole) and why.
 */
record Problem(List<String> path, String reason) {
    Problem {
        path = List.copyOf(path);
    }

    static Problem of(String dottedField, String reason) {
        return new Problem(dottedField.isEmpty() ? List.of() : List.of(dottedField.split("\\.", -1)), reason);
    }

    /** The field as the user names it: {@code file.filename}. */
    String field() {
        return String.join(".", path);
    }

    /** This problem seen from inside the member {@code name} (a short form's fields are inside {@code arguments}). */
    Problem inside(String name) {
        if (!path.isEmpty() && path.get(0).equals(name)) {
            return new Problem(path.subList(1, path.size()), reason);
        }
        return this;
    }

    @Override
    public String toString() {
        return path.isEmpty() ? reason : field() + ": " + reason;
    }
}
