/*
 * The checksum and fill pattern the host tests recompute (README.md
 * documents both exactly).
 */
#ifndef CHECKSUM_H
#define CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_INIT  0xcbf29ce484222325ull

/* FNV-1a, 64 bits: for each byte, h ^= byte; h *= 0x100000001b3. */
uint64_t fnv1a64(uint64_t h, const void *data, size_t n);

/* The byte `blk write` stores at absolute disk byte offset `offset`:
 * bits 31..24 of ((offset ^ pattern) mod 2^32) * 2654435761 mod 2^32. */
static inline uint8_t pattern_byte(uint64_t offset, uint32_t pattern)
{
    uint32_t x = ((uint32_t)offset ^ pattern) * 2654435761u;
    return (uint8_t)(x >> 24);
}

/* `compute N`: a deterministic integer workload (multiply, xor, shift,
 * rotate, divide, branch); returns its checksum. */
uint64_t compute_checksum(uint64_t iterations);

#endif
