#include "bootparams.h"

#include "lib.h"

#define BP_EXT_CMD_LINE_PTR 0x0C8
#define BP_E820_ENTRIES     0x1E8
#define BP_HDR_MAGIC        0x202
#define BP_CMD_LINE_PTR     0x228
#define BP_CMDLINE_SIZE     0x238
#define BP_E820_TABLE       0x2D0
#define E820_MAX            128
#define CMDLINE_MAX         2048

static uint64_t bp_addr;
static char cmdline[CMDLINE_MAX];
static struct e820_entry e820[E820_MAX];
static int e820_count;

static uint32_t read32(uint64_t addr)
{
    return *(const volatile uint32_t *)addr;
}

void bootparams_init(uint64_t boot_params)
{
    bp_addr = boot_params;
    if (!boot_params)
        return;
    uint64_t ptr = read32(boot_params + BP_CMD_LINE_PTR) |
                   (uint64_t)read32(boot_params + BP_EXT_CMD_LINE_PTR) << 32;
    /* Only what our identity map reaches; anything else is a loader bug. */
    if (ptr && ptr < 0x100000000ull) {
        const char *src = (const char *)ptr;
        size_t i = 0;
        while (i < CMDLINE_MAX - 1 && src[i])
            i++;
        memcpy(cmdline, src, i);
        cmdline[i] = '\0';
    }
    int n = *(const volatile uint8_t *)(boot_params + BP_E820_ENTRIES);
    if (n > E820_MAX)
        n = E820_MAX;
    memcpy(e820, (const void *)(boot_params + BP_E820_TABLE), (size_t)n * sizeof(e820[0]));
    e820_count = n;
}

uint64_t bootparams_address(void) { return bp_addr; }
const char *bootparams_cmdline(void) { return cmdline; }
int bootparams_e820_count(void) { return e820_count; }

const struct e820_entry *bootparams_e820(int index)
{
    return index >= 0 && index < e820_count ? &e820[index] : NULL;
}

uint64_t bootparams_ram_bytes(void)
{
    uint64_t total = 0;
    for (int i = 0; i < e820_count; i++)
        if (e820[i].type == E820_RAM)
            total += e820[i].size;
    return total;
}

int cmdline_param(const char *key, int n, char *buf, uint64_t cap)
{
    size_t klen = strlen(key);
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - word) > klen && strncmp(word, key, klen) == 0 && word[klen] == '=') {
            if (n-- > 0)
                continue;
            const char *v = word + klen + 1;
            uint64_t len = (uint64_t)(p - v);
            if (len >= cap)
                len = cap - 1;
            memcpy(buf, v, len);
            buf[len] = '\0';
            return 1;
        }
    }
    return 0;
}
