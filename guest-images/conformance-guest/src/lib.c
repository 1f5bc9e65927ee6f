#include "lib.h"

/* Plain loops (the Makefile turns off gcc's loop-to-memset rewriting, which
 * would turn these into calls to themselves). */
void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (uint8_t)*a - (uint8_t)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

size_t scan_u64(const char *s, uint64_t *out)
{
    const char *p = s;
    uint64_t base = 10, value = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
        base = 16;
        p += 2;
    }
    const char *digits = p;
    for (int d; (d = digit_value(*p)) < (int)base; p++) {
        if (value > (UINT64_MAX - (uint64_t)d) / base)
            return 0;
        value = value * base + (uint64_t)d;
    }
    if (p == digits)
        return 0;
    *out = value;
    return (size_t)(p - s);
}

bool parse_u64(const char *s, uint64_t *out)
{
    size_t n = scan_u64(s, out);
    return n != 0 && s[n] == '\0';
}
