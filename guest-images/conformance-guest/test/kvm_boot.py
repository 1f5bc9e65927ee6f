#!/usr/bin/env python3
"""Boot the conformance guest on real KVM through its 64-bit entry (+0x200),
with the CPU, memory and boot_params state of docs/facts.md §4 (the state the
altovirt, StratoVirt and Firecracker loaders set up), or with --entry 32
through its 32-bit entry (+0, protected mode, paging off, as a GRUB-like
loader jumps there), and drive a few commands.  A stand-in for altovirt's KVM accelerator while that is being
written: a tiny VMM in Python (ctypes + ioctl) with an 8250 THR/LSR/RBR,
the i8042 reset port and two virtio-mmio blk transports at 0xF0100000 (a
1 MiB disk, and an empty slot of capacity 0, as StratoVirt has).

    python3 test/kvm_boot.py --image target/guest/conformance-guest.bzImage [--entry 32]

Exits 0 when every check passed, 77 (skip) without /dev/kvm.
"""

import argparse
import ctypes
import fcntl
import mmap
import os
import random
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

# ioctl numbers (linux/kvm.h, docs/facts.md §5)
KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_GET_VCPU_MMAP_SIZE = 0xAE04
KVM_GET_SUPPORTED_CPUID = 0xC008AE05
KVM_CREATE_VCPU = 0xAE41
KVM_SET_USER_MEMORY_REGION = 0x4020AE46
KVM_SET_TSS_ADDR = 0xAE47
KVM_RUN = 0xAE80
KVM_GET_REGS, KVM_SET_REGS = 0x8090AE81, 0x4090AE82
KVM_GET_SREGS, KVM_SET_SREGS = 0x8138AE83, 0x4138AE84
KVM_SET_CPUID2 = 0x4008AE90

EXIT_IO, EXIT_HLT, EXIT_MMIO, EXIT_SHUTDOWN = 2, 5, 6, 8

MEM_SIZE = 256 << 20
BOOT_PARAMS, CMDLINE_ADDR, KERNEL_ADDR = 0x7000, 0x20000, 0x100000
MMIO_BASE, MMIO_SIZE = 0xF0100000, 0x200
PROMPT = b"altovirt-guest> "


class Segment(ctypes.Structure):
    _fields_ = [("base", ctypes.c_uint64), ("limit", ctypes.c_uint32),
                ("selector", ctypes.c_uint16), ("type", ctypes.c_uint8),
                ("present", ctypes.c_uint8), ("dpl", ctypes.c_uint8), ("db", ctypes.c_uint8),
                ("s", ctypes.c_uint8), ("l", ctypes.c_uint8), ("g", ctypes.c_uint8),
                ("avl", ctypes.c_uint8), ("unusable", ctypes.c_uint8),
                ("padding", ctypes.c_uint8)]


class DTable(ctypes.Structure):
    _fields_ = [("base", ctypes.c_uint64), ("limit", ctypes.c_uint16),
                ("padding", ctypes.c_uint16 * 3)]


class Sregs(ctypes.Structure):
    _fields_ = [(n, Segment) for n in ("cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt")] + \
               [("gdt", DTable), ("idt", DTable)] + \
               [(n, ctypes.c_uint64) for n in ("cr0", "cr2", "cr3", "cr4", "cr8", "efer",
                                               "apic_base")] + \
               [("interrupt_bitmap", ctypes.c_uint64 * 4)]


class Regs(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10", "r11",
        "r12", "r13", "r14", "r15", "rip", "rflags")]


