#include "virtio.h"

#include "bootparams.h"
#include "io.h"
#include "lib.h"

#define QUEUE_SIZE_MAX   16
#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2
/* The polling loop gives up after this many looks at the used ring.  Even
 * an interpreter gets through this many in well over ten seconds. */
#define USED_POLL_LIMIT  (1ull << 31)
#define MAPPED_LIMIT     0x100000000ull    /* our page tables map 4 GiB */
#define ARENA_BYTES      (512u * 1024u)

static struct virtio_transport transports[VIRTIO_MAX_TRANSPORTS];
static int transport_count = -1;

static uint8_t arena[ARENA_BYTES] __attribute__((aligned(4096)));
static uint64_t arena_used;

void *alloc_pages(uint64_t bytes)
{
    uint64_t rounded = (bytes + 4095) & ~4095ull;
    if (rounded > ARENA_BYTES - arena_used)
        return NULL;
    void *p = arena + arena_used;
    arena_used += rounded;
    return p;
}

/* Linux's memparse: a number with an optional K, M or G suffix. */
static size_t scan_size(const char *s, uint64_t *out)
{
    size_t n = scan_u64(s, out);
    if (!n)
        return 0;
    switch (s[n]) {
    case 'G': case 'g': *out <<= 10; /* fall through */
    case 'M': case 'm': *out <<= 10; /* fall through */
    case 'K': case 'k': *out <<= 10; n++;
    }
    return n;
}

/* "<size>@<base>:<irq>[:<id>]" */
static bool parse_device(const char *s, struct virtio_transport *t)
{
    size_t n = scan_size(s, &t->size);
    if (!n || s[n] != '@')
        return false;
    s += n + 1;
    if (!(n = scan_u64(s, &t->base)) || s[n] != ':')
        return false;
    s += n + 1;
    uint64_t irq;
    if (!(n = scan_u64(s, &irq)) || (s[n] != '\0' && s[n] != ':') || irq > 0xFFFFFFFFu)
        return false;
    t->irq = (uint32_t)irq;
    return true;
}

void virtio_discover(void)
{
    if (transport_count >= 0)
        return;
    transport_count = 0;
    char value[128];
    for (int i = 0; transport_count < VIRTIO_MAX_TRANSPORTS &&
                    cmdline_param("virtio_mmio.device", i, value, sizeof(value)); i++) {
        struct virtio_transport *t = &transports[transport_count];
        if (parse_device(value, t)) {
            t->index = transport_count++;
        }
    }
}

int virtio_transport_count(void)
{
    virtio_discover();
    return transport_count;
}

const struct virtio_transport *virtio_transport_at(int index)
{
    virtio_discover();
    return index >= 0 && index < transport_count ? &transports[index] : NULL;
}

const char *virtio_device_name(uint32_t device_id)
{
    switch (device_id) {
    case 0: return "none";
    case VIRTIO_ID_NET: return "net";
    case VIRTIO_ID_BLK: return "blk";
    case 3: return "console";
    case 4: return "rng";
    case VIRTIO_ID_BALLOON: return "balloon";
    case 16: return "gpu";
    case 18: return "input";
    case 19: return "vsock";
    default: return "other";
    }
}

