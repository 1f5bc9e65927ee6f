package org.altovirt.shell;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The shell's command line.
 *
 * @param echo show each command's JSON before it is sent
 * @param color style the output when it goes to a terminal ({@code --no-color} turns it off)
 * @param script the file of commands to run, {@code -} for stdin; empty for the prompt
 * @param socket the QMP socket to connect to; empty when the shell starts the VM
 * @param console the guest's serial socket, for {@code console}
 * @param vmOptions the stratovirt options of a VM to start (after {@code --}); empty when connecting
 * @param help {@code --help}
 */
record ShellOptions(boolean echo, boolean color, Optional<String> script, Optional<Path> socket, Optional<Path> console,
        List<String> vmOptions, boolean help) {

    static final String USAGE = """
            usage: altovirt-shell [OPTIONS] --socket PATH
                   altovirt-shell [OPTIONS] -- STRATOVIRT-OPTIONS...

            A QMP shell for altovirt: connects to a VM's QMP socket, or starts a VM with stratovirt
            options (adding -qmp, and -serial unix:... when no -serial is given) and quits it on leaving.

              --socket PATH     connect to the QMP socket at PATH
              -- OPTIONS...     start ./altovirt with OPTIONS, e.g.
                                -- -accel emu -m 256 -kernel target/guest/conformance-guest.bzImage -append console=ttyS0
              --console PATH    the guest's serial socket (-serial unix:PATH,server,nowait), for `console`
              --script FILE     run the commands in FILE (- for stdin), print the replies, stop at the
                                first error; commands are also read from stdin when it is not a terminal
              --echo            show the JSON of each command before sending it
              --no-color        plain output, even on a terminal
              -h, --help        this text

            Commands: raw JSON ({"execute":"stop"}) or COMMAND name=value... (balloon value=2G,
            blockdev-add node-name=d0 file.driver=file file.filename=/tmp/d.img cache.direct=on).
            Each is checked against the server's schema first; a rejected one is not sent.
            At the prompt: Tab completes, help [COMMAND] explains, console reaches the guest (Ctrl-]
            returns), exit or Ctrl-D leaves. History: ~/.altovirt_history.
            Exit status: 0 done; 1 a script's command failed or was rejected; 2 bad usage, or no VM to talk to.
            """;

    ShellOptions {
        vmOptions = List.copyOf(vmOptions);
    }

    /** Bad usage: the message names the offending option. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static ShellOptions parse(List<String> args) throws UsageException {
        boolean echo = false;
        boolean color = true;
        boolean help = false;
        String script = null;
        Path socket = null;
        Path console = null;
        List<String> vm = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--" -> vm = new ArrayList<>(args.subList(i + 1, args.size()));
                case "--echo" -> echo = true;
                case "--no-color" -> color = false;
                case "-h", "--help" -> help = true;
                case "--script" -> script = value(args, ++i, a);
                case "--socket" -> socket = Path.of(value(args, ++i, a));
                case "--console" -> console = Path.of(value(args, ++i, a));
                default -> throw new UsageException("unknown option " + a + " (stratovirt options go after --)");
            }
            if (vm != null) {
                break;
            }
        }
        if (!help) {
            if (socket == null && vm == null) {
                throw new UsageException("give --socket PATH to connect to a VM, or -- OPTIONS to start one");
            }
            if (socket != null && vm != null) {
                throw new UsageException("--socket and -- OPTIONS exclude each other: connect to a VM or start one");
            }
            if (vm != null && vm.isEmpty()) {
                throw new UsageException("-- needs the VM's options, e.g. -- -m 256");
            }
            if (vm != null && console != null) {
                throw new UsageException("--console is for --socket: a VM the shell starts gets its serial socket");
            }
        }
        return new ShellOptions(echo, color, Optional.ofNullable(script), Optional.ofNullable(socket),
                Optional.ofNullable(console), vm == null ? List.of() : vm, help);
    }

    private static String value(List<String> args, int i, String option) throws UsageException {
        if (i >= args.size() || args.get(i).isEmpty()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }
}
