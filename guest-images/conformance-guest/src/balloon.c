/*
 * virtio-balloon driver (virtio 1.x 5.5) and the `balloon` and `mem`
 * console commands.  The driver starts at boot, as Linux's does, and follows
 * the host's target (config num_pages) whenever the console is idle: it
 * gives the host page frames from the top of RAM down (inflate queue) and
 * takes them back (deflate queue), then reports how many it holds (config
 * actual).  Pages in the balloon are never touched while they are there.
 */
#include "bootparams.h"
#include "commands.h"
#include "console.h"
#include "lib.h"
#include "virtio.h"

#define PAGE_SIZE            4096ul
#define BATCH                256          /* page frame numbers per request */
#define BATCHES_PER_POLL     64           /* 64 MiB, so the console stays responsive */
#define FLOOR_GAP            (4ul << 20) /* kept free above the image */
#define Q_INFLATE            0
#define Q_DEFLATE            1
#define CFG_NUM_PAGES        0
#define CFG_ACTUAL           4
#define F_DEFLATE_ON_OOM     (1ull << 2)

extern char _end[];

static struct virtio_dev dev;
static const struct virtio_transport *transport;
static const char *start_error;
static uint32_t *pfns;
static uint64_t top_pfn;        /* one past the highest RAM page below 4 GiB */
static uint64_t floor_pfn;      /* the balloon never goes below this */
static uint32_t inflated;       /* pages the host holds */

static void find_ram_top(void)
{
    for (int i = 0; i < bootparams_e820_count(); i++) {
        const struct e820_entry *e = bootparams_e820(i);
        uint64_t end = e->addr + e->size;
        if (e->type == 1 && end <= (4ull << 30) && end / PAGE_SIZE > top_pfn)
            top_pfn = end / PAGE_SIZE;
    }
    floor_pfn = (((uint64_t)(uintptr_t)_end + FLOOR_GAP) + PAGE_SIZE - 1) / PAGE_SIZE;
    if (floor_pfn > top_pfn)
        floor_pfn = top_pfn;
}

void balloon_init(void)
{
    for (int i = 0; i < virtio_transport_count(); i++) {
        const struct virtio_transport *t = virtio_transport_at(i);
        if (!virtio_transport_problem(t) && virtio_read(t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BALLOON) {
            transport = t;
            break;
        }
    }
    if (!transport)
        return;
    find_ram_top();
    pfns = alloc_pages(BATCH * sizeof(uint32_t));
    if (!pfns) {
        start_error = "out of memory for the page list";
        return;
    }
    start_error = virtio_dev_start(&dev, transport, F_DEFLATE_ON_OOM, 2);
}

static void report(void)
{
    virtio_write(transport, VIRTIO_MMIO_CONFIG + CFG_ACTUAL, inflated);
}

/* Moves up to BATCHES_PER_POLL batches towards the target, then reports the
 * pages held (once: the host sees one change per step, not one per batch);
 * false on a device error. */
static bool follow_target(void)
{
    uint64_t most = top_pfn - floor_pfn;
    uint32_t before = inflated;
    bool ok = true;
    for (int b = 0; b < BATCHES_PER_POLL; b++) {
        uint64_t target = virtio_config32(transport, CFG_NUM_PAGES);
        if (target > most)
            target = most;
        if (target == inflated)
            break;
        bool grow = target > inflated;
        uint32_t n = grow ? target - inflated : inflated - target;
        if (n > BATCH)
            n = BATCH;
        for (uint32_t i = 0; i < n; i++)   /* the next pages down, or the last ones given */
            pfns[i] = (uint32_t)(top_pfn - 1 - (grow ? inflated + i : inflated - 1 - i));
        struct virtio_buf buf = { pfns, n * sizeof(uint32_t), false };
        uint32_t used;
        const char *why = virtq_exchange(&dev, grow ? Q_INFLATE : Q_DEFLATE, &buf, 1, &used);
        if (why) {
            kprintf("error: balloon: %s\n", why);
            ok = false;
            break;
        }
        inflated = grow ? inflated + n : inflated - n;
    }
    if (inflated != before)
        report();
    return ok;
}

/* The console's idle hook. */
void balloon_poll(void)
{
    if (transport && !start_error && virtio_dev_live(&dev))
        follow_target();
}

void cmd_balloon(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (!transport) {
        kprintf("error: no balloon device\n");
        return;
    }
    if (start_error) {
        kprintf("error: balloon: %s\n", start_error);
        return;
    }
    if (!virtio_dev_live(&dev)) {
        kprintf("error: balloon: the device was reset\n");
        return;
    }
    if (!follow_target())
        return;
    uint32_t target = virtio_config32(transport, CFG_NUM_PAGES);
    kprintf("balloon: target=%u actual=%u pages (%lu MiB), limit %lu pages\n", target, inflated,
            (uint64_t)inflated * PAGE_SIZE >> 20, top_pfn - floor_pfn);
}

/* `mem fill N`: writes N MiB just below the balloon's pages, so they are really in use. */
void cmd_mem(int argc, char **argv)
{
    uint64_t mib;
    if (argc != 3 || strcmp(argv[1], "fill") != 0 || !parse_u64(argv[2], &mib)) {
        kprintf("error: usage: mem fill MIB\n");
        return;
    }
    if (!top_pfn)
        find_ram_top();
    uint64_t end = (top_pfn - inflated) * PAGE_SIZE;
    uint64_t bytes = mib << 20;
    if (bytes > end - floor_pfn * PAGE_SIZE) {
        kprintf("error: mem: only %lu MiB free below the balloon\n", (end - floor_pfn * PAGE_SIZE) >> 20);
        return;
    }
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(end - bytes);
    for (uint64_t i = 0; i < bytes / 8; i += PAGE_SIZE / 8)
        p[i] = 0xA5A5A5A5A5A5A5A5ull ^ i;
    kprintf("mem: filled %lu MiB at 0x%lx\n", mib, end - bytes);
}
