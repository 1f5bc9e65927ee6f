package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HelpTextTest {
    private final Protocol protocol = TestProtocol.protocol();

    @Test
    void helpListsEveryCommandWithItsFirstSentenceAndTheShellsOwn() {
        String text = HelpText.commands(protocol);
        for (String name : protocol.commandNames()) {
            assertThat(text).contains("  " + name + " ");
        }
        assertThat(text).contains("balloon", "Sets the guest memory size through the balloon device.")
                .contains("  console ", "Ctrl-] returns to the prompt")
                .contains("Events the server may send: BALLOON_CHANGED, DEVICE_DELETED, POWERDOWN, RESET, RESUME, SHUTDOWN, STOP")
                .doesNotContain("Source:");
    }

    @Test
    void helpOfACommandShowsItsArgumentsTypesAndWhichAreRequired() {
        String text = HelpText.command(protocol, "blockdev-add").orElseThrow();
        assertThat(text).startsWith("blockdev-add: Registers a disk image as a block backend, to be plugged in by device_add.\n")
                .containsPattern("  node-name +string, required +The backend's name")
                .containsPattern("  file\\.driver +one of file, required")
                .containsPattern("  file\\.filename +path, required +The host path of the disk image")
                .containsPattern("  cache\\.direct +boolean +Open the image with O_DIRECT")
                .contains("Example: blockdev-add node-name=NODE-NAME file.driver=file file.filename=PATH");
    }

    @Test
    void aCommandWithoutArgumentsSaysSo() {
        assertThat(HelpText.command(protocol, "stop").orElseThrow())
                .isEqualTo("stop: Pauses every vCPU of the VM; emits STOP.\nIt takes no arguments.\n");
    }

    @Test
    void builtinsHaveHelpAndUnknownNamesHaveNone() {
        assertThat(HelpText.command(protocol, "console").orElseThrow()).contains("Ctrl-]");
        assertThat(HelpText.command(protocol, "nosuch")).isEmpty();
    }
}
