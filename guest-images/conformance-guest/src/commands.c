#include "commands.h"

#include "bootparams.h"
#include "checksum.h"
#include "console.h"
#include "io.h"
#include "layout.h"
#include "lib.h"
#include "virtio.h"

#define MAX_ARGS 16

extern uint32_t boot_entry_path;

static void cmd_help(int argc, char **argv);

static void cmd_info(int argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf("version: altovirt conformance guest %s\n", GUEST_VERSION);
    kprintf("entry: %u\n", boot_entry_path);
    kprintf("boot_params: 0x%lx\n", bootparams_address());
    kprintf("cmdline: %s\n", bootparams_cmdline());
    int n = bootparams_e820_count();
    for (int i = 0; i < n; i++) {
        const struct e820_entry *e = bootparams_e820(i);
        kprintf("e820: 0x%016lx-0x%016lx type=%u\n", e->addr, e->addr + e->size - 1, e->type);
    }
    uint64_t ram = bootparams_ram_bytes();
    kprintf("ram: %lu MiB (%lu bytes)\n", (ram + (1u << 20) - 1) >> 20, ram);
}

static void print_device_details(const struct virtio_transport *t, uint32_t id)
{
    switch (id) {
    case VIRTIO_ID_BLK: {
        char name[4];
        uint64_t sectors = virtio_config64(t, 0);
        if (blk_name_of(t->index, name))
            kprintf(" disk=%s", name);
        kprintf(" capacity=%lu mib=%lu", sectors, sectors / 2048);
        break;
    }
    case VIRTIO_ID_NET:
        kprintf(" mac=%02x:%02x:%02x:%02x:%02x:%02x", virtio_config8(t, 0),
                virtio_config8(t, 1), virtio_config8(t, 2), virtio_config8(t, 3),
                virtio_config8(t, 4), virtio_config8(t, 5));
        break;
    case VIRTIO_ID_BALLOON:
        kprintf(" num_pages=%u actual=%u", virtio_config32(t, 0), virtio_config32(t, 4));
        break;
    }
}

static void cmd_devices(int argc, char **argv)
{
    (void)argc, (void)argv;
    int n = virtio_transport_count();
    if (n == 0) {
        kprintf("no virtio-mmio transports on the command line\n");
        return;
    }
    for (int i = 0; i < n; i++) {
        const struct virtio_transport *t = virtio_transport_at(i);
        kprintf("virtio%d base=0x%lx size=0x%lx irq=%u", i, t->base, t->size, t->irq);
        const char *problem = virtio_transport_problem(t);
        if (problem && virtio_read(t, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE) {
            kprintf(" magic=bad error=\"%s\"\n", problem);
            continue;
        }
        uint32_t id = virtio_read(t, VIRTIO_MMIO_DEVICE_ID);
        kprintf(" magic=ok version=%u id=%u type=%s vendor=0x%x status=0x%x",
                virtio_read(t, VIRTIO_MMIO_VERSION), id, virtio_device_name(id),
                virtio_read(t, VIRTIO_MMIO_VENDOR_ID), virtio_read(t, VIRTIO_MMIO_STATUS));
        if (problem)
            kprintf(" error=\"%s\"", problem);
        else
            print_device_details(t, id);
        kprintf("\n");
    }
}

static void cmd_ticks(int argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf("ticks: %lu\n", console_ticks());
}

static void cmd_compute(int argc, char **argv)
{
    uint64_t n;
    if (argc != 2 || !parse_u64(argv[1], &n)) {
        kprintf("error: usage: compute N (N decimal or 0x hex)\n");
        return;
    }
    kprintf("compute: n=%lu checksum=%016lx\n", n, compute_checksum(n));
}

static void cmd_poweroff(int argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf("poweroff: i8042 reset\n");
    outb(0x64, 0xFE);                     /* i8042: pulse the CPU reset line */
    /* No i8042 (QEMU's microvm has none): force a triple fault instead. */
    for (volatile int i = 0; i < 1000000; i++)
        ;
    kprintf("poweroff: no i8042 reset, forcing a triple fault\n");
    static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) no_idt = { 0, 0 };
    __asm__ volatile("lidt %0; int3" : : "m"(no_idt));
    halt_forever();
}

static const struct command commands[] = {
    { "help",     "help",                "list the commands", cmd_help },
    { "info",     "info",                "boot path, command line, e820 map, RAM", cmd_info },
    { "devices",  "devices",             "virtio-mmio transports and their devices", cmd_devices },
    { "blk",      "blk size|read|write|flush|id|dump|reset vdX ...", "virtio-blk requests", cmd_blk },
    { "net",      "net status|ping ethN ...", "NIC link and MAC; ping the host end of its tap", cmd_net },
    { "irq",      "irq timer N | irq blk vdX", "take interrupts: N LAPIC timer ticks, or a disk's through the IOAPIC", cmd_irq },
    { "balloon",  "balloon",             "follow the balloon's target now and show it", cmd_balloon },
    { "mem",      "mem fill MIB",        "write MIB MiB of RAM below the balloon's pages", cmd_mem },
    { "ticks",    "ticks",               "input-poll iterations so far (advance only while running)", cmd_ticks },
    { "compute",  "compute N",           "N rounds of integer work, print a checksum", cmd_compute },
    { "acpi",     "acpi tables|poweroff|reset", "the ACPI tables; S5 and reset through the FADT's registers", cmd_acpi },
    { "poweroff", "poweroff",            "reset through the i8042 (ends the VM)", cmd_poweroff },
};

static void print_table(const struct command *table, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kprintf("  %-48s %s\n", table[i].usage, table[i].help);
}

static void cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    print_table(commands, ARRAY_SIZE(commands));
}

static const struct command *find(const struct command *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

void dispatch_subcommand(const char *group, const struct command *table, size_t n,
                         int argc, char **argv)
{
    const struct command *c = argc >= 2 ? find(table, n, argv[1]) : NULL;
    if (!c) {
        if (argc >= 2)
            kprintf("error: unknown %s subcommand '%s'\n", group, argv[1]);
        else
            kprintf("error: %s needs a subcommand\n", group);
        print_table(table, n);
        return;
    }
    c->run(argc, argv);
}

void run_command_line(char *line)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        if (argc == MAX_ARGS) {
            kprintf("error: more than %d words\n", MAX_ARGS);
            return;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    argv[argc] = NULL;
    if (argc == 0)
        return;
    const struct command *c = find(commands, ARRAY_SIZE(commands), argv[0]);
    if (!c) {
        kprintf("error: unknown command '%s' (try help)\n", argv[0]);
        return;
    }
    c->run(argc, argv);
}
