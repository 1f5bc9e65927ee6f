package org.altovirt.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** The loaded C library and the JNR runtime around it. */
public final class Native {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private Native() {}

    /** The JNR runtime of {@link LibC}. */
    public static Runtime runtime() {
        return Runtime.getRuntime(LIBC);
    }

    /** errno as saved by the last call on this thread of a {@code @SaveError} function. */
    public static int errno() {
        return runtime().getLastError();
    }

    /** A pointer to {@code size} bytes of native memory at {@code address} (not owned). */
    public static Pointer pointer(long address, long size) {
        return Pointer.wrap(runtime(), address, size);
    }

    /** Zeroed native memory of {@code size} bytes, freed when unreachable. */
    public static Pointer allocate(int size) {
        return Memory.allocateDirect(runtime(), size, true);
    }
}
