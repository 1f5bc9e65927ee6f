#include "checksum.h"

uint64_t fnv1a64(uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n--) {
        h ^= *p++;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Reference implementation of `compute`; test/reference.py mirrors it line
 * for line.  Any change here changes every recorded checksum. */
uint64_t compute_checksum(uint64_t iterations)
{
    uint64_t a = 0x243F6A8885A308D3ull;
    uint64_t b = 0x13198A2E03707344ull;
    uint64_t h = FNV1A64_INIT;
    for (uint64_t i = 0; i < iterations; i++) {
        a = a * 0x5851F42D4C957F2Dull + 0x14057B7EF767814Full;
        b ^= a >> 29;
        b = (b << 17) | (b >> 47);
        uint64_t d = (b & 0xFFFF) | 1;
        if (a & 0x100)
            b += a / d;
        else
            b -= a % d;
        uint32_t x = (uint32_t)a ^ (uint32_t)(b >> 32);
        x = x * 2654435761u + (x >> 13);
        h = (h ^ (b + x + i)) * 0x100000001b3ull;
    }
    return h;
}
