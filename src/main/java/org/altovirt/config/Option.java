package org.altovirt.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The options {@link CommandLine} knows: their names, the syntax of their value (null for a
 * flag) and the help text. {@link CommandLine#usage()} is made from this table, so the two
 * cannot drift apart.
 */
enum Option {
    NAME(List.of("-name"), "NAME", "Name of the VM, used in logs."),
    MACHINE(List.of("-machine"),
            "[type=]microvm[,dump-guest-core=on|off][,mem-share=on|off][,accel=kvm|emu][,acpi=on|off]",
            "Machine type (only microvm); whether guest memory goes into core dumps (default on)"
                    + " and is mapped shared (default off); whether the guest gets ACPI tables (default on)."),
    ACCEL(List.of("-accel"), "kvm|emu",
            "Accelerator. Without it: kvm when KVM is usable, else emu."),
    MEMORY(List.of("-m"), "[size=]MEM",
            "Guest memory: MiB, or with an M or G suffix (1024, 512M, 2G); 128M to 512G,"
                    + " default 256M."),
    MEM_PATH(List.of("-mem-path"), "PATH",
            "Back guest memory with a file in (or at) this absolute path, e.g. a hugetlbfs mount."),
    SMP(List.of("-smp"), "[cpus=]N[,maxcpus=M][,sockets=S][,dies=D][,clusters=C][,cores=C][,threads=T]",
            "vCPUs: N online of M possible (1 to 254, default 1); sockets*dies*clusters*cores*threads"
                    + " must equal maxcpus, missing counts are derived."),
    KERNEL(List.of("-kernel"), "PATH", "Linux kernel to boot (bzImage, ELF vmlinux or vmlinux.bin)."),
    APPEND(List.of("-append"), "CMDLINE", "Kernel command line, e.g. \"console=ttyS0 root=/dev/vda\"."),
    INITRD(List.of("-initrd"), "PATH", "Initial RAM disk; needs -kernel."),
    DRIVE(List.of("-drive"),
            "id=ID,file=PATH[,readonly=on|off][,direct=on|off][,serial=S][,if=none]\n"
                    + "       [,format=raw][,throttling.iops-total=N][,aio=native|io_uring|off]",
            "Disk backend: a regular file or block device. Shown to the guest by a virtio-blk-device."),
    NETDEV(List.of("-netdev"), "tap,id=ID,ifname=NAME[,vhost=on|off]",
            "Network backend: an existing host tap device. Shown to the guest by a virtio-net-device."),
    DEVICE(List.of("-device"),
            "virtio-blk-device,drive=ID[,id=ID][,serial=S][,iothread=T][,bootindex=N]\n"
                    + "-device virtio-net-device,netdev=ID[,id=ID][,mac=XX:XX:XX:XX:XX:XX]\n"
                    + "-device virtio-balloon-device[,id=ID][,deflate-on-oom=on|off]\n"
                    + "        [,free-page-reporting=on|off]",
            "A virtio-mmio device: at most 6 disks, 2 NICs and 1 balloon."),
    QMP(List.of("-qmp"), "unix:PATH,server,nowait",
            "QMP socket (required); PATH must not exist yet."),
    SERIAL(List.of("-serial"), "stdio|pty|none|file:PATH|unix:PATH[,server][,nowait]",
            "Where the serial port ttyS0 goes (default none)."),
    INCOMING(List.of("-incoming"), "file:DIR",
            "Restore the VM from the snapshot in the absolute directory DIR (made by QMP migrate)."),
    CONFIG(List.of("-config"), "FILE",
            "Read the VM from a StratoVirt JSON file; command-line options override it,"
                    + " -drive/-netdev/-device add to it."),
    LOG_FILE(List.of("-D"), "FILE", "Write the log to FILE."),
    DAEMONIZE(List.of("-daemonize"), null, "Run in the background (not with -serial stdio)."),
    PID_FILE(List.of("-pidfile"), "FILE", "Write the VMM's process id to FILE."),
    START_PAUSED(List.of("-S"), null, "Do not start the vCPUs until QMP cont."),
    HELP(List.of("-h", "-help"), null, "Print this help and exit."),
    VERSION(List.of("-version"), null, "Print the version and exit.");

    private static final Map<String, Option> BY_NAME = new HashMap<>();

    static {
        for (Option o : values()) {
            for (String n : o.names) {
                BY_NAME.put(n, o);
            }
        }
    }

    private final List<String> names;
    private final String syntax;
    private final String help;

    Option(List<String> names, String syntax, String help) {
        this.names = names;
        this.syntax = syntax;
        this.help = help;
    }

    /** The option an argument names ({@code --m} is {@code -m}, as in QEMU); null if none. */
    static Option named(String arg) {
        String name = arg.startsWith("--") ? arg.substring(1) : arg;
        return BY_NAME.get(name);
    }

    /** Whether the option takes a value (the next argument). */
    boolean takesValue() {
        return syntax != null;
    }

    /** The main name, e.g. {@code -drive}. */
    String primaryName() {
        return names.get(0);
    }

    /** The option's lines in the help text: its syntax, then its description indented. */
    String helpEntry() {
        String usage = String.join(" | ", names);
        if (this == HELP) {
            usage = "-h | -help | --help";
        } else if (this == VERSION) {
            usage = "-version | --version";
        } else if (syntax != null) {
            usage = usage + " " + syntax;
        }
        return "  " + usage.replace("\n", "\n  ") + "\n" + wrap(help, "      ", 80);
    }

    /** {@code text} in lines of at most {@code width} characters, each starting with {@code indent}. */
    private static String wrap(String text, String indent, int width) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > width) {
                out.append(line).append('\n');
                line.setLength(0);
                line.append(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        return out.append(line).append('\n').toString();
    }
}
