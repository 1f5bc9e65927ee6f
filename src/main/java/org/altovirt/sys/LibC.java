package org.altovirt.sys;

import jnr.ffi.LibraryLoader;

/**
 * The one binding to the C library (architecture.md: native code in one place). Loaded on first
 * use only, since loading JNR costs start-up time a VM without native needs should not pay.
 */
public interface LibC {
    /** setsid(2): a new session, without a controlling terminal. */
    int setsid();

    /** getpid(2). */
    int getpid();

    /** The loaded library. */
    static LibC get() {
        return Holder.INSTANCE;
    }

    /** Lazy holder: the library is loaded on first {@link #get}. */
    final class Holder {
        private static final LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

        private Holder() {}
    }
}
