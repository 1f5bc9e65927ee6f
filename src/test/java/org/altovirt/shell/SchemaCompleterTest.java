package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.Parser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaCompleterTest {
    private final SchemaCompleter completer = new SchemaCompleter(TestProtocol.protocol());
    private final ShellParser parser = new ShellParser();

    @TempDir
    Path dir;

    /** The candidates JLine would be offered with the cursor at the end of {@code line}. */
    private List<Candidate> candidates(String line) {
        List<Candidate> out = new ArrayList<>();
        completer.complete(null, parser.parse(line, line.length(), Parser.ParseContext.COMPLETE), out);
        return out;
    }

    /** The candidates that match what is typed, as JLine filters them. */
    private List<String> offered(String line) {
        String word = parser.parse(line, line.length(), Parser.ParseContext.COMPLETE).word();
        return candidates(line).stream().map(Candidate::value).filter(v -> v.startsWith(word)).sorted().toList();
    }

    @Test
    void aCommandPrefixOffersTheCommandsItStarts() {
        assertThat(offered("query-c")).containsExactly("query-commands", "query-cpus");
        assertThat(offered("")).contains("balloon", "blockdev-add", "quit", "help", "console", "exit");
    }

    @Test
    void commandCandidatesCarryTheirDescription() {
        Candidate balloon = candidates("bal").stream().filter(c -> c.value().equals("balloon")).findFirst().orElseThrow();
        assertThat(balloon.descr()).isEqualTo("Sets the guest memory size through the balloon device.");
        assertThat(balloon.complete()).isTrue();
    }

    @Test
    void anArgumentPrefixOffersItsDottedNamesEndingInEquals() {
        assertThat(offered("blockdev-add ")).containsExactly(
                "cache.direct=", "driver=", "file.driver=", "file.filename=", "node-name=", "read-only=");
        assertThat(offered("blockdev-add file.f")).containsExactly("file.filename=");
        assertThat(candidates("blockdev-add file.f")).allMatch(c -> !c.complete()); // no space after '='
    }

    @Test
    void argumentsAlreadyGivenAreNotOfferedAgain() {
        assertThat(offered("blockdev-add node-name=d0 file.driver=file ")).doesNotContain("node-name=", "file.driver=")
                .contains("file.filename=");
    }

    @Test
    void anEnumArgumentOffersItsValues() {
        assertThat(offered("device_add driver=")).containsExactly("driver=virtio-blk-mmio", "driver=virtio-net-mmio");
        assertThat(offered("device_add driver=virtio-n")).containsExactly("driver=virtio-net-mmio");
        assertThat(offered("blockdev-add cache.direct=")).containsExactly("cache.direct=false", "cache.direct=true");
    }

    @Test
    void aPathArgumentOffersFilesAndDirectories() throws Exception {
        Files.createFile(dir.resolve("disk0.img"));
        Files.createFile(dir.resolve("disk1.img"));
        Files.createDirectory(dir.resolve("disks"));
        Files.createFile(dir.resolve(".hidden"));
        String at = "blockdev-add file.filename=" + dir + "/";
        assertThat(offered(at + "dis")).containsExactly(
                "file.filename=" + dir + "/disk0.img", "file.filename=" + dir + "/disk1.img", "file.filename=" + dir + "/disks/");
        Candidate sub = candidates(at + "disks").stream().filter(c -> c.value().endsWith("/")).findFirst().orElseThrow();
        assertThat(sub.complete()).as("a directory leaves the word open").isFalse();
        assertThat(offered(at)).doesNotContain("file.filename=" + dir + "/.hidden");
        assertThat(offered(at + ".h")).containsExactly("file.filename=" + dir + "/.hidden");
    }

    @Test
    void aNonPathStringOffersNothing() {
        assertThat(candidates("device_del id=")).isEmpty();
        assertThat(candidates("migrate uri=/")).isEmpty();
    }

    @Test
    void helpCompletesCommandNamesAndRawJsonIsLeftAlone() {
        assertThat(offered("help query-s")).containsExactly("query-status");
        assertThat(candidates("{\"execute\":\"q")).isEmpty();
        assertThat(candidates("nosuch x")).isEmpty();
    }
}
