"""Host-side reference of what the conformance guest computes.

Mirrors src/checksum.c exactly; host tests (Java or Python) recompute these
values to check the guest's output.
"""

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1
FNV1A64_INIT = 0xCBF29CE484222325
FNV1A64_PRIME = 0x100000001B3


def fnv1a64(data: bytes, h: int = FNV1A64_INIT) -> int:
    """FNV-1a 64: for each byte, h ^= byte; h = h * 0x100000001b3 mod 2^64."""
    for b in data:
        h = ((h ^ b) * FNV1A64_PRIME) & MASK64
    return h


def pattern_byte(offset: int, pattern: int) -> int:
    """The byte `blk write` stores at absolute disk byte offset `offset`."""
    x = (((offset ^ pattern) & MASK32) * 2654435761) & MASK32
    return x >> 24


def pattern_bytes(start: int, length: int, pattern: int) -> bytes:
    return bytes(pattern_byte(start + i, pattern) for i in range(length))


def compute_checksum(iterations: int) -> int:
    """`compute N`, line for line as in src/checksum.c."""
    a = 0x243F6A8885A308D3
    b = 0x13198A2E03707344
    h = FNV1A64_INIT
    for i in range(iterations):
        a = (a * 0x5851F42D4C957F2D + 0x14057B7EF767814F) & MASK64
        b ^= a >> 29
        b = ((b << 17) | (b >> 47)) & MASK64
        d = (b & 0xFFFF) | 1
        if a & 0x100:
            b = (b + a // d) & MASK64
        else:
            b = (b - a % d) & MASK64
        x = (a ^ (b >> 32)) & MASK32
        x = (x * 2654435761 + (x >> 13)) & MASK32
        h = ((h ^ ((b + x + i) & MASK64)) * FNV1A64_PRIME) & MASK64
    return h


if __name__ == "__main__":
    import sys
    n = int(sys.argv[1], 0) if len(sys.argv) > 1 else 1000
    print(f"compute: n={n} checksum={compute_checksum(n):016x}")
