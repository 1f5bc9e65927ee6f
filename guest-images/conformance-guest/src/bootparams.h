/*
 * What the loader left in boot_params (the "zero page"): the command line
 * and the e820 memory map.  Offsets from Linux's boot protocol.
 */
#ifndef BOOTPARAMS_H
#define BOOTPARAMS_H

#include <stdint.h>

#define E820_RAM 1

struct e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));

/* Copies what the kernel needs out of boot_params (which the loader may
 * place anywhere in low memory) and checks it. */
void bootparams_init(uint64_t boot_params);

uint64_t bootparams_address(void);
const char *bootparams_cmdline(void);      /* never NULL */
int bootparams_e820_count(void);
const struct e820_entry *bootparams_e820(int index);
uint64_t bootparams_ram_bytes(void);       /* sum of type-1 entries */

/* Value of `key=` on the command line, the n-th occurrence (0-based);
 * copied into buf up to the next space.  Returns 0 when absent. */
int cmdline_param(const char *key, int n, char *buf, uint64_t cap);

#endif
