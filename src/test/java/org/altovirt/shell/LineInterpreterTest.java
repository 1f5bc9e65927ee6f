package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LineInterpreterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LineInterpreter interpreter = new LineInterpreter(TestProtocol.protocol());

    private String sent(String line) throws Exception {
        Input in = interpreter.interpret(line);
        assertThat(in).isInstanceOf(Input.Send.class);
        return ((Input.Send) in).message().toString();
    }

    @Test
    void theShortFormBecomesTheDocumentsJson() throws Exception {
        assertThat(sent("device_del id=drive-0")).isEqualTo("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"drive-0\"}}");
        assertThat(sent("balloon value=2G")).isEqualTo("{\"execute\":\"balloon\",\"arguments\":{\"value\":2147483648}}");
        assertThat(sent("query-status")).isEqualTo("{\"execute\":\"query-status\"}");
    }

    @Test
    void rawJsonIsSentAsWritten() throws Exception {
        assertThat(sent("  {\"execute\": \"stop\", \"id\": 7} ")).isEqualTo("{\"execute\":\"stop\",\"id\":7}");
    }

    @Test
    void anArgumentTheCommandDoesNotTakeIsRejectedNamingIt() {
        assertThatThrownBy(() -> interpreter.interpret("stop force=1"))
                .isInstanceOf(RejectedInput.class)
                .hasMessage("force: unknown: stop takes no arguments");
        assertThatThrownBy(() -> interpreter.interpret("device_del id=x force=1"))
                .hasMessage("force: unknown: device_del takes id");
    }

    @Test
    void aMissingRequiredArgumentIsRejected() {
        assertThatThrownBy(() -> interpreter.interpret("balloon")).hasMessage("value: missing (it is required)");
        assertThatThrownBy(() -> interpreter.interpret("blockdev-add node-name=d0 file.driver=file"))
                .hasMessage("file.filename: missing (it is required)");
    }

    @Test
    void aValueOutsideItsEnumOrRangeIsRejectedSayingWhy() {
        assertThatThrownBy(() -> interpreter.interpret("blockdev-add node-name=d0 file.driver=nfs file.filename=/x"))
                .hasMessage("file.driver: \"nfs\" is not allowed; it must be one of: file");
        assertThatThrownBy(() -> interpreter.interpret("balloon value=0"))
                .hasMessageStartingWith("value: must have a minimum value of 1 (it is 0)");
    }

    @Test
    void rawJsonProblemsNameTheirPlaceInTheMessage() {
        assertThatThrownBy(() -> interpreter.interpret("{\"execute\":\"balloon\",\"arguments\":{\"value\":\"2G\"}}"))
                .hasMessage("arguments.value: \"2G\" is a string, but it must be an integer");
        assertThatThrownBy(() -> interpreter.interpret("{\"execute\":\"stop\",\"extra\":1}"))
                .hasMessage("extra: unknown: a command takes execute, arguments, id");
        assertThatThrownBy(() -> interpreter.interpret("blockdev-add node-name=d0 file.driver=file file.filename=/x file.mode=1"))
                .hasMessage("file.mode: unknown: file takes driver, filename");
        assertThatThrownBy(() -> interpreter.interpret("{\"arguments\":{}}")).hasMessage("execute: missing: it names the command");
        assertThatThrownBy(() -> interpreter.interpret("{\"execute\":")).hasMessageStartingWith("not valid JSON");
        assertThatThrownBy(() -> interpreter.interpret("{\"execute\":\"stop\"} trailing")).isInstanceOf(RejectedInput.class);
    }

    @Test
    void anUnknownCommandIsRejectedWithTheNearestName() {
        assertThatThrownBy(() -> interpreter.interpret("query-stauts")).hasMessage("unknown command 'query-stauts'; did you mean query-status?");
        assertThatThrownBy(() -> interpreter.interpret("frobnicate")).hasMessage("unknown command 'frobnicate'; help lists the commands");
    }

    @Test
    void builtinsBlankLinesAndComments() throws Exception {
        assertThat(interpreter.interpret("help")).isEqualTo(new Input.Help(Optional.empty()));
        assertThat(interpreter.interpret("help balloon")).isEqualTo(new Input.Help(Optional.of("balloon")));
        assertThat(interpreter.interpret("console")).isEqualTo(new Input.Console());
        assertThat(interpreter.interpret("exit")).isEqualTo(new Input.Exit());
        assertThat(interpreter.interpret("   ")).isEqualTo(new Input.Nothing());
        assertThat(interpreter.interpret("# a comment")).isEqualTo(new Input.Nothing());
        assertThatThrownBy(() -> interpreter.interpret("exit now")).hasMessage("exit takes no arguments");
    }

    @Test
    void unfinishedJsonIsToldFromMalformedJson() {
        assertThat(LineInterpreter.incompleteJson("{\"execute\":")).isTrue();
        assertThat(LineInterpreter.incompleteJson("{\"execute\": \"blockdev-add\", \"arguments\": {")).isTrue();
        assertThat(LineInterpreter.incompleteJson("{\"execute\":\"stop\"}")).isFalse();
        assertThat(LineInterpreter.incompleteJson("{\"execute\" 1}")).isFalse();
        assertThat(LineInterpreter.incompleteJson("{\"a\":\"it's\"")).isTrue();
    }
}
