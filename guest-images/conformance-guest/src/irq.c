/*
 * The `irq` command: interrupts taken for real, so the accelerator's
 * interrupt path is tested from inside.  `irq timer N` runs the local APIC
 * timer periodically on vector 0x40 and halts until N ticks came; `irq blk
 * vdX` routes the disk's IRQ through the I/O APIC to vector 0x41, does one
 * read and takes the completion interrupt.  Stubs in head.S count each
 * vector and write the APIC's EOI.
 */
#include "commands.h"
#include "console.h"
#include "io.h"
#include "lib.h"

#define LAPIC           0xFEE00000ull
#define IOAPIC          0xFEC00000ull
#define APIC_ID         0x20
#define APIC_SVR        0xF0
#define APIC_LVT_TIMER  0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_DIV  0x3E0
#define LVT_MASKED      (1u << 16)
#define LVT_PERIODIC    (1u << 17)
#define VEC_TIMER       0x40
#define VEC_DEVICE      0x41
#define WAIT_TSC        (8ull << 30)

volatile uint64_t irq_counts[256];
void irq_64(void);
void irq_65(void);

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static uint32_t lapic_read(uint32_t reg) { return mmio_read32(LAPIC + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(LAPIC + reg, v); }

static void ioapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(IOAPIC, reg);
    mmio_write32(IOAPIC + 0x10, v);
}

/* Halts with interrupts on until `count` reaches `want` (or the time is up). */
static bool wait_for(volatile uint64_t *count, uint64_t want)
{
    uint64_t start = rdtsc();
    while (*count < want) {
        if (rdtsc() - start > WAIT_TSC)
            return false;
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    return true;
}

/* The 8259s stay out of it: masked, as Linux does once it uses the APICs (under KVM the PIC
 * would otherwise deliver a device's IRQ through LINT0 at its reset vector base, 0). */
static void mask_pics(void)
{
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
}

static void irq_timer(uint64_t n)
{
    mask_pics();
    idt_set(VEC_TIMER, (uint64_t)(uintptr_t)irq_64);
    uint64_t before = irq_counts[VEC_TIMER];
    lapic_write(APIC_SVR, 0x1FF);                       /* enabled, spurious vector 0xFF */
    lapic_write(APIC_TIMER_DIV, 0xB);                   /* divide by 1 */
    lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
    lapic_write(APIC_TIMER_INIT, 1000000);              /* 1 ms at the 1 GHz APIC bus */
    uint64_t t0 = rdtsc();
    bool ok = wait_for(&irq_counts[VEC_TIMER], before + n);
    lapic_write(APIC_LVT_TIMER, LVT_MASKED);
    lapic_write(APIC_TIMER_INIT, 0);
    if (!ok) {
        kprintf("error: irq: %lu of %lu timer interrupts came\n", irq_counts[VEC_TIMER] - before, n);
        return;
    }
    kprintf("irq: %lu timer interrupts on vector 0x%x (apic id %u, %lu TSC ticks)\n", n, VEC_TIMER,
            lapic_read(APIC_ID) >> 24, rdtsc() - t0);
}

static void irq_blk(const char *name)
{
    mask_pics();
    idt_set(VEC_DEVICE, (uint64_t)(uintptr_t)irq_65);
    lapic_write(APIC_SVR, 0x1FF);
    uint64_t before = irq_counts[VEC_DEVICE];
    uint32_t irq = 0;
    /* The transport's IRQ comes from the command line: look it up by doing the request with
     * the pin masked first, then route it and do another. */
    if (!blk_read_once(name, &irq))
        return;
    ioapic_write(0x10 + 2 * irq + 1, (lapic_read(APIC_ID) >> 24) << 24);  /* destination */
    ioapic_write(0x10 + 2 * irq, VEC_DEVICE);           /* fixed, physical, edge, unmasked */
    bool ok = blk_read_once(name, &irq) && wait_for(&irq_counts[VEC_DEVICE], before + 1);
    ioapic_write(0x10 + 2 * irq, LVT_MASKED);           /* masked again */
    if (!ok) {
        kprintf("error: irq: no completion interrupt from %s (irq %u)\n", name, irq);
        return;
    }
    kprintf("irq: %s completion interrupt on vector 0x%x (irq %u)\n", name, VEC_DEVICE, irq);
}

void cmd_irq(int argc, char **argv)
{
    uint64_t n;
    if (argc == 3 && strcmp(argv[1], "timer") == 0 && parse_u64(argv[2], &n) && n > 0 && n <= 100000) {
        irq_timer(n);
        return;
    }
    if (argc == 3 && strcmp(argv[1], "blk") == 0) {
        irq_blk(argv[2]);
        return;
    }
    kprintf("error: usage: irq timer N | irq blk vdX\n");
}
