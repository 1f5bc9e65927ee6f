package org.altovirt.machine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.altovirt.accel.Accelerator;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.memory.GuestMemory;
import org.altovirt.schema.SchemaCatalog;
import org.altovirt.schema.Violation;
import org.altovirt.state.State;
import org.altovirt.state.StateException;

/**
 * A VM memory snapshot (docs/managing-vms.md, "Using VM Memory Snapshots"): a directory holding
 * {@code memory}, the guest's RAM byte for byte (zero stretches left as holes), and {@code state},
 * a JSON document (schemas/snapshot/state.json) with the machine's shape, the accelerator's and
 * every vCPU's state, and the devices'. Both files are written beside their final names and
 * renamed into place, so a snapshot directory never holds half a snapshot.
 *
 * <p>A restore reads and checks everything against the VM the command line built — accelerator,
 * memory size, vCPUs, the image in each disk slot, the devices — before it changes anything, and
 * refuses with a message naming the first difference.
 */
final class Snapshot {
    static final String FORMAT = "altovirt-snapshot";
    static final int VERSION = 1;
    static final String STATE_FILE = "state";
    static final String MEMORY_FILE = "memory";
    private static final String SCHEMA = "snapshot/state.json";
    private static final int CHUNK = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Snapshot() {}

    /** What a restore must match, as the state file records it. */
    record Shape(String accel, long memoryBytes, int vcpus) {}

    /** Writes {@code dir/memory} and {@code dir/state}; the vCPUs are out of guest code. */
    static void save(Path dir, Shape shape, GuestMemory memory, Accelerator accel, List<VcpuBackend> vcpus, Board board)
            throws IOException, StateException {
        ObjectNode state = State.object().put("format", FORMAT).put("version", VERSION)
                .put("created", Instant.now().toString());
        state.putObject("machine").put("accel", shape.accel()).put("memory_bytes", shape.memoryBytes())
                .put("vcpus", shape.vcpus());
        state.set("accelerator", accel.saveState());
        ArrayNode cpus = state.putArray("cpus");
        for (VcpuBackend v : vcpus) {
            cpus.add(v.saveState());
        }
        state.set("devices", board.saveState());
        Files.createDirectories(dir);
        // An older snapshot here stops being one first: never a new memory with an old state.
        Files.deleteIfExists(dir.resolve(STATE_FILE));
        writeMemory(dir, memory);
        Path tmp = dir.resolve(STATE_FILE + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(true);
        }
        move(tmp, dir.resolve(STATE_FILE));
        syncDirectory(dir);
    }

