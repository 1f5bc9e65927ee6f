package org.altovirt.sys;

import java.io.IOException;

/** A native call failed: names the call and carries errno with its text. */
public final class NativeException extends IOException {
    private final int errno;

    public NativeException(String call, int errno) {
        super(call + ": " + LibC.get().strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** {@code call} failed with the errno it just saved on this thread. */
    public static NativeException last(String call) {
        return new NativeException(call, Native.errno());
    }

    public int errno() {
        return errno;
    }
}
