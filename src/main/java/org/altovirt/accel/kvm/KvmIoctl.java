package org.altovirt.accel.kvm;

import jnr.ffi.Pointer;
import org.altovirt.sys.LibC;

/** ioctl(2) on a KVM fd with the result checked: a failure names the request and carries errno. */
final class KvmIoctl {
    private KvmIoctl() {}

    /** An ioctl with an integer argument; returns its non-negative result. */
    static int call(int fd, long request, long arg, String what) throws KvmException {
        int rc = LibC.get().ioctl(fd, request, arg);
        if (rc < 0) {
            throw KvmException.last(what);
        }
        return rc;
    }

    /** An ioctl on a structure in native memory; returns its non-negative result. */
    static int call(int fd, long request, Pointer arg, String what) throws KvmException {
        int rc = LibC.get().ioctl(fd, request, arg);
        if (rc < 0) {
            throw KvmException.last(what);
        }
        return rc;
    }
}
