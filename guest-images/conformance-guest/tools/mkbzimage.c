/*
 * mkbzimage: setup.bin + kernel.bin -> bzImage.
 *
 * setup.bin holds the setup header with a few fields left zero; this tool
 * pads it to whole sectors and fills them in: setup_sects, syssize and
 * init_size (read from the image-info block the kernel carries at offset
 * 0x10, see head.S).  It also checks what the boot paths rely on: "HdrS",
 * the boot flag, the 64-bit entry at +0x200.
 *
 * Usage: mkbzimage SETUP.bin KERNEL.bin OUT.bzImage
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR           512
#define SETUP_MAX        0x1000     /* setup.S builds its zero page there */
#define HDR_SETUP_SECTS  0x1F1
#define HDR_SYSSIZE      0x1F4
#define HDR_BOOT_FLAG    0x1FE
#define HDR_MAGIC        0x202
#define HDR_VERSION      0x206
#define HDR_XLOADFLAGS   0x236
#define HDR_INIT_SIZE    0x260
#define INFO_OFFSET      0x10
#define ENTRY64_OFFSET   0x200

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "mkbzimage: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    if (!buf || ferror(f))
        die("cannot read", path);
    fclose(f);
    *len = n;
    return buf;
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

int main(int argc, char **argv)
{
    if (argc != 4)
        die("usage: mkbzimage SETUP.bin KERNEL.bin OUT.bzImage", NULL);
    size_t setup_len, kernel_len;
    uint8_t *setup = slurp(argv[1], &setup_len);
    uint8_t *kernel = slurp(argv[2], &kernel_len);

    if (setup_len < HDR_INIT_SIZE + 8 || setup_len > SETUP_MAX)
        die("setup.bin must be between 0x268 and 0x1000 bytes", argv[1]);
    if (memcmp(setup + HDR_MAGIC, "HdrS", 4) != 0 || get16(setup + HDR_BOOT_FLAG) != 0xAA55)
        die("setup.bin lacks HdrS or the 0xAA55 boot flag", argv[1]);
    if (get16(setup + HDR_VERSION) < 0x020C || !(get16(setup + HDR_XLOADFLAGS) & 1))
        die("setup header must be protocol >= 2.12 with XLF_KERNEL_64", argv[1]);

    if (kernel_len < ENTRY64_OFFSET + 16 || memcmp(kernel + INFO_OFFSET, "AVGI", 4) != 0)
        die("kernel.bin lacks the AVGI image-info block at 0x10", argv[2]);
    uint32_t init_size = get32(kernel + INFO_OFFSET + 8);
    uint32_t entry64 = get32(kernel + INFO_OFFSET + 12);
    uint32_t file_size = get32(kernel + INFO_OFFSET + 16);
    if (entry64 != ENTRY64_OFFSET)
        die("the 64-bit entry is not at +0x200 (head.S layout broken)", argv[2]);
    if (kernel[ENTRY64_OFFSET] != 0xFA)
        die("the byte at +0x200 is not the entry's cli", argv[2]);
    if (file_size != kernel_len)
        die("kernel.bin size differs from _edata - load address", argv[2]);

    /* setup_sects counts the sectors after the boot sector; 0 means 4. */
    size_t sects = (setup_len + SECTOR - 1) / SECTOR - 1;
    if (sects < 4)
        sects = 4;
    size_t setup_size = (sects + 1) * SECTOR;
    if (setup_size > SETUP_MAX)
        die("setup sectors overlap the zero page setup.S builds at 0x1000", argv[1]);
    /* syssize counts 16-byte paragraphs: pad the image to whole paragraphs, as Linux's own
     * build does, so that a loader trusting syssize finds every byte it names. */
    size_t padded_len = (kernel_len + 15) & ~(size_t)15;
    uint8_t *out = calloc(1, setup_size + padded_len);
    if (!out)
        die("out of memory", NULL);
    memcpy(out, setup, setup_len);
    memcpy(out + setup_size, kernel, kernel_len);
    out[HDR_SETUP_SECTS] = (uint8_t)sects;
    put32(out + HDR_SYSSIZE, (uint32_t)(padded_len / 16));
    if (init_size < kernel_len)
        init_size = (uint32_t)kernel_len;
    put32(out + HDR_INIT_SIZE, (init_size + 4095) & ~4095u);

    FILE *f = fopen(argv[3], "wb");
    if (!f || fwrite(out, 1, setup_size + padded_len, f) != setup_size + padded_len || fclose(f) != 0)
        die("cannot write", argv[3]);
    printf("mkbzimage: %s: setup %zu sectors, kernel %zu bytes, init_size 0x%x\n", argv[3],
           sects, kernel_len, (init_size + 4095) & ~4095u);
    return 0;
}
