package org.altovirt.shell;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.altovirt.qmp.client.QmpClient;

/** Sends checked commands and shows what comes back; the part the terminal and scripts share. */
final class CommandRunner {
    /** How a sent command ended. */
    enum Outcome {
        /** The server answered with {@code return}. */
        RETURNED,
        /** The server answered with {@code error}. */
        ERROR_REPLY,
        /** {@code quit} returned and the server then closed the connection, as it should. */
        QUIT
    }

    private static final Duration QUIT_PATIENCE = Duration.ofSeconds(10);

    private final QmpClient client;
    private final Transcript transcript;
    private final boolean echo;

    CommandRunner(QmpClient client, Transcript transcript, boolean echo) {
        this.client = client;
        this.transcript = transcript;
        this.echo = echo;
    }

    /**
     * Sends {@code command}, prints its reply, and tells how it ended.
     *
     * @throws IOException when the connection is lost before the reply
     * @throws TimeoutException when the server does not answer in time
     */
    Outcome send(Input.Send command) throws IOException, TimeoutException {
        if (echo) {
            transcript.sent(command.message());
        }
        JsonNode reply = client.send(command.message());
        transcript.reply(reply);
        if (reply.has("error")) {
            return Outcome.ERROR_REPLY;
        }
        if (command.command().equals("quit") && client.awaitClosed(QUIT_PATIENCE)) {
            return Outcome.QUIT;
        }
        return Outcome.RETURNED;
    }
}
