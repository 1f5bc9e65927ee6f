/*
 * Port I/O, MMIO and barriers.  MMIO goes through volatile pointers so gcc
 * emits one plain MOV of the right width per access (what KVM's and the
 * emu's MMIO paths decode).
 */
#ifndef IO_H
#define IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t value)
{
    *(volatile uint32_t *)addr = value;
}

static inline uint8_t mmio_read8(uint64_t addr)
{
    return *(volatile uint8_t *)addr;
}

/* x86 keeps stores in order and loads in order (TSO), so the virtio
 * barriers only have to stop the compiler from reordering. */
static inline void barrier(void)
{
    __asm__ volatile("" : : : "memory");
}

static inline void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif
