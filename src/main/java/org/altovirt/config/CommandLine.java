package org.altovirt.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The stratovirt command line: {@code altovirt -machine microvm -kernel vmlinux -smp 1 -m 1024
 * -drive file=rootfs,id=rootfs -device virtio-blk-device,drive=rootfs -qmp
 * unix:/tmp/vm.sock,server,nowait -serial stdio}, optionally with {@code -config FILE}.
 *
 * <p>Options are read in order. {@code --opt} is the same as {@code -opt}. A single-valued option
 * given twice keeps its last value (QEMU's rule), except {@code -qmp}, which is an error;
 * {@code -drive}, {@code -netdev} and {@code -device} add up. The {@code -config} file (the last
 * one given) is applied first, so the command line overrides it.
 */
public final class CommandLine {
    /** The version {@code -version} prints. */
    public static final String VERSION = "0.1.0";
    /** What {@code -version} prints. */
    public static final String VERSION_TEXT = "altovirt " + VERSION;

    private CommandLine() {}

    /** One option as given, with its value (null for a flag). */
    private record Given(Option option, String value) {}

    /**
     * Parses argv (without the program name). {@code -config FILE} is read and merged:
     * command-line options override the file.
     *
     * @return a fully checked configuration
     * @throws InfoRequest when {@code -h}/{@code -help}/{@code --help} or
     *     {@code -version}/{@code --version} is met: print its {@link InfoRequest#text()} and exit 0
     * @throws ConfigException for any mistake, with a one-line message naming it
     */
    public static VmConfig parse(List<String> args) throws ConfigException {
        List<Given> given = split(args);
        ConfigDraft draft = new ConfigDraft();
        String configFile = null;
        for (Given g : given) {
            if (g.option() == Option.CONFIG) {
                configFile = g.value();
            }
        }
        if (configFile != null) {
            ConfigFile.apply(configFile, draft);
        }
        for (Given g : given) {
            apply(g.option(), g.value(), draft);
        }
        return draft.build();
    }

    /** The help text: every option with its syntax and a line on what it does. */
    public static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: altovirt [OPTION]...\n")
                .append("Starts a microVM managed through QMP (StratoVirt-compatible options).\n\n")
                .append("Options:\n");
        for (Option o : Option.values()) {
            sb.append(o.helpEntry());
        }
        sb.append("\nExample:\n")
                .append("  altovirt -machine microvm -kernel /path/to/kernel -smp 1 -m 1024 \\\n")
                .append("      -append \"console=ttyS0 reboot=k panic=1 root=/dev/vda\" \\\n")
                .append("      -drive file=/path/to/rootfs,id=rootfs,readonly=off,direct=off \\\n")
                .append("      -device virtio-blk-device,drive=rootfs \\\n")
                .append("      -qmp unix:/path/to/socket,server,nowait -serial stdio");
        return sb.toString();
    }

    /** Splits argv into options and values; stops at help or version. */
    private static List<Given> split(List<String> args) throws ConfigException {
        List<Given> given = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw new ConfigException("unexpected argument '" + arg
                        + "': options start with '-' (see --help)");
            }
            Option option = Option.named(arg);
            if (option == null) {
                throw new ConfigException("unknown option " + arg + " (see --help)");
            }
            if (option == Option.HELP) {
                throw new InfoRequest(InfoRequest.Kind.HELP);
            }
            if (option == Option.VERSION) {
                throw new InfoRequest(InfoRequest.Kind.VERSION);
            }
            String value = null;
            if (option.takesValue()) {
                if (i + 1 >= args.size() || (args.get(i + 1).isEmpty() && option != Option.APPEND)) {
                    throw new ConfigException(option.primaryName() + ": missing value");
                }
                value = args.get(++i);
            }
            if (option == Option.QMP && given.stream().anyMatch(g -> g.option() == Option.QMP)) {
                throw new ConfigException("-qmp " + value
                        + ": -qmp is given twice; only one QMP socket is supported");
            }
            given.add(new Given(option, value));
        }
        return given;
    }

    private static void apply(Option option, String value, ConfigDraft draft) throws ConfigException {
        String where = option.primaryName() + " " + value;
        switch (option) {
            case NAME -> draft.name(value);
            case MACHINE -> draft.machine(MachineOptions.machine(value));
            case ACCEL -> draft.accel(MachineOptions.accel(where, value));
            case MEMORY -> draft.memBytes(MachineOptions.memory(value));
            case MEM_PATH -> draft.memPath(MachineOptions.memPath(where, value));
            case SMP -> draft.cpus(SmpOption.parse(value));
            case KERNEL -> draft.kernel(where, HostFiles.path(where, value));
            case APPEND -> draft.cmdline(value);
            case INITRD -> draft.initrd(where, HostFiles.path(where, value));
            case DRIVE -> draft.drive(DriveOption.where(value), DriveOption.parse(value));
            case NETDEV -> draft.netdev(NetdevOption.where(value), NetdevOption.parse(value));
            case DEVICE -> draft.device("-device " + value, DeviceOption.parse(value));
            case QMP -> draft.qmp(ChannelOptions.qmp(value));
            case SERIAL -> draft.serial(ChannelOptions.serial(value));
            case INCOMING -> draft.incoming(ChannelOptions.incoming(value));
            case LOG_FILE -> draft.logFile(path(where, value));
            case DAEMONIZE -> draft.daemonize();
            case PID_FILE -> draft.pidFile(path(where, value));
            case START_PAUSED -> draft.startPaused();
            case CONFIG, HELP, VERSION -> {
                // -config was read first; help and version never get here
            }
        }
    }

    private static Path path(String where, String value) throws ConfigException {
        return HostFiles.path(where, value);
    }
}