const char *virtio_transport_problem(const struct virtio_transport *t)
{
    if (t->size < VIRTIO_MMIO_CONFIG || t->base + t->size > MAPPED_LIMIT || t->base + t->size < t->base)
        return "window outside the mapped 4 GiB or too small";
    if (virtio_read(t, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE)
        return "bad magic";
    uint32_t version = virtio_read(t, VIRTIO_MMIO_VERSION);
    if (version == 1)
        return "legacy virtio-mmio (version 1) is not supported";
    if (version != 2)
        return "unknown virtio-mmio version";
    return NULL;
}

uint32_t virtio_read(const struct virtio_transport *t, uint32_t reg)
{
    return mmio_read32(t->base + reg);
}

void virtio_write(const struct virtio_transport *t, uint32_t reg, uint32_t value)
{
    mmio_write32(t->base + reg, value);
}

uint8_t virtio_config8(const struct virtio_transport *t, uint32_t offset)
{
    return mmio_read8(t->base + VIRTIO_MMIO_CONFIG + offset);
}

uint32_t virtio_config32(const struct virtio_transport *t, uint32_t offset)
{
    return mmio_read32(t->base + VIRTIO_MMIO_CONFIG + offset);
}

uint64_t virtio_config64(const struct virtio_transport *t, uint32_t offset)
{
    uint32_t gen, lo, hi;
    do {
        gen = virtio_read(t, VIRTIO_MMIO_CONFIG_GENERATION);
        lo = virtio_config32(t, offset);
        hi = virtio_config32(t, offset + 4);
    } while (gen != virtio_read(t, VIRTIO_MMIO_CONFIG_GENERATION));
    return (uint64_t)hi << 32 | lo;
}

static void write64(const struct virtio_transport *t, uint32_t reg_low, uint64_t value)
{
    virtio_write(t, reg_low, (uint32_t)value);
    virtio_write(t, reg_low + 4, (uint32_t)(value >> 32));
}

static const char *fail(struct virtio_dev *d, const char *why)
{
    virtio_write(d->t, VIRTIO_MMIO_STATUS,
                 virtio_read(d->t, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FAILED);
    d->started = false;
    return why;
}

static const char *setup_queue(struct virtio_dev *d, int qi)
{
    const struct virtio_transport *t = d->t;
    struct virtq *q = &d->q[qi];
    virtio_write(t, VIRTIO_MMIO_QUEUE_SEL, (uint32_t)qi);
    if (virtio_read(t, VIRTIO_MMIO_QUEUE_READY))
        return "queue already ready after reset";
    uint32_t max = virtio_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0)
        return "queue not available (QueueNumMax 0)";
    uint16_t num = QUEUE_SIZE_MAX;
    while (num > max)
        num >>= 1;                      /* split rings want a power of 2 */
    /* One page per queue: descriptors, then avail at +256, used at +512. */
    if (!q->desc) {
        uint8_t *page = alloc_pages(4096);
        if (!page)
            return "out of queue memory";
        q->desc = (struct vring_desc *)page;
        q->avail = (volatile uint16_t *)(page + 256);
        q->used = page + 512;
    }
    memset(q->desc, 0, 4096);
    q->num = num;
    q->avail_idx = 0;
    q->last_used = 0;
    virtio_write(t, VIRTIO_MMIO_QUEUE_NUM, num);
    write64(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint64_t)(uintptr_t)q->desc);
    write64(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint64_t)(uintptr_t)q->avail);
    write64(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint64_t)(uintptr_t)q->used);
    virtio_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
    return NULL;
}

