package org.altovirt.config;

import java.nio.file.Path;
import java.util.List;

/** The values that name host endpoints: {@code -qmp}, {@code -serial} and {@code -incoming}. */
final class ChannelOptions {
    static final String QMP_SYNTAX = "-qmp unix:PATH,server,nowait";
    private static final List<String> SOCKET_KEYS = List.of("uri", "server", "nowait", "wait");
    private static final List<String> SOCKET_FLAGS = List.of("server", "nowait", "wait");
    private static final String SERIAL_FORMS =
            "must be stdio, pty, none, file:PATH or unix:PATH[,server][,nowait]";

    private ChannelOptions() {}

    /** {@code -qmp unix:PATH,server,nowait} ({@code server=on} and {@code wait=off} also do). */
    static QmpConfig qmp(String raw) throws ConfigException {
        String where = "-qmp " + raw;
        KeyValues kv = KeyValues.parse(raw, "uri").named(where);
        String uri = kv.string("uri");
        if (uri == null || !uri.startsWith("unix:")) {
            throw new ConfigException(where + ": only unix:PATH sockets are supported (" + QMP_SYNTAX + ")");
        }
        Socket s = socket(kv);
        if (!s.server() || !s.nowait()) {
            throw new ConfigException(where + ": server and nowait are required (" + QMP_SYNTAX + ")");
        }
        return new QmpConfig(s.path());
    }

    /** {@code -serial stdio | pty | none | file:PATH | unix:PATH[,server][,nowait]}. */
    static SerialConfig serial(String raw) throws ConfigException {
        String where = "-serial " + raw;
        switch (raw) {
            case "stdio":
                return new SerialConfig.Stdio();
            case "pty":
                return new SerialConfig.Pty();
            case "none":
                return new SerialConfig.None();
            default:
                break;
        }
        if (raw.startsWith("file:")) {
            String file = raw.substring("file:".length());
            if (file.isEmpty()) {
                throw new ConfigException(where + ": the file path is empty");
            }
            return new SerialConfig.FileOut(HostFiles.path(where, file));
        }
        if (raw.startsWith("unix:")) {
            Socket s = socket(KeyValues.parse(raw, "uri").named(where));
            return new SerialConfig.UnixSocket(s.path(), s.server(), s.nowait());
        }
        throw new ConfigException(where + ": " + SERIAL_FORMS);
    }

    /** {@code -incoming file:DIR}: DIR must be absolute; whether it holds a snapshot is checked later. */
    static Path incoming(String raw) throws ConfigException {
        String where = "-incoming " + raw;
        if (!raw.startsWith("file:")) {
            throw new ConfigException(where + ": only file:DIR is supported (-incoming file:/path/to/template)");
        }
        String dir = raw.substring("file:".length());
        if (dir.isEmpty()) {
            throw new ConfigException(where + ": the snapshot directory is empty");
        }
        Path path = HostFiles.path(where, dir);
        if (!path.isAbsolute()) {
            throw new ConfigException(where + ": the snapshot directory must be an absolute path");
        }
        return path;
    }

    private record Socket(Path path, boolean server, boolean nowait) {}

    /** {@code unix:PATH[,server[=on|off]][,nowait][,wait=on|off]}. */
    private static Socket socket(KeyValues kv) throws ConfigException {
        kv.allow(SOCKET_KEYS, SOCKET_FLAGS);
        String path = kv.string("uri").substring("unix:".length());
        if (path.isEmpty()) {
            throw kv.error("the socket path is empty");
        }
        if (kv.has("nowait") && kv.has("wait")) {
            throw kv.error("give nowait or wait=on|off, not both");
        }
        boolean server = kv.onOff("server", false);
        boolean nowait = kv.has("wait") ? !kv.onOff("wait", true) : kv.onOff("nowait", false);
        return new Socket(HostFiles.path(kv.where(), path), server, nowait);
    }
}
