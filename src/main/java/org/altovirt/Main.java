package org.altovirt;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.altovirt.accel.AcceleratorChoice;
import org.altovirt.accel.kvm.KvmProbe;
import org.altovirt.config.Accel;
import org.altovirt.config.CommandLine;
import org.altovirt.config.ConfigException;
import org.altovirt.config.InfoRequest;
import org.altovirt.config.VmConfig;
import org.altovirt.machine.MachineCommands;
import org.altovirt.machine.MicroVm;
import org.altovirt.machine.QmpVersion;
import org.altovirt.qmp.Commands;
import org.altovirt.qmp.EventSink;
import org.altovirt.qmp.QmpServer;
import sun.misc.Signal;

/**
 * The {@code altovirt} process: parses the stratovirt command line, starts the VM and its QMP
 * server, and exits 0 once the VM has shut down. Every user error is one line on stderr and exit
 * status 1.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        warmUp();
        VmConfig config;
        try {
            config = CommandLine.parse(Arrays.asList(args));
        } catch (InfoRequest r) {
            System.out.println(r.text());
            return 0;
        } catch (ConfigException e) {
            return fail(e.getMessage());
        }
        try {
            if (config.daemonize() && !Daemon.isChild()) {
                return Daemon.launch(args, config.qmp().socket(), Duration.ofSeconds(60));
            }
            if (Daemon.isChild()) {
                Daemon.detach();
            }
            configureLogging(config.logFile());
            return start(config);
        } catch (StartException e) {
            return fail(e.getMessage());
        } catch (IOException e) {
            return fail(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /**
     * Loads Jackson and the schema validator on a second thread while this one parses the
     * command line and builds the VM: together they are most of the time to a ready QMP socket.
     */
    /**
     * Opened by {@link #configureLogging}: the warm-up loads classes that take their loggers as
     * they load, and the first logger fixes slf4j-simple's settings, so it must wait for -D.
     */
    private static final java.util.concurrent.CountDownLatch LOGGING_CONFIGURED = new java.util.concurrent.CountDownLatch(1);

    private static void warmUp() {
        Thread t = new Thread(() -> {
            try {
                LOGGING_CONFIGURED.await();
            } catch (InterruptedException e) {
                return;
            }
            QmpServer.prepareEnvelopes();
        }, "warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** A reason the VM cannot start, for the user. */
    private static final class StartException extends Exception {
        StartException(String message) {
            super(message);
        }
    }

    private static int start(VmConfig config) throws StartException, IOException, InterruptedException {
        AcceleratorChoice.Choice accel = chooseAccelerator(config.accel());

        DeferredEvents events = new DeferredEvents();
        MicroVm vm;
        try {
            vm = MicroVm.create(config, events, accel.kind());
        } catch (MicroVm.CreateException e) {
            throw new StartException(e.getMessage());
        }
        QmpServer server;
        Path socket = config.qmp().socket();
        Commands commands = MachineCommands.of(vm, QmpVersion.current());
        QmpServer.prepareSchemas(commands);
        try {
            server = QmpServer.bind(socket, commands, QmpVersion.current().greeting());
        } catch (FileAlreadyExistsException e) {
            throw new StartException("-qmp unix:" + socket + ": " + socket
                    + " already exists; remove it or choose another path");
        } catch (IOException e) {
            throw new StartException("-qmp unix:" + socket + ": cannot create the socket: " + e.getMessage());
        }
        events.target(server);
        // Every check that can refuse the start has passed: now say what was chosen for the user.
        if (accel.notice() != null) {
            // The log first: a reader that has seen the line on stderr finds it in the log too.
            org.slf4j.LoggerFactory.getLogger(Main.class).info(accel.notice());
            System.err.println("altovirt: " + accel.notice());
        }
        if (config.boot().kernel() == null) {
            System.err.println("altovirt: no -kernel given: the VM has no guest code; its vCPUs stay halted");
        }
        Path pidFile = config.pidFile();
        // SIGTERM, SIGINT and SIGHUP end the VM as QEMU does: SHUTDOWN (host-signal), exit 0.
        for (String signal : new String[] {"TERM", "INT", "HUP"}) {
            Signal.handle(new Signal(signal), s -> vm.shutdown(false, "host-signal"));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            deleteQuietly(pidFile);
        }, "cleanup"));
        if (pidFile != null) {
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        }
        vm.boot();
        server.start();
        vm.awaitTermination();
        server.close(); // no command may reach devices that close now
        vm.close();
        deleteQuietly(pidFile);
        return 0;
    }

    private static AcceleratorChoice.Choice chooseAccelerator(Accel accel) throws StartException {
        AcceleratorChoice.Kind requested = switch (accel) {
            case KVM -> AcceleratorChoice.Kind.KVM;
            case EMU -> AcceleratorChoice.Kind.EMU;
            case AUTO -> null;
        };
        Path device = KvmProbe.device();
        try {
            return AcceleratorChoice.choose(requested, device.toString(), () -> KvmProbe.probe(device).problem());
        } catch (AcceleratorChoice.Unavailable e) {
            throw new StartException(e.getMessage());
        }
    }

    /** Events emitted before the server exists go nowhere (no client could have heard them). */
    private static final class DeferredEvents implements EventSink {
        private volatile EventSink target;

        void target(EventSink sink) {
            this.target = sink;
        }

        @Override
        public void emit(String name, com.fasterxml.jackson.databind.node.ObjectNode data) {
            EventSink t = target;
            if (t != null) {
                t.emit(name, data);
            }
        }
    }

    /** slf4j-simple reads its settings once, at the first logger: set them before any. */
    private static void configureLogging(Path logFile) {
        setDefault("org.slf4j.simpleLogger.logFile", logFile == null ? "System.err" : logFile.toString());
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", logFile == null ? "warn" : "info");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        LOGGING_CONFIGURED.countDown();
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("altovirt: cannot remove " + p + ": " + e.getMessage());
        }
    }

    private static int fail(String message) {
        System.err.println("altovirt: " + message);
        return 1;
    }

}
