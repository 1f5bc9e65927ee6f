/*
 * Freestanding C that the emu tests run both natively and as a guest (gcc -O2 -ffreestanding
 * -mgeneral-regs-only): checksums, sorting, division, recursion, a jump table, string and memory
 * functions (memcpy/memset through REP MOVSB/STOSB), 128-bit multiplication and bit tricks.
 * entry() fills results[]; the native build prints them, the guest's are read from its memory.
 */
#include <stdint.h>

typedef uint64_t u64;
typedef int64_t i64;
typedef uint32_t u32;
typedef int32_t i32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef unsigned long size_t;

#define NRESULTS 40
u64 results[NRESULTS];

void *memcpy(void *d, const void *s, size_t n) {
    void *r = d;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return r;
}

void *memset(void *d, int c, size_t n) {
    void *r = d;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return r;
}

void *memmove(void *d, const void *s, size_t n) {
    if ((uintptr_t) d <= (uintptr_t) s || (uintptr_t) d >= (uintptr_t) s + n) {
        return memcpy(d, s, n);
    }
    void *r = d;
    const u8 *se = (const u8 *) s + n - 1;
    u8 *de = (u8 *) d + n - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(de), "+S"(se), "+c"(n) : : "memory");
    return r;
}

int memcmp(const void *a, const void *b, size_t n) {
    const u8 *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

static size_t my_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static u64 rng;

static u64 next(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 17;
}

static u8 buf[4096];
static i32 arr[600];

static u32 adler32(const u8 *p, size_t n) {
    u32 a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return b << 16 | a;
}

static u32 crc32(const u8 *p, size_t n) {
    u32 c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
        }
    }
    return ~c;
}

static void quicksort(i32 *a, int lo, int hi) {
    while (lo < hi) {
        i32 p = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) {
                i32 t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static u64 gcd(u64 a, u64 b) {
    while (b) {
        u64 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static u64 divisions(void) {
    u64 acc = 0;
    for (int i = 1; i < 300; i++) {
        u64 x = next() << 20 | next();
        u64 y = (next() % 100000) + 1;
        i64 sx = (i64) x - (i64) (next() << 30);
        i64 sy = (i64) ((next() % 2000) + 1) - 1000;
        if (sy == 0) sy = 7;
        u32 x32 = (u32) x, y32 = (u32) y;
        i32 s32 = (i32) sx, t32 = (i32) sy;
        acc += x / y + x % y;
        acc ^= (u64) (sx / sy) + (u64) (sx % sy);
        acc += x32 / y32 + x32 % y32;
        acc ^= (u64) (i64) (s32 / t32) + (u64) (i64) (s32 % t32);
        acc += gcd(x, y * 6);
        acc = (acc << 7) | (acc >> 57);
    }
    return acc;
}

static int fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) int classify(int c) {
    switch (c) {
        case 0: return 17;
        case 1: return 4;
        case 2: return 99;
        case 3: return -5;
        case 4: return 1234;
        case 5: return 8;
        case 6: return 71;
        case 7: return -300;
        case 8: return 2;
        case 9: return 55;
        default: return c * 3;
    }
}

struct big {
    u64 a[12];
    u32 tag;
};

static __attribute__((noinline)) struct big make_big(u64 seed) {
    struct big b;
    for (int i = 0; i < 12; i++) {
        b.a[i] = seed * (i + 1);
    }
    b.tag = (u32) seed;
    return b;
}

static u64 (*volatile ops[3])(u64, u64);

static u64 op_add(u64 a, u64 b) { return a + b; }
static u64 op_mul(u64 a, u64 b) { return a * b; }
static u64 op_xor(u64 a, u64 b) { return a ^ b; }

void entry(void) {
    rng = 12345;
    for (int i = 0; i < (int) sizeof buf; i++) {
        buf[i] = (u8) next();
    }
    results[0] = adler32(buf, sizeof buf);
    results[1] = crc32(buf, 1024);

    for (int i = 0; i < 600; i++) {
        arr[i] = (i32) next() - (1 << 20);
    }
    quicksort(arr, 0, 599);
    u64 h = 0;
    int sorted = 1;
    for (int i = 0; i < 600; i++) {
        h = h * 31 + (u32) arr[i];
        if (i > 0 && arr[i - 1] > arr[i]) sorted = 0;
    }
    results[2] = h;
    results[3] = sorted;

    results[4] = divisions();
    results[5] = fib(20);

    int sum = 0;
    for (int i = 0; i < 50; i++) {
        sum = sum * 3 + classify(i % 13);
    }
    results[6] = (u64) (i64) sum;

    static char text[256];
    static char copy[256];
    const char *hello = "The quick brown fox jumps over the lazy dog";
    size_t n = my_strlen(hello);
    memcpy(text, hello, n + 1);
    memset(copy, 'x', sizeof copy);
    memcpy(copy + 3, text, n);
    memmove(copy + 10, copy + 3, 20);
    memmove(copy + 1, copy + 5, 30);
    results[7] = n;
    results[8] = (u64) (i64) memcmp(copy, text, 40);
    u64 ch = 0;
    for (int i = 0; i < 256; i++) {
        ch = ch * 131 + (u8) copy[i];
    }
    results[9] = ch;

    struct big b = make_big(0x9E3779B97F4A7C15ULL);
    struct big c2 = b;
    c2.a[3] ^= 1;
    results[10] = b.a[11] ^ c2.a[3] ^ c2.tag;

    unsigned __int128 wide = (unsigned __int128) 0xFEDCBA9876543210ULL * 0x123456789ABCDEF1ULL;
    results[11] = (u64) (wide >> 64);
    results[12] = (u64) wide;
    __int128 swide = (__int128) (i64) -0x123456789ABCDEFLL * (i64) 0x7FFFFFFFFFFFLL;
    results[13] = (u64) (swide >> 64);

    u64 bits = 0;
    for (int i = 0; i < 64; i++) {
        u64 v = next() | 1ULL << (i % 63);
        bits += (u64) __builtin_ctzll(v) * 7 + (u64) __builtin_clzll(v) + (u64) __builtin_ctz((u32) v | 0x80000000u);
        bits ^= __builtin_bswap64(v) >> (i & 31);
        bits = (bits << (i & 63)) | (bits >> ((64 - (i & 63)) & 63));
    }
    results[14] = bits;

    ops[0] = op_add;
    ops[1] = op_mul;
    ops[2] = op_xor;
    u64 f = 1;
    for (int i = 0; i < 30; i++) {
        f = ops[i % 3](f, next());
    }
    results[15] = f;

    i64 m = 0;
    for (int i = -50; i < 50; i++) {
        i64 v = (i64) next() - (1LL << 45);
        m += (v >> (i & 15)) + (i < 0 ? -v : v) / 3 + (v > m ? 1 : -1);
        u16 w = (u16) v;
        m += (u16) (w * 3 + (w >> 3)) + (int8_t) (v >> 8);
    }
    results[16] = (u64) m;
}

#ifdef NATIVE
#include <stdio.h>
int main(void) {
    entry();
    for (int i = 0; i < NRESULTS; i++) {
        printf("%016llx\n", (unsigned long long) results[i]);
    }
    return 0;
}
#endif
