package org.altovirt.devices.serial;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * A {@code -serial} backend could not be opened. The message is one line naming the option and
 * the host path, e.g. {@code "-serial unix:/tmp/con.sock,server,nowait: /tmp/con.sock already
 * exists (remove it or choose another path)"}; the launcher prints it as it is.
 */
public final class SerialException extends Exception {
    private static final long serialVersionUID = 1L;

    public SerialException(String message) {
        super(message);
    }

    public SerialException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "OPTION: WHAT: REASON"}, REASON being the host's words for {@code cause}. */
    static SerialException of(String option, String what, IOException cause) {
        return new SerialException(option + ": " + what + ": " + reason(cause), cause);
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
