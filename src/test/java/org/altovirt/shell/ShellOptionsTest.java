package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellOptionsTest {
    @Test
    void aSocketToConnectTo() throws Exception {
        ShellOptions o = ShellOptions.parse(List.of("--echo", "--socket", "/tmp/q.sock", "--console", "/tmp/c.sock"));
        assertThat(o.echo()).isTrue();
        assertThat(o.color()).isTrue();
        assertThat(o.socket()).contains(Path.of("/tmp/q.sock"));
        assertThat(o.console()).contains(Path.of("/tmp/c.sock"));
        assertThat(o.vmOptions()).isEmpty();
    }

    @Test
    void everythingAfterTheDoubleDashIsTheVmsEvenShellLookalikes() throws Exception {
        ShellOptions o = ShellOptions.parse(List.of("--no-color", "--script", "s.qmp", "--", "-m", "256", "--echo"));
        assertThat(o.vmOptions()).containsExactly("-m", "256", "--echo");
        assertThat(o.echo()).isFalse();
        assertThat(o.color()).isFalse();
        assertThat(o.script()).contains("s.qmp");
    }

    @Test
    void badUsageNamesTheProblem() {
        assertThatThrownBy(() -> ShellOptions.parse(List.of())).hasMessageContaining("--socket PATH");
        assertThatThrownBy(() -> ShellOptions.parse(List.of("-m", "256"))).hasMessage("unknown option -m (stratovirt options go after --)");
        assertThatThrownBy(() -> ShellOptions.parse(List.of("--socket"))).hasMessage("--socket needs a value");
        assertThatThrownBy(() -> ShellOptions.parse(List.of("--socket", "x", "--", "-m", "256"))).hasMessageContaining("exclude");
        assertThatThrownBy(() -> ShellOptions.parse(List.of("--"))).hasMessageContaining("-- needs the VM's options");
    }

    @Test
    void helpNeedsNothingElse() throws Exception {
        assertThat(ShellOptions.parse(List.of("--help")).help()).isTrue();
        assertThat(ShellOptions.USAGE).contains("--socket PATH", "-- OPTIONS", "--script FILE", "--echo", "--no-color", "Ctrl-]");
    }
}
