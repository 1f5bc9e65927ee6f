/*
 * The few C library pieces a freestanding kernel needs.
 */
#ifndef LIB_H
#define LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* A number as the console takes it: decimal or 0x-prefixed hex, the
 * whole string.  Returns false on anything else or on overflow. */
bool parse_u64(const char *s, uint64_t *out);

/* Like parse_u64 but stops at the first character that is not part of the
 * number; returns the number of characters consumed (0: none). */
size_t scan_u64(const char *s, uint64_t *out);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
