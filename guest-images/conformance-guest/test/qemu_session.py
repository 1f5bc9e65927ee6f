#!/usr/bin/env python3
"""Boot the conformance guest under QEMU (microvm, TCG) and drive every
console command, checking each answer against what the host computes.

    python3 test/qemu_session.py --image target/guest/conformance-guest.bzImage
        [--transcript FILE] [--accel tcg|kvm] [--qemu qemu-system-x86_64]

Exit status 0 when every check passed.  The guest's console output is
echoed to stdout as it arrives (that is the transcript).
"""

import argparse
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

PROMPT = "altovirt-guest> "
SECTOR = 512


class Guest:
    """A QEMU process whose serial console is our stdin/stdout pipe."""

    def __init__(self, argv, transcript):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.buf = ""
        self.transcript = transcript

    def _read_some(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.proc.stdout], [], [], left)
        if not ready:
            return False
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return False
        text = data.decode("utf-8", "replace")
        self.buf += text
        sys.stdout.write(text.replace("\r\n", "\n"))
        sys.stdout.flush()
        if self.transcript:
            self.transcript.write(text.replace("\r\n", "\n"))
        return True

    def wait_for(self, marker, timeout=30.0):
        """Consumes output up to and including `marker`; returns what came before."""
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            if not self._read_some(deadline):
                raise TimeoutError(f"no {marker!r} within {timeout}s; got {self.buf[-400:]!r}")
        before, _, self.buf = self.buf.partition(marker)
        return before

    def command(self, line, timeout=60.0):
        """Types a line, returns the output lines the command printed."""
        self.proc.stdin.write(line.encode() + b"\r")
        self.proc.stdin.flush()
        out = self.wait_for(PROMPT, timeout).replace("\r\n", "\n")
        lines = out.split("\n")
        if lines and lines[0].endswith(line):      # the echo of what we typed
            lines = lines[1:]
        return [l for l in lines if l]

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read_some(min(deadline, time.monotonic() + 0.2))
        return self.proc.poll()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Checks:
    def __init__(self):
        self.failed = []
        self.passed = 0

    def expect(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"\n*** CHECK FAILED: {what}", flush=True)


