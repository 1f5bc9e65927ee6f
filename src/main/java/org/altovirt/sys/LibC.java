package org.altovirt.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The one binding to the C library (docs/architecture.md: native code in one place). Loaded on first
 * use only, since loading JNR costs start-up time that a VM without native needs should not pay.
 * Every call that can fail saves errno: read it with {@link Native#errno()} and report it with
 * {@link NativeException}.
 */
public interface LibC {
    int PROT_READ = 0x1;
    int PROT_WRITE = 0x2;
    int MAP_SHARED = 0x01;
    int MAP_PRIVATE = 0x02;
    int MAP_FIXED = 0x10;
    int MAP_ANONYMOUS = 0x20;
    int MAP_NORESERVE = 0x4000;
    long MAP_FAILED = -1L;
    int MADV_DONTNEED = 4;
    int MADV_DONTDUMP = 16;
    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_NOCTTY = 0x100;
    int O_CLOEXEC = 0x80000;
    int O_DIRECT = 0x4000;
    int O_NONBLOCK = 0x800;
    int SEEK_END = 2;
    int EINVAL = 22;
    int EINTR = 4;
    int EFD_CLOEXEC = 0x80000;
    int EFD_NONBLOCK = 0x800;
    long SYS_GETTID = 186;
    long SYS_TGKILL = 234;

    /**
     * mmap(2). Takes and returns pointers: with {@code long} for both, jnr-ffi 2.3.3 passes the
     * six arguments wrongly here and the kernel answers EINVAL. A failure returns null or the
     * address -1 ({@link #MAP_FAILED}).
     */
    @SaveError
    Pointer mmap(Pointer addr, @size_t long length, int prot, int flags, int fd, @off_t long offset);

    @SaveError
    int munmap(long addr, @size_t long length);

    @SaveError
    int madvise(long addr, @size_t long length, int advice);

    @SaveError
    int open(String path, int flags, int mode);

    @SaveError
    int close(int fd);

    /** ioctl(2) with an integer argument (or none). */
    @SaveError
    int ioctl(int fd, long request, long arg);

    /** ioctl(2) with a pointer to a structure the kernel reads and/or writes. */
    @SaveError
    int ioctl(int fd, long request, Pointer arg);

    @SaveError
    @ssize_t
    long read(int fd, @Out Pointer buf, @size_t long count);

    @SaveError
    @ssize_t
    long write(int fd, @In Pointer buf, @size_t long count);

    @SaveError
    @ssize_t
    long pread(int fd, @Out Pointer buf, @size_t long count, @off_t long offset);

    @SaveError
    @ssize_t
    long pwrite(int fd, @In Pointer buf, @size_t long count, @off_t long offset);

    @SaveError
    int fdatasync(int fd);

    /** lseek(2): with {@link #SEEK_END} and offset 0, the size of a file or block device. */
    @SaveError
    @off_t
    long lseek(int fd, @off_t long offset, int whence);

    @SaveError
    int eventfd(int initval, int flags);

    @SaveError
    int posix_openpt(int flags);

    @SaveError
    int grantpt(int fd);

    @SaveError
    int unlockpt(int fd);

    String ptsname(int fd);

    int isatty(int fd);

    /** tcgetattr(3): {@code termios} is a buffer of at least 60 bytes. */
    @SaveError
    int tcgetattr(int fd, @Out Pointer termios);

    @SaveError
    int tcsetattr(int fd, int when, @In Pointer termios);

    /** tcflush(3): discards queued terminal data ({@code queue} TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2). */
    @SaveError
    int tcflush(int fd, int queue);

    /** poll(2): {@code fds} is an array of 8-byte {@code struct pollfd} (fd int @0, events short @4, revents short @6). */
    @SaveError
    int poll(Pointer fds, long nfds, int timeoutMillis);

    /** syscall(2) with up to three integer arguments: gettid, tgkill. */
    @SaveError
    long syscall(long number, long a1, long a2, long a3);

    /** sigaction(2): {@code act} and {@code old} are 152-byte {@code struct sigaction} buffers (glibc x86_64). */
    @SaveError
    int sigaction(int signum, @In Pointer act, @Out Pointer old);

    String strerror(int errnum);

    /** setsid(2): a new session, without a controlling terminal. */
    int setsid();

    int getpid();

    /** Used only for its address: a native function that ignores its argument, as a no-op signal handler (docs/facts.md §5). */
    int getppid();

    /** The loaded library. */
    static LibC get() {
        return Native.LIBC;
    }
}