class MemRegion(ctypes.Structure):
    _fields_ = [("slot", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("guest_phys_addr", ctypes.c_uint64), ("memory_size", ctypes.c_uint64),
                ("userspace_addr", ctypes.c_uint64)]


class CpuidEntry(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("function", "index", "flags", "eax", "ebx",
                                               "ecx", "edx")] + \
               [("padding", ctypes.c_uint32 * 3)]


class Cpuid(ctypes.Structure):
    _fields_ = [("nent", ctypes.c_uint32), ("padding", ctypes.c_uint32),
                ("entries", CpuidEntry * 256)]

assert ctypes.sizeof(Sregs) == 0x138 and ctypes.sizeof(Regs) == 0x90
assert ctypes.sizeof(MemRegion) == 0x20


class VirtioBlk:
    """virtio-mmio v2 registers plus a synchronous blk request handler."""

    def __init__(self, mem, disk, serial):
        self.mem, self.disk, self.serial = mem, disk, serial
        self.regs = {}
        self.reset()

    def reset(self):
        self.status = 0
        self.dev_sel = self.drv_sel = 0
        self.driver_features = 0
        self.q = dict(num=0, ready=0, desc=0, avail=0, used=0, last_avail=0)
        self.isr = 0

    def read(self, off, size):
        if off >= 0x100:
            cfg = struct.pack("<Q", len(self.disk) // 512) + bytes(0x100)
            return int.from_bytes(cfg[off - 0x100:off - 0x100 + size], "little")
        features = (1 << 9) | (1 << 32)             # FLUSH, VERSION_1
        return {0x000: 0x74726976, 0x004: 2, 0x008: 2, 0x00C: 0x414C5456,
                0x010: (features >> (32 * self.dev_sel)) & 0xFFFFFFFF,
                0x034: 256, 0x044: self.q["ready"], 0x060: self.isr,
                0x070: self.status, 0x0FC: 0}.get(off, 0)

    def write(self, off, value):
        q = self.q
        if off == 0x014: self.dev_sel = value
        elif off == 0x024: self.drv_sel = value
        elif off == 0x020:
            self.driver_features |= value << (32 * self.drv_sel)
        elif off == 0x038: q["num"] = value
        elif off == 0x044: q["ready"] = value
        elif off == 0x064: self.isr &= ~value
        elif off == 0x070:
            if value == 0:
                self.reset()
            else:
                self.status = value
        elif off in (0x080, 0x084, 0x090, 0x094, 0x0A0, 0x0A4):
            key = {0x80: "desc", 0x90: "avail", 0xA0: "used"}[off & ~4]
            shift = 32 if off & 4 else 0
            q[key] = (q[key] & ~(0xFFFFFFFF << shift)) | (value << shift)
        elif off == 0x050:
            self.notify()

    def u16(self, a): return struct.unpack_from("<H", self.mem, a)[0]

    def notify(self):
        q = self.q
        while q["last_avail"] != self.u16(q["avail"] + 2):
            head = self.u16(q["avail"] + 4 + 2 * (q["last_avail"] % q["num"]))
            q["last_avail"] = (q["last_avail"] + 1) & 0xFFFF
            chain, i = [], head
            while True:
                addr, length, flags, nxt = struct.unpack_from("<QIHH", self.mem, q["desc"] + 16 * i)
                chain.append((addr, length, flags))
                if not flags & 1:
                    break
                i = nxt
            rtype, _, sector = struct.unpack_from("<IIQ", self.mem, chain[0][0])
            data, (st_addr, _, _) = chain[1:-1], chain[-1]
            status, written = 0, 1
            for addr, length, _ in data:
                start = sector * 512
                if rtype in (0, 1) and start + length > len(self.disk):
                    status = 1
                    break
                if rtype == 0:
                    self.mem[addr:addr + length] = self.disk[start:start + length]
                    written += length
                elif rtype == 1:
                    self.disk[start:start + length] = self.mem[addr:addr + length]
                elif rtype == 8:
                    ident = self.serial.encode()[:20].ljust(length, b"\0")[:length]
                    self.mem[addr:addr + length] = ident
                    written += length
                elif rtype != 4:
                    status = 2
                sector += length // 512
            self.mem[st_addr] = status
            used_idx = self.u16(q["used"] + 2)
            struct.pack_into("<II", self.mem, q["used"] + 4 + 8 * (used_idx % q["num"]), head, written)
            struct.pack_into("<H", self.mem, q["used"] + 2, (used_idx + 1) & 0xFFFF)
            self.isr |= 1


def load(mem, image, cmdline):
    setup_sects = image[0x1F1] or 4
    assert image[0x202:0x206] == b"HdrS" and struct.unpack_from("<H", image, 0x236)[0] & 1
    prot = image[(setup_sects + 1) * 512:]
    mem[KERNEL_ADDR:KERNEL_ADDR + len(prot)] = prot
    hdr_end = 0x202 + image[0x201]
    mem[BOOT_PARAMS + 0x1F1:BOOT_PARAMS + hdr_end] = image[0x1F1:hdr_end]
    mem[BOOT_PARAMS + 0x210] = 0xFF                                   # type_of_loader
    struct.pack_into("<I", mem, BOOT_PARAMS + 0x228, CMDLINE_ADDR)    # cmd_line_ptr
    mem[CMDLINE_ADDR:CMDLINE_ADDR + len(cmdline) + 1] = cmdline.encode() + b"\0"
    e820 = [(0, 0x9FC00, 1), (0x100000, MEM_SIZE - 0x100000, 1)]
    mem[BOOT_PARAMS + 0x1E8] = len(e820)
    for i, (a, s, t) in enumerate(e820):
        struct.pack_into("<QQI", mem, BOOT_PARAMS + 0x2D0 + 20 * i, a, s, t)
    for i, d in enumerate((0, 0, 0x00AF9B000000FFFF, 0x00CF93000000FFFF)):
        struct.pack_into("<Q", mem, 0x500 + 8 * i, d)                 # GDT
    struct.pack_into("<Q", mem, 0x9000, 0xA000 | 3)                   # PML4 -> PDPT
    struct.pack_into("<Q", mem, 0xA000, 0xB000 | 3)                   # PDPT -> PD
    for i in range(512):
        struct.pack_into("<Q", mem, 0xB000 + 8 * i, (i << 21) | 0x83)


def setup_vcpu(kvm, vcpu, entry):
    cpuid = Cpuid(nent=256)
    fcntl.ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid)
    fcntl.ioctl(vcpu, KVM_SET_CPUID2, cpuid)
    sregs = Sregs()
    fcntl.ioctl(vcpu, KVM_GET_SREGS, sregs)
    long_mode = entry == 64
    # 64-bit: CS 0x10 with L=1; 32-bit: the boot protocol's __BOOT_CS, flat, D=1.
    sregs.cs = Segment(0, 0xFFFFFFFF, 0x10, 11, 1, 0, 0 if long_mode else 1, 1,
                       1 if long_mode else 0, 1, 0, 0, 0)
    data = Segment(0, 0xFFFFFFFF, 0x18, 3, 1, 0, 1, 1, 0, 1, 0, 0, 0)
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data
    sregs.gdt.base, sregs.gdt.limit = 0x500, 31
    sregs.idt.base, sregs.idt.limit = 0x520, 0
    if long_mode:
        sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer = 0x80000011, 0x9000, 0x20, 0x500
    else:
        sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer = 0x11, 0, 0, 0
    fcntl.ioctl(vcpu, KVM_SET_SREGS, sregs)
    rip = KERNEL_ADDR + (0x200 if long_mode else 0)
    regs = Regs(rip=rip, rsi=BOOT_PARAMS, rsp=0x8FF0, rbp=0 if not long_mode else 0x8FF0, rflags=2)
    fcntl.ioctl(vcpu, KVM_SET_REGS, regs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--entry", type=int, choices=(32, 64), default=64)
    args = ap.parse_args()
    try:
        kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        print(f"skipping: /dev/kvm: {e}")
        return 77
    assert fcntl.ioctl(kvm, KVM_GET_API_VERSION) == 12
    vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong]
    if libc.ioctl(vm, KVM_SET_TSS_ADDR, 0xFFFBD000) != 0:     # > INT_MAX: not fcntl's int
        raise OSError(ctypes.get_errno(), "KVM_SET_TSS_ADDR")
    mem = mmap.mmap(-1, MEM_SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    host = ctypes.addressof(ctypes.c_char.from_buffer(mem))
    fcntl.ioctl(vm, KVM_SET_USER_MEMORY_REGION, MemRegion(0, 0, 0, MEM_SIZE, host))

    rng = random.Random(99)
    disk = bytearray(rng.getrandbits(8) for _ in range(1 << 20))
    first_16_sectors = bytes(disk[:16 * 512])      # read before the write changes 4..5
    devices = [VirtioBlk(mem, disk, "kvm-disk0"), VirtioBlk(mem, bytearray(), "")]
    cmdline = "console=ttyS0 " + " ".join(
        f"virtio_mmio.device=512@{MMIO_BASE + i * MMIO_SIZE:#x}:{5 + i}" for i in range(len(devices)))
    load(mem, open(args.image, "rb").read(), cmdline)

    vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
    setup_vcpu(kvm, vcpu, args.entry)
    run_size = fcntl.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0)
    run = mmap.mmap(vcpu, run_size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

    script = ["info", "devices", "blk size vda", "blk read vda 0 16", "blk write vda 4 2 7",
              "blk read vda 4 2", "blk id vda", "blk size vdb", "blk read vdb 0 1",
              "compute 100000", "ticks", "ticks", "poweroff"]
    pending, output, transcript = bytearray(), bytearray(), bytearray()
    sent = 0
    reason = "?"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fcntl.ioctl(vcpu, KVM_RUN, 0)
        exit_reason = struct.unpack_from("<I", run, 8)[0]
        if exit_reason == EXIT_IO:
            direction, size, port, count, off = struct.unpack_from("<BBHIQ", run, 32)
            if direction == 1:
                value = run[off]
                if port == 0x3F8:
                    output.append(value)
                    transcript.append(value)
                    sys.stdout.write(chr(value) if value != 13 else "")
                    sys.stdout.flush()
                    if output.endswith(PROMPT) and not pending and sent < len(script):
                        pending += script[sent].encode() + b"\r"
                        sent += 1
                        output.clear()
                elif port == 0x64 and value == 0xFE:
                    reason = "i8042 reset"
                    break
            else:
                value = 0xFF
                if port == 0x3FD:
                    value = 0x60 | (1 if pending else 0)
                elif port == 0x3F8 and pending:
                    value = pending.pop(0)
                run[off] = value
        elif exit_reason == EXIT_MMIO:
            addr, data, length, is_write = struct.unpack_from("<Q8sIB", run, 32)
            dev = (addr - MMIO_BASE) // MMIO_SIZE
            if 0 <= dev < len(devices):
                reg = (addr - MMIO_BASE) % MMIO_SIZE
                if is_write:
                    devices[dev].write(reg, int.from_bytes(data[:length], "little"))
                else:
                    value = devices[dev].read(reg, length)
                    run[40:40 + length] = value.to_bytes(8, "little")[:length]
        elif exit_reason == EXIT_HLT:
            reason = "hlt"
            break
        elif exit_reason == EXIT_SHUTDOWN:
            reason = "shutdown (triple fault)"
            break
        else:
            reason = f"exit {exit_reason}"
            break
    print(f"\n[host] guest stopped: {reason}")

    text = transcript.decode("utf-8", "replace").replace("\r", "")
    failed = []

    def expect(cond, what):
        if not cond:
            failed.append(what)

    expect(f"entry: {args.entry}" in text, f"entry: {args.entry}")
    expect(f"cmdline: {cmdline}\n" in text, "command line from boot_params")
    expect("ram: 256 MiB" in text, "ram from e820")
    expect(re.search(r"virtio0 base=0xf0100000 .*type=blk .*disk=vda capacity=2048", text),
           "devices: vda")
    expect(re.search(r"virtio1 base=0xf0100200 .*type=blk .*disk=vdb capacity=0", text),
           "devices: empty slot vdb")
    want = reference.fnv1a64(first_16_sectors)
    expect(f"vda read sector=0 count=16 bytes=8192 fnv1a64={want:016x}" in text, "blk read")
    pattern = reference.pattern_bytes(4 * 512, 1024, 7)
    expect(bytes(disk[4 * 512:6 * 512]) == pattern, "blk write reached the disk")
    expect(f"vda read sector=4 count=2 bytes=1024 fnv1a64={reference.fnv1a64(pattern):016x}"
           in text, "blk read back")
    expect("vda id=kvm-disk0" in text, "blk id")
    expect("vdb capacity=0 sectors" in text, "empty slot capacity 0")
    expect("error: vdb: I/O error (VIRTIO_BLK_S_IOERR)" in text, "read from the empty slot")
    expect(f"compute: n=100000 checksum={reference.compute_checksum(100000):016x}" in text,
           "compute")
    expect(reason == "i8042 reset", "poweroff through the i8042")
    expect("FATAL" not in text, "no exception")
    print(f"[host] {'all checks passed' if not failed else 'FAILED: ' + ', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