def field(lines, key):
    for line in lines:
        m = re.search(rf"\b{re.escape(key)}=(\S+)", line)
        if m:
            return m.group(1)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--transcript")
    ap.add_argument("--compute", type=int, default=200000)
    args = ap.parse_args()
    if not shutil.which(args.qemu):
        print(f"{args.qemu} not found: skipping the QEMU session", file=sys.stderr)
        return 0

    work = tempfile.mkdtemp(prefix="conformance-guest-")
    disk0 = os.path.join(work, "disk0.img")
    disk1 = os.path.join(work, "disk1.img")
    rng = random.Random(1234)
    with open(disk0, "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(4 << 20)))
    with open(disk1, "wb") as f:
        f.write(bytes(1 << 20))

    argv = [args.qemu, "-machine", "microvm,acpi=off", "-accel", args.accel, "-m", "256",
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
            "-no-reboot", "-kernel", args.image, "-append", "console=ttyS0",
            "-global", "virtio-mmio.force-legacy=false",
            "-drive", f"id=d0,file={disk0},format=raw,if=none",
            "-device", "virtio-blk-device,drive=d0,serial=cg-disk0",
            "-drive", f"id=d1,file={disk1},format=raw,if=none",
            "-device", "virtio-blk-device,drive=d1,serial=cg-disk1",
            "-netdev", "user,id=n0",
            "-device", "virtio-net-device,netdev=n0,mac=52:54:00:12:34:56",
            "-device", "virtio-balloon-device"]
    print("$ " + " ".join(argv), flush=True)
    transcript = open(args.transcript, "w") if args.transcript else None
    guest = Guest(argv, transcript)
    c = Checks()
    try:
        banner = guest.wait_for("ready", timeout=60)
        c.expect("altovirt conformance guest" in banner, "banner")
        guest.wait_for(PROMPT)

        out = guest.command("help")
        for name in ("help", "info", "devices", "blk", "ticks", "compute", "poweroff"):
            c.expect(any(l.strip().startswith(name) for l in out), f"help lists {name}")

        out = guest.command("info")
        cmdline = next((l for l in out if l.startswith("cmdline: ")), "")
        c.expect("virtio_mmio.device=" in cmdline, "info shows the command line")
        c.expect("ram: 256 MiB" in "\n".join(out), "info: ram: 256 MiB")
        c.expect("entry: 16" in out, "QEMU boots through the real-mode stub (entry: 16)")
        c.expect(any(l.startswith("e820: ") and l.endswith("type=1") for l in out), "e820 lines")
        transports = cmdline.count("virtio_mmio.device=")

        out = guest.command("devices")
        c.expect(len(out) == transports, f"devices: one line per transport ({transports})")
        text = "\n".join(out)
        c.expect(text.count("type=blk") == 2, "two blk devices")
        c.expect("type=net" in text and "mac=52:54:00:12:34:56" in text, "net device with its MAC")
        c.expect("type=balloon" in text, "balloon device")
        c.expect(all("magic=ok version=2" in l for l in out), "magic and version 2")
        c.expect("disk=vda capacity=8192" in text and "disk=vdb capacity=2048" in text,
                 "blk capacities in devices")

        out = guest.command("blk size vda")
        c.expect(field(out, "capacity") == "8192", "blk size vda = 8192 sectors")

        data0 = open(disk0, "rb").read()
        for sector, count in ((0, 8), (100, 200), (8191, 1)):
            out = guest.command(f"blk read vda {sector} {count}")
            want = reference.fnv1a64(data0[sector * SECTOR:(sector + count) * SECTOR])
            c.expect(field(out, "fnv1a64") == f"{want:016x}",
                     f"blk read vda {sector} {count} checksum")

        out = guest.command("blk write vdb 3 5 0x5a")
        written = reference.pattern_bytes(3 * SECTOR, 5 * SECTOR, 0x5A)
        c.expect(field(out, "fnv1a64") == f"{reference.fnv1a64(written):016x}",
                 "blk write checksum")
        out = guest.command("blk flush vdb")
        c.expect(out == ["vdb flush ok"], "blk flush vdb")
        with open(disk1, "rb") as f:
            on_disk = f.read()
        c.expect(on_disk[3 * SECTOR:8 * SECTOR] == written, "pattern on the host file")
        c.expect(on_disk[:3 * SECTOR] == bytes(3 * SECTOR) and
                 on_disk[8 * SECTOR:] == bytes(len(on_disk) - 8 * SECTOR),
                 "nothing else written")
        out = guest.command("blk read vdb 3 5")
        c.expect(field(out, "fnv1a64") == f"{reference.fnv1a64(written):016x}", "read back")

        out = guest.command("blk id vdb")
        c.expect(out == ["vdb id=cg-disk1"], "blk id vdb")
        out = guest.command("blk dump vdb 3")
        c.expect(out[0] == "000: " + " ".join(f"{b:02x}" for b in written[:16]), "blk dump")

        out = guest.command("blk read vda 8190 4")
        c.expect(out == ["error: vda: I/O error (VIRTIO_BLK_S_IOERR)"], "read past the end")
        out = guest.command("blk read vdz 0 1")
        c.expect(out == ["error: vdz: no such disk"], "unknown disk")
        out = guest.command("blk read vda x 1")
        c.expect(out and out[0].startswith("error: "), "bad number")
        out = guest.command("blk reset vda")
        c.expect(out and out[0].startswith("vda reset ok"), "blk reset")

        n = args.compute
        t0 = time.monotonic()
        out = guest.command(f"compute {n}", timeout=600)
        elapsed = time.monotonic() - t0
        want = reference.compute_checksum(n)
        c.expect(out == [f"compute: n={n} checksum={want:016x}"], f"compute {n}")
        print(f"[host] compute {n} took {elapsed:.3f}s", flush=True)

        first = int(field([l.replace(": ", "=") for l in guest.command("ticks")], "ticks"))
        time.sleep(0.5)           # the guest idles at its prompt meanwhile
        second = int(field([l.replace(": ", "=") for l in guest.command("ticks")], "ticks"))
        c.expect(second > first, "ticks advance while the guest idles")

        out = guest.command("frobnicate")
        c.expect(out == ["error: unknown command 'frobnicate' (try help)"], "unknown command")

        guest.proc.stdin.write(b"poweroff\r")
        guest.proc.stdin.flush()
        rc = guest.wait_exit(30)
        c.expect(rc is not None, "poweroff ends QEMU (-no-reboot)")
    except TimeoutError as e:
        c.expect(False, str(e))
    finally:
        guest.kill()
        if transcript:
            transcript.close()
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n[host] {c.passed} checks passed, {len(c.failed)} failed")
    for f in c.failed:
        print(f"[host] FAILED: {f}")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