    private static void writeMemory(Path dir, GuestMemory memory) throws IOException {
        Path tmp = dir.resolve(MEMORY_FILE + ".tmp");
        byte[] buf = new byte[CHUNK];
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long at = 0;
            for (GuestMemory.Region r : memory.regions()) {
                for (long off = 0; off < r.size(); off += CHUNK) {
                    int n = (int) Math.min(CHUNK, r.size() - off);
                    memory.read(r.guestAddress() + off, buf, 0, n);
                    if (!allZero(buf, n)) {
                        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                        long pos = at + off;
                        while (b.hasRemaining()) {
                            pos += out.write(b, pos);
                        }
                    }
                }
                at += r.size();
            }
            if (out.size() < at) {
                out.write(ByteBuffer.allocate(1), at - 1); // the file is the RAM's size, holes included
            }
            out.force(true);
        }
        move(tmp, dir.resolve(MEMORY_FILE));
    }

    /** fsync of the directory, so that the renames are on disk too. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the files themselves are on disk
        }
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Loads the snapshot in {@code dir} into a VM of {@code shape} that has not run: checks first,
     * then RAM, devices, the accelerator and the vCPUs.
     */
    static void restore(Path dir, Shape shape, GuestMemory memory, Accelerator accel, List<VcpuBackend> vcpus, Board board)
            throws StateException {
        JsonNode state = readState(dir);
        JsonNode machine = state.get("machine");
        String accelName = machine.get("accel").asText();
        if (!accelName.equals(shape.accel())) {
            throw new StateException("the snapshot was taken on -accel " + accelName + "; restore it with -accel " + accelName
                    + " (this VM runs on " + shape.accel() + ")");
        }
        long mem = machine.get("memory_bytes").asLong();
        if (mem != shape.memoryBytes()) {
            throw new StateException("the snapshot's VM had -m " + mib(mem) + ", this one -m " + mib(shape.memoryBytes())
                    + "; give the same -m");
        }
        int cpus = machine.get("vcpus").asInt();
        if (state.get("cpus").size() != cpus) {
            throw new StateException(dir.resolve(STATE_FILE) + ": damaged: " + state.get("cpus").size()
                    + " vCPU states for " + cpus + " vCPUs");
        }
        if (cpus != shape.vcpus()) {
            throw new StateException("the snapshot's VM had -smp " + cpus + ", this one -smp " + shape.vcpus()
                    + "; give the same -smp");
        }
        Path memoryFile = dir.resolve(MEMORY_FILE);
        long size;
        try {
            size = Files.size(memoryFile);
        } catch (NoSuchFileException e) {
            throw new StateException(memoryFile + ": no such file (a snapshot directory holds state and memory)");
        } catch (IOException e) {
            throw new StateException(memoryFile + ": " + e.getMessage(), e);
        }
        if (size != memory.size()) {
            throw new StateException(memoryFile + ": " + size + " bytes, but the snapshot's VM had " + memory.size()
                    + " bytes of RAM: the file is damaged or from another snapshot");
        }
        board.checkState(state.get("devices"));
        readMemory(memoryFile, memory);
        // The interrupt controllers before the devices, which may raise a line as they come back.
        accel.restoreState(state.get("accelerator"));
        board.restoreState(state.get("devices"));
        for (int i = 0; i < vcpus.size(); i++) {
            vcpus.get(i).restoreState(state.get("cpus").get(i));
        }
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + "M";
    }

    private static JsonNode readState(Path dir) throws StateException {
        if (!Files.isDirectory(dir)) {
            throw new StateException(dir + ": no such snapshot directory");
        }
        Path file = dir.resolve(STATE_FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new StateException(file + ": no such file (a snapshot directory holds state and memory)");
        } catch (AccessDeniedException e) {
            throw new StateException(file + ": permission denied");
        } catch (IOException e) {
            throw new StateException(file + ": " + e.getMessage(), e);
        }
        JsonNode state;
        try {
            state = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new StateException(file + ": not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new StateException(file + ": " + e.getMessage(), e);
        }
        if (state == null || !state.isObject()) {
            throw new StateException(file + ": not a snapshot state (a JSON object is expected)");
        }
        if (!FORMAT.equals(state.path("format").asText())) {
            throw new StateException(file + ": not an altovirt snapshot (format is " + state.path("format") + ")");
        }
        if (state.path("version").asInt() != VERSION) {
            throw new StateException(file + ": snapshot format version " + state.path("version")
                    + "; this altovirt reads version " + VERSION);
        }
        List<Violation> violations = SchemaCatalog.classpath().get(SCHEMA).check(state);
        if (!violations.isEmpty()) {
            Violation v = violations.get(0);
            if (v.keyword().equals("required")) {
                throw new StateException(file + ": damaged: '" + v.dottedMember() + "' is missing");
            }
            String at = v.dottedPath().isEmpty() ? "the top level" : "'" + v.dottedPath() + "'";
            throw new StateException(file + ": damaged at " + at + ": " + v.message());
        }
        return state;
    }

    /**
     * The RAM from the file: mapped copy-on-write over the RAM (pages come in as the guest
     * touches them: a restored guest starts without reading its RAM first), or, where that
     * mapping fails, copied.
     */
    private static void readMemory(Path file, GuestMemory memory) throws StateException {
        try {
            memory.mapPrivate(file);
            return;
        } catch (org.altovirt.sys.NativeException e) {
            org.slf4j.LoggerFactory.getLogger(Snapshot.class).warn("{}: mapping it failed ({}); copying it instead",
                    file, e.getMessage());
        }
        copyMemory(file, memory);
    }

    /** The RAM copied from the file: zero stretches stay unbacked (the loader's writes are dropped first). */
    private static void copyMemory(Path file, GuestMemory memory) throws StateException {
        byte[] buf = new byte[CHUNK];
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = 0;
            for (GuestMemory.Region r : memory.regions()) {
                memory.discard(r.guestAddress(), r.size());
                for (long off = 0; off < r.size(); off += CHUNK) {
                    int n = (int) Math.min(CHUNK, r.size() - off);
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    long pos = at + off;
                    while (b.hasRemaining()) {
                        int got = in.read(b, pos);
                        if (got < 0) {
                            throw new StateException(file + ": ends early, at byte " + pos);
                        }
                        pos += got;
                    }
                    if (!allZero(buf, n)) {
                        memory.write(r.guestAddress() + off, buf, 0, n);
                    }
                }
                at += r.size();
            }
        } catch (IOException e) {
            throw new StateException(file + ": " + e.getMessage(), e);
        }
    }
}
