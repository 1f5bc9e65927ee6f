package org.altovirt.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private final ObjectMapper json = new ObjectMapper();
    private final List<String> calls = new ArrayList<>();
    private final Commands commands = new Commands()
            .register("blockdev-add", args -> record("blockdev-add", args, CommandResult.empty()))
            .register("device_add", args -> record("device_add", args, CommandResult.empty()))
            .register("balloon", args -> record("balloon", args, CommandResult.empty()))
            .register("query-balloon", args -> {
                throw new QmpException(ErrorClass.DeviceNotActive, "No balloon device has been activated");
            })
            .register("query-status", args -> record("query-status", args,
                    CommandResult.of(json.createObjectNode().put("running", true).put("singlestep", false).put("status", "running"))))
            // a handler with a bug: its reply breaks the schema of query-version
            .register("query-version", args -> CommandResult.of(json.createObjectNode().put("qemu", "5.0")));
    private final Dispatcher strict = new Dispatcher(commands, new OutgoingCheck(true));

    private CommandResult record(String name, ObjectNode args, CommandResult result) {
        calls.add(name + " " + args);
        return result;
    }

    private JsonNode dispatch(String input) throws Exception {
        return strict.dispatch(json.readTree(input)).message();
    }

    @Test
    void aValidCommandReachesItsHandlerWithItsArguments() throws Exception {
        JsonNode reply = dispatch("{\"execute\":\"balloon\",\"arguments\":{\"value\":2147483648},\"id\":\"b\"}");
        assertThat(reply.toString()).isEqualTo("{\"return\":{},\"id\":\"b\"}");
        assertThat(calls).containsExactly("balloon {\"value\":2147483648}");
    }

    @Test
    void aCommandWithoutArgumentsGetsAnEmptyObject() throws Exception {
        dispatch("{\"execute\":\"query-status\"}");
        assertThat(calls).containsExactly("query-status {}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"execute\":\"balloon\",\"arguments\":{\"value\":\"2G\"}}                   | Invalid parameter type for 'value', expected: integer",
        "{\"execute\":\"balloon\",\"arguments\":{}}                                  | Parameter 'value' is missing",
        "{\"execute\":\"balloon\",\"arguments\":{\"x\":1}}                            | Parameter 'value' is missing",
        "{\"execute\":\"balloon\",\"arguments\":{\"value\":1,\"x\":1}}                | Parameter 'x' is unexpected",
        "{\"execute\":\"balloon\",\"arguments\":{\"value\":0}}                        | Parameter 'value' is invalid: must have a minimum value of 1",
        "{\"execute\":\"device_add\",\"arguments\":{\"id\":\"d\",\"driver\":\"e1000\"}} | Parameter 'driver' does not accept value 'e1000'",
        "{\"execute\":\"blockdev-add\",\"arguments\":{\"node-name\":\"d\",\"file\":{\"driver\":\"file\",\"filename\":3}}} | Invalid parameter type for 'file.filename', expected: string",
        "{\"execute\":\"blockdev-add\",\"arguments\":{\"node-name\":\"d\",\"file\":{\"driver\":\"file\"}}} | Parameter 'file.filename' is missing",
        "{\"execute\":\"blockdev-add\",\"arguments\":{\"node-name\":\"d\",\"file\":{\"driver\":\"file\",\"filename\":\"/x\",\"aio\":1}}} | Parameter 'file.aio' is unexpected",
    })
    void badArgumentsAreRefusedBeforeTheHandlerRuns(String input, String desc) throws Exception {
        JsonNode reply = dispatch(input);
        assertThat(reply.path("error").path("class").asText()).isEqualTo("GenericError");
        assertThat(reply.path("error").path("desc").asText()).isEqualTo(desc);
        assertThat(calls).as("handler calls").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "[1,2,3]                             | QMP input must be a JSON object",
        "\"stop\"                            | QMP input must be a JSON object",
        "{}                                  | QMP input lacks member 'execute'",
        "{\"id\":1}                          | QMP input lacks member 'execute'",
        "{\"foo\":1}                         | QMP input member 'foo' is unexpected",
        "{\"execute\":1}                     | QMP input member 'execute' must be a string",
        "{\"execute\":\"balloon\",\"arguments\":7} | QMP input member 'arguments' must be an object",
    })
    void envelopeErrorsUseQemusWording(String input, String desc) throws Exception {
        assertThat(dispatch(input).path("error").path("desc").asText()).isEqualTo(desc);
    }

    @Test
    void anUnknownCommandIsCommandNotFoundAndKeepsItsId() throws Exception {
        assertThat(dispatch("{\"execute\":\"frob\",\"id\":[1]}").toString()).isEqualTo(
                "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command frob has not been found\"},\"id\":[1]}");
    }

    @Test
    void aHandlersErrorClassReachesTheClient() throws Exception {
        assertThat(dispatch("{\"execute\":\"query-balloon\"}").path("error").path("class").asText())
                .isEqualTo("DeviceNotActive");
    }

    @Test
    void aReplyThatBreaksItsSchemaIsCaughtInStrictMode() throws Exception {
        JsonNode reply = dispatch("{\"execute\":\"query-version\"}");
        assertThat(reply.path("error").path("desc").asText())
                .startsWith("internal error: outgoing message does not match schemas/qmp/commands/query-version.json");
    }

    @Test
    void aReplyThatBreaksItsSchemaStillGoesOutInProduction() throws Exception {
        Dispatcher production = new Dispatcher(commands, new OutgoingCheck(false));
        JsonNode reply = production.dispatch(json.readTree("{\"execute\":\"query-version\"}")).message();
        assertThat(reply.toString()).isEqualTo("{\"return\":{\"qemu\":\"5.0\"}}");
    }

    @Test
    void malformedInputGetsAParseErrorWithoutId() {
        JsonNode reply = strict.malformed("Unexpected character");
        assertThat(reply.toString()).isEqualTo(
                "{\"error\":{\"class\":\"GenericError\",\"desc\":\"JSON parse error, Unexpected character\"}}");
    }

    @Test
    void aCommandWithoutSchemaCannotBeRegistered() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Commands().register("no-schema", a -> CommandResult.empty()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("schemas/qmp/commands/no-schema.json");
    }
}
