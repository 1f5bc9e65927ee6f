/*
 * kmain and the machine setup done in C: page tables, exception table.
 */
#include "bootparams.h"
#include "commands.h"
#include "console.h"
#include "io.h"
#include "layout.h"
#include "lib.h"
#include "virtio.h"

#define LINE_MAX 256

extern uint64_t pml4[512], pdpt[512], pd[4 * 512];
extern const uint64_t exception_stubs[32];
extern uint32_t boot_entry_path;

void kmain(uint64_t boot_params);
void build_page_tables(void);
void install_idt(void);
void exception_report(const uint64_t *frame);

/* Identity map of 0-4 GiB in 2 MiB pages, the same tables head.S builds on
 * the 32-bit path (64-bit path only: runs on the loader's tables).  The top
 * GiB holds the MMIO windows: uncached. */
void build_page_tables(void)
{
    for (int i = 0; i < 512; i++) {
        pml4[i] = 0;
        pdpt[i] = 0;
    }
    pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W;
    for (int i = 0; i < 4; i++)
        pdpt[i] = (uint64_t)(uintptr_t)&pd[i * 512] | PTE_P | PTE_W;
    for (uint64_t i = 0; i < 2048; i++)
        pd[i] = i << 21 | PTE_P | PTE_W | PTE_PS | (i >= MMIO_FIRST_2M ? PTE_PWT | PTE_PCD : 0);
}

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));

/* An interrupt gate for `vector` (the exceptions' are set at boot). */
void idt_set(int vector, uint64_t handler)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    idt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)handler,
        .selector = cs,
        .type_attr = 0x8E,
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
    };
}

/* Exceptions print a report instead of triple-faulting silently. */
void install_idt(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    (void)cs;
    for (int i = 0; i < 32; i++)
        idt_set(i, exception_stubs[i]);     /* present, DPL 0, interrupt gate */
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) desc = {
        sizeof(idt) - 1, (uint64_t)(uintptr_t)idt
    };
    __asm__ volatile("lidt %0" : : "m"(desc));
}

void exception_report(const uint64_t *frame)
{
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    kprintf("\nFATAL: exception %lu error=0x%lx rip=0x%lx cs=0x%lx rflags=0x%lx rsp=0x%lx cr2=0x%lx\n",
            frame[0], frame[1], frame[2], frame[3], frame[4], frame[5], cr2);
    halt_forever();
}

void kmain(uint64_t boot_params)
{
    uart_init();
    bootparams_init(boot_params);
    kprintf("\naltovirt conformance guest %s\n", GUEST_VERSION);
    kprintf("boot: entry=%u boot_params=0x%lx transports=%d\n", boot_entry_path, boot_params,
            virtio_transport_count());
    balloon_init();
    console_set_idle(balloon_poll);
    kprintf("ready\n");
    static char line[LINE_MAX];
    for (;;) {
        console_puts("altovirt-guest> ");
        console_readline(line, sizeof(line));
        run_command_line(line);
    }
}
