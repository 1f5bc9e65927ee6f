/*
 * acpi: reads the ACPI tables the VMM wrote (through boot_params'
 * acpi_rsdp_addr, else a scan of 0xE0000-0xFFFFF), checks every checksum,
 * and uses the FADT's hardware-reduced sleep and reset registers as a Linux
 * guest would: `acpi poweroff` enters S5, `acpi reset` writes the reset
 * value.  Guest RAM below 1 GiB is identity-mapped, so table addresses are
 * pointers.
 */
#include "bootparams.h"
#include "commands.h"
#include "io.h"
#include "lib.h"

#define BP_ACPI_RSDP_ADDR 0x070

/* FADT offsets (ACPI 6.5, 5.2.9). */
#define FADT_FLAGS        112
#define FADT_RESET_REG    116
#define FADT_RESET_VALUE  128
#define FADT_X_DSDT       140
#define FADT_SLEEP_CTL    244
#define FADT_HW_REDUCED   (1u << 20)
#define GAS_SYSTEM_IO     1
#define SLP_EN            0x20

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool sums_to_zero(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += p[i];
    return s == 0;
}

static const uint8_t *find_rsdp(const char **how)
{
    uint64_t given = rd64((const uint8_t *)(bootparams_address() + BP_ACPI_RSDP_ADDR));
    if (given && given < 0x100000 && memcmp((const void *)given, "RSD PTR ", 8) == 0) {
        *how = "boot_params";
        return (const uint8_t *)given;
    }
    for (uint64_t a = 0xE0000; a < 0x100000; a += 16) {
        if (memcmp((const void *)a, "RSD PTR ", 8) == 0) {
            *how = "scan";
            return (const uint8_t *)a;
        }
    }
    return NULL;
}

/* The table with this signature, or NULL; prints a line per table when list is set. */
static const uint8_t *find_table(const char *sig, bool list)
{
    const char *how;
    const uint8_t *rsdp = find_rsdp(&how);
    if (!rsdp || rsdp[15] < 2 || !sums_to_zero(rsdp, 20) || !sums_to_zero(rsdp, 36))
        return NULL;
    const uint8_t *xsdt = (const uint8_t *)rd64(rsdp + 24);
    if (memcmp(xsdt, "XSDT", 4) != 0 || !sums_to_zero(xsdt, rd32(xsdt + 4)))
        return NULL;
    if (list)
        kprintf("acpi: RSDP at 0x%lx (%s), XSDT at 0x%lx\n", (uint64_t)rsdp, how, (uint64_t)xsdt);
    uint32_t n = (rd32(xsdt + 4) - 36) / 8;
    const uint8_t *found = memcmp(sig, "XSDT", 4) == 0 ? xsdt : NULL;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *t = (const uint8_t *)rd64(xsdt + 36 + 8 * i);
        bool ok = sums_to_zero(t, rd32(t + 4));
        if (list)
            kprintf("acpi: %c%c%c%c length %u checksum %s\n", t[0], t[1], t[2], t[3], rd32(t + 4), ok ? "ok" : "BAD");
        if (ok && memcmp(t, sig, 4) == 0)
            found = t;
        if (ok && memcmp(t, "FACP", 4) == 0 && memcmp(sig, "DSDT", 4) == 0)
            found = (const uint8_t *)rd64(t + FADT_X_DSDT);
    }
    return found;
}

static uint32_t count(const uint8_t *t, const char *needle, uint32_t len)
{
    uint32_t c = 0;
    for (uint32_t i = 36; i + len <= rd32(t + 4); i++)
        if (memcmp(t + i, needle, len) == 0)
            c++;
    return c;
}

static void acpi_tables(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (!find_table("XSDT", true)) {
        kprintf("acpi: no tables\n");
        return;
    }
    const uint8_t *fadt = find_table("FACP", false);
    const uint8_t *madt = find_table("APIC", false);
    const uint8_t *dsdt = find_table("DSDT", false);
    if (!fadt || !madt || !dsdt) {
        kprintf("error: FACP, APIC or DSDT missing\n");
        return;
    }
    uint32_t cpus = 0;
    for (uint32_t at = 44; at + 2 <= rd32(madt + 4); at += madt[at + 1]) {
        if (madt[at + 1] == 0)
            break;
        if (madt[at] == 0 && (rd32(madt + at + 4) & 1))
            cpus++;
    }
    kprintf("acpi: DSDT checksum %s\n", sums_to_zero(dsdt, rd32(dsdt + 4)) ? "ok" : "BAD");
    kprintf("acpi: hw-reduced=%s cpus=%u virtio-mmio=%u ged=%u power-button=%u\n",
            (rd32(fadt + FADT_FLAGS) & FADT_HW_REDUCED) ? "yes" : "no", cpus,
            count(dsdt, "LNRO0005", 8), count(dsdt, "ACPI0013", 8), count(dsdt, "\x41\xd0\x0c\x0c", 4));
}

/* A byte-wide I/O port register named by a Generic Address Structure. */
static bool io_register(const uint8_t *gas, uint16_t *port)
{
    if (gas[0] != GAS_SYSTEM_IO)
        return false;
    *port = (uint16_t)rd64(gas + 4);
    return *port != 0;
}

static void acpi_poweroff(int argc, char **argv)
{
    (void)argc, (void)argv;
    const uint8_t *fadt = find_table("FACP", false);
    uint16_t port;
    if (!fadt || !io_register(fadt + FADT_SLEEP_CTL, &port)) {
        kprintf("error: no FADT sleep control register\n");
        return;
    }
    kprintf("acpi: entering S5 through port 0x%x\n", port);
    outb(port, (uint8_t)((5 << 2) | SLP_EN));   /* _S5 is 5 in altovirt's DSDT */
    for (volatile int i = 0; i < 10000000; i++)
        ;
    kprintf("error: still running after S5\n");
}

static void acpi_reset(int argc, char **argv)
{
    (void)argc, (void)argv;
    const uint8_t *fadt = find_table("FACP", false);
    uint16_t port;
    if (!fadt || !io_register(fadt + FADT_RESET_REG, &port)) {
        kprintf("error: no FADT reset register\n");
        return;
    }
    kprintf("acpi: reset through port 0x%x\n", port);
    outb(port, fadt[FADT_RESET_VALUE]);
    for (volatile int i = 0; i < 10000000; i++)
        ;
    kprintf("error: still running after the reset\n");
}

static const struct command acpi_commands[] = {
    { "tables",   "acpi tables",   "find and check the ACPI tables; count CPUs and devices", acpi_tables },
    { "poweroff", "acpi poweroff", "enter S5 through the FADT's sleep control register", acpi_poweroff },
    { "reset",    "acpi reset",    "write the FADT's reset value to its reset register", acpi_reset },
};

void cmd_acpi(int argc, char **argv)
{
    dispatch_subcommand("acpi", acpi_commands, ARRAY_SIZE(acpi_commands), argc, argv);
}