const char *virtio_dev_start(struct virtio_dev *d, const struct virtio_transport *t,
                             uint64_t wanted, int nqueues)
{
    const char *problem = virtio_transport_problem(t);
    if (problem)
        return problem;
    if (nqueues > VIRTIO_MAX_QUEUES)
        return "too many queues";
    d->t = t;
    d->started = false;
    d->nqueues = nqueues;

    virtio_write(t, VIRTIO_MMIO_STATUS, 0);
    for (int i = 0; virtio_read(t, VIRTIO_MMIO_STATUS) != 0; i++)
        if (i > 1000000)
            return "device does not reset";
    uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE;
    virtio_write(t, VIRTIO_MMIO_STATUS, status);
    status |= VIRTIO_STATUS_DRIVER;
    virtio_write(t, VIRTIO_MMIO_STATUS, status);

    virtio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t offered = virtio_read(t, VIRTIO_MMIO_DEVICE_FEATURES);
    virtio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    offered |= (uint64_t)virtio_read(t, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    if (!(offered & VIRTIO_F_VERSION_1))
        return fail(d, "device does not offer VIRTIO_F_VERSION_1");
    d->features = (wanted & offered) | VIRTIO_F_VERSION_1;
    virtio_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
    virtio_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    virtio_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
    status |= VIRTIO_STATUS_FEATURES_OK;
    virtio_write(t, VIRTIO_MMIO_STATUS, status);
    if (!(virtio_read(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
        return fail(d, "device refused the features (FEATURES_OK did not stick)");

    for (int qi = 0; qi < nqueues; qi++) {
        const char *why = setup_queue(d, qi);
        if (why)
            return fail(d, why);
    }
    status |= VIRTIO_STATUS_DRIVER_OK;
    virtio_write(t, VIRTIO_MMIO_STATUS, status);
    if (virtio_read(t, VIRTIO_MMIO_STATUS) & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED))
        return fail(d, "device needs reset right after DRIVER_OK");
    d->started = true;
    return NULL;
}

bool virtio_dev_live(const struct virtio_dev *d)
{
    if (!d->started)
        return false;
    uint32_t status = virtio_read(d->t, VIRTIO_MMIO_STATUS);
    return (status & VIRTIO_STATUS_DRIVER_OK) &&
           !(status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

const char *virtq_exchange(struct virtio_dev *d, int qi, const struct virtio_buf *bufs,
                           int n, uint32_t *used_len)
{
    if (qi < 0 || qi >= d->nqueues)
        return "no such queue";
    struct virtq *q = &d->q[qi];
    if (n < 1 || n > q->num)
        return "chain longer than the queue";
    /* One request in flight at a time: the chain always starts at 0. */
    for (int i = 0; i < n; i++) {
        q->desc[i].addr = (uint64_t)(uintptr_t)bufs[i].addr;
        q->desc[i].len = bufs[i].len;
        q->desc[i].flags = (uint16_t)((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
                                      (bufs[i].device_writes ? VRING_DESC_F_WRITE : 0));
        q->desc[i].next = (uint16_t)(i + 1 < n ? i + 1 : 0);
    }
    q->avail[2 + (q->avail_idx & (q->num - 1))] = 0;    /* ring[idx]: head 0 */
    barrier();                                  /* ring entry before idx */
    q->avail_idx++;
    q->avail[1] = q->avail_idx;
    barrier();                                  /* idx before the notify */
    virtio_write(d->t, VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)qi);

    volatile uint16_t *used_idx = (volatile uint16_t *)(q->used + 2);
    for (uint64_t spins = 0; *used_idx == q->last_used; spins++) {
        if (spins > USED_POLL_LIMIT)
            return "timeout waiting for the device";
        if ((spins & 0xFFFFF) == 0xFFFFF && !virtio_dev_live(d))
            return "device was reset while a request was pending";
    }
    barrier();                                  /* idx before the entry */
    volatile uint32_t *elem = (volatile uint32_t *)(q->used + 4 + 8 * (q->last_used & (q->num - 1)));
    uint32_t id = elem[0];
    *used_len = elem[1];
    q->last_used++;
    /* Keep the interrupt line quiet even though we never take the IRQ. */
    uint32_t isr = virtio_read(d->t, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (isr)
        virtio_write(d->t, VIRTIO_MMIO_INTERRUPT_ACK, isr);
    if (id != 0)
        return "device returned an unknown descriptor id";
    return NULL;
}

void virtq_post(struct virtio_dev *d, int qi, uint16_t id, void *addr, uint32_t len)
{
    struct virtq *q = &d->q[qi];
    q->desc[id].addr = (uint64_t)(uintptr_t)addr;
    q->desc[id].len = len;
    q->desc[id].flags = VRING_DESC_F_WRITE;
    q->desc[id].next = 0;
    q->avail[2 + (q->avail_idx & (q->num - 1))] = id;
    barrier();                                  /* ring entry before idx */
    q->avail_idx++;
    q->avail[1] = q->avail_idx;
    barrier();                                  /* idx before the notify */
    virtio_write(d->t, VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)qi);
}

bool virtq_take_used(struct virtio_dev *d, int qi, uint32_t *id, uint32_t *len)
{
    struct virtq *q = &d->q[qi];
    volatile uint16_t *used_idx = (volatile uint16_t *)(q->used + 2);
    if (*used_idx == q->last_used)
        return false;
    barrier();                                  /* idx before the entry */
    volatile uint32_t *elem = (volatile uint32_t *)(q->used + 4 + 8 * (q->last_used & (q->num - 1)));
    *id = elem[0];
    *len = elem[1];
    q->last_used++;
    uint32_t isr = virtio_read(d->t, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (isr)
        virtio_write(d->t, VIRTIO_MMIO_INTERRUPT_ACK, isr);
    return true;
}
