package org.altovirt.shell;

import java.util.List;
import java.util.stream.Collectors;

/** An input the shell will not send: it cannot be read, or its schema rejects it. */
final class RejectedInput extends Exception {
    private final List<Problem> problems;

    RejectedInput(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    RejectedInput(Problem problem) {
        this(List.of(problem));
    }

    static RejectedInput of(String field, String reason) {
        return new RejectedInput(Problem.of(field, reason));
    }

    List<Problem> problems() {
        return problems;
    }
}
