package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The example scripts in shell/examples pass the schema checks, so a user trying one sees replies, not refusals. */
class ExampleScriptsTest {
    @Test
    void everyLineOfEveryExampleIsACommandTheSchemasAccept() throws Exception {
        LineInterpreter interpreter = new LineInterpreter(TestProtocol.protocol());
        List<Path> scripts;
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("user.dir"), "shell", "examples"))) {
            scripts = files.filter(p -> p.toString().endsWith(".qmp")).sorted().toList();
        }
        assertThat(scripts).isNotEmpty();
        for (Path script : scripts) {
            int sent = 0;
            for (String line : Files.readAllLines(script)) {
                Input input = interpreter.interpret(line); // throws, naming the field, if the schema refuses it
                if (input instanceof Input.Send) {
                    sent++;
                }
            }
            assertThat(sent).as("commands in %s", script).isPositive();
        }
    }
}
