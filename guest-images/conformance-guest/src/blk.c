/*
 * virtio-blk driver and the `blk` console command.  One request in flight,
 * completion by polling the used ring.
 */
#include "checksum.h"
#include "commands.h"
#include "console.h"
#include "lib.h"
#include "virtio.h"

#define SECTOR_SIZE            512
#define CHUNK_BYTES            (64u * 1024u)

#define VIRTIO_BLK_F_SIZE_MAX  (1ull << 1)
#define VIRTIO_BLK_F_RO        (1ull << 5)
#define VIRTIO_BLK_F_FLUSH     (1ull << 9)

#define VIRTIO_BLK_T_IN        0
#define VIRTIO_BLK_T_OUT       1
#define VIRTIO_BLK_T_FLUSH     4
#define VIRTIO_BLK_T_GET_ID    8

#define VIRTIO_BLK_S_OK        0
#define VIRTIO_BLK_S_IOERR     1
#define VIRTIO_BLK_S_UNSUPP    2

#define VIRTIO_BLK_ID_BYTES    20

/* Config space offsets (virtio 1.x 5.2.4). */
#define BLK_CFG_CAPACITY       0
#define BLK_CFG_SIZE_MAX       8

struct blk_req_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct blk_io {                 /* the driver-side memory of one request */
    struct blk_req_header header;
    uint8_t status;
};

static struct virtio_dev devs[VIRTIO_MAX_TRANSPORTS];
static struct blk_io *io;
static uint8_t *data;

/* vda is the first transport whose device is a blk (an empty slot
 * included: it is a blk device of capacity 0), vdb the second... */
static const struct virtio_transport *blk_lookup(const char *name)
{
    if (strlen(name) != 3 || name[0] != 'v' || name[1] != 'd' || name[2] < 'a' || name[2] > 'z')
        return NULL;
    int want = name[2] - 'a';
    for (int i = 0; i < virtio_transport_count(); i++) {
        const struct virtio_transport *t = virtio_transport_at(i);
        if (virtio_read(t, VIRTIO_MMIO_MAGIC) == VIRTIO_MMIO_MAGIC_VALUE &&
            virtio_read(t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLK && want-- == 0)
            return t;
    }
    return NULL;
}

int blk_name_of(int transport_index, char name[4])
{
    int letter = 0;
    for (int i = 0; i < virtio_transport_count(); i++) {
        const struct virtio_transport *t = virtio_transport_at(i);
        if (virtio_read(t, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE ||
            virtio_read(t, VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLK)
            continue;
        if (i == transport_index) {
            name[0] = 'v';
            name[1] = 'd';
            name[2] = (char)('a' + letter);
            name[3] = '\0';
            return letter < 26;
        }
        letter++;
    }
    return 0;
}

/* A started driver for the disk, (re)started when the device was reset. */
static struct virtio_dev *blk_open(const char *name)
{
    const struct virtio_transport *t = blk_lookup(name);
    if (!t) {
        kprintf("error: %s: no such disk\n", name);
        return NULL;
    }
    if (!io) {
        io = alloc_pages(sizeof(*io));
        data = alloc_pages(CHUNK_BYTES);
        if (!io || !data) {
            kprintf("error: out of memory for disk buffers\n");
            return NULL;
        }
    }
    struct virtio_dev *d = &devs[t->index];
    if (!virtio_dev_live(d)) {
        const char *why = virtio_dev_start(d, t, VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_RO |
                                                 VIRTIO_BLK_F_FLUSH, 1);
        if (why) {
            kprintf("error: %s: %s\n", name, why);
            return NULL;
        }
    }
    return d;
}

/* Sends one request; prints the error and returns false unless it is OK. */
static bool blk_request(struct virtio_dev *d, const char *name, uint32_t type,
                        uint64_t sector, void *buf, uint32_t len, bool device_writes)
{
    io->header.type = type;
    io->header.reserved = 0;
    io->header.sector = sector;
    io->status = 0xFF;               /* anything the device does not write */
    struct virtio_buf bufs[3];
    int n = 0;
    bufs[n++] = (struct virtio_buf){ &io->header, sizeof(io->header), false };
    if (len)
        bufs[n++] = (struct virtio_buf){ buf, len, device_writes };
    bufs[n++] = (struct virtio_buf){ &io->status, 1, true };
    uint32_t used_len;
    const char *why = virtq_exchange(d, 0, bufs, n, &used_len);
    if (why) {
        kprintf("error: %s: %s\n", name, why);
        return false;
    }
    switch (io->status) {
    case VIRTIO_BLK_S_OK:
        return true;
    case VIRTIO_BLK_S_IOERR:
        kprintf("error: %s: I/O error (VIRTIO_BLK_S_IOERR)\n", name);
        return false;
    case VIRTIO_BLK_S_UNSUPP:
        kprintf("error: %s: unsupported (VIRTIO_BLK_S_UNSUPP)\n", name);
        return false;
    default:
        kprintf("error: %s: bad status byte 0x%x\n", name, io->status);
        return false;
    }
}

static uint32_t chunk_sectors(const struct virtio_dev *d)
{
    uint32_t bytes = CHUNK_BYTES;
    if (d->features & VIRTIO_BLK_F_SIZE_MAX) {
        uint32_t size_max = virtio_config32(d->t, BLK_CFG_SIZE_MAX);
        if (size_max >= SECTOR_SIZE && size_max < bytes)
            bytes = size_max;
    }
    return bytes / SECTOR_SIZE;
}

static bool parse_args(int argc, char **argv, int want, uint64_t *values, const char *usage)
{
    if (argc != want + 3) {
        kprintf("error: usage: %s\n", usage);
        return false;
    }
    for (int i = 0; i < want; i++) {
        if (!parse_u64(argv[3 + i], &values[i])) {
            kprintf("error: '%s' is not a number (decimal or 0x hex)\n", argv[3 + i]);
            return false;
        }
    }
    return true;
}

static void blk_size(int argc, char **argv)
{
    if (!parse_args(argc, argv, 0, NULL, "blk size vdX"))
        return;
    const struct virtio_transport *t = blk_lookup(argv[2]);
    if (!t) {
        kprintf("error: %s: no such disk\n", argv[2]);
        return;
    }
    uint64_t sectors = virtio_config64(t, BLK_CFG_CAPACITY);
    kprintf("%s capacity=%lu sectors bytes=%lu mib=%lu\n", argv[2], sectors,
            sectors * SECTOR_SIZE, sectors / 2048);
}

/* One read of `sectors` from sector 0 (the `irq blk` test's request); true when it worked. */
bool blk_read_once(const char *name, uint32_t *irq)
{
    const struct virtio_transport *t = blk_lookup(name);
    struct virtio_dev *d = blk_open(name);
    if (!t || !d)
        return false;
    *irq = t->irq;
    return blk_request(d, name, VIRTIO_BLK_T_IN, 0, data, SECTOR_SIZE, true);
}

static void blk_read(int argc, char **argv)
{
    uint64_t v[2];
    if (!parse_args(argc, argv, 2, v, "blk read vdX SECTOR COUNT"))
        return;
    struct virtio_dev *d = blk_open(argv[2]);
    if (!d)
        return;
    uint64_t h = FNV1A64_INIT, sector = v[0], left = v[1];
    uint32_t chunk = chunk_sectors(d);
    while (left) {
        uint32_t n = left < chunk ? (uint32_t)left : chunk;
        if (!blk_request(d, argv[2], VIRTIO_BLK_T_IN, sector, data, n * SECTOR_SIZE, true))
            return;
        h = fnv1a64(h, data, (size_t)n * SECTOR_SIZE);
        sector += n;
        left -= n;
    }
    kprintf("%s read sector=%lu count=%lu bytes=%lu fnv1a64=%016lx\n", argv[2], v[0], v[1],
            v[1] * SECTOR_SIZE, h);
}

static void blk_write(int argc, char **argv)
{
    uint64_t v[3];
    if (!parse_args(argc, argv, 3, v, "blk write vdX SECTOR COUNT PATTERN"))
        return;
    if (v[2] > 0xFFFFFFFFu) {
        kprintf("error: pattern %s does not fit in 32 bits\n", argv[5]);
        return;
    }
    struct virtio_dev *d = blk_open(argv[2]);
    if (!d)
        return;
    uint32_t pattern = (uint32_t)v[2];
    uint64_t h = FNV1A64_INIT, sector = v[0], left = v[1];
    uint32_t chunk = chunk_sectors(d);
    while (left) {
        uint32_t n = left < chunk ? (uint32_t)left : chunk;
        uint64_t offset = sector * SECTOR_SIZE;
        for (uint32_t i = 0; i < n * SECTOR_SIZE; i++)
            data[i] = pattern_byte(offset + i, pattern);
        if (!blk_request(d, argv[2], VIRTIO_BLK_T_OUT, sector, data, n * SECTOR_SIZE, false))
            return;
        h = fnv1a64(h, data, (size_t)n * SECTOR_SIZE);
        sector += n;
        left -= n;
    }
    kprintf("%s write sector=%lu count=%lu bytes=%lu pattern=0x%x fnv1a64=%016lx\n", argv[2],
            v[0], v[1], v[1] * SECTOR_SIZE, pattern, h);
}

static void blk_flush(int argc, char **argv)
{
    if (!parse_args(argc, argv, 0, NULL, "blk flush vdX"))
        return;
    struct virtio_dev *d = blk_open(argv[2]);
    if (d && blk_request(d, argv[2], VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false))
        kprintf("%s flush ok\n", argv[2]);
}

static void blk_id(int argc, char **argv)
{
    if (!parse_args(argc, argv, 0, NULL, "blk id vdX"))
        return;
    struct virtio_dev *d = blk_open(argv[2]);
    if (!d)
        return;
    memset(data, 0, VIRTIO_BLK_ID_BYTES + 1);
    if (!blk_request(d, argv[2], VIRTIO_BLK_T_GET_ID, 0, data, VIRTIO_BLK_ID_BYTES, true))
        return;
    /* Up to 20 bytes, NUL-terminated only when shorter. */
    for (int i = 0; i < VIRTIO_BLK_ID_BYTES; i++)
        if (data[i] < 0x20 || data[i] > 0x7E)
            data[i] = data[i] ? '.' : '\0';
    kprintf("%s id=%s\n", argv[2], (const char *)data);
}

static void blk_dump(int argc, char **argv)
{
    uint64_t v[1];
    if (!parse_args(argc, argv, 1, v, "blk dump vdX SECTOR"))
        return;
    struct virtio_dev *d = blk_open(argv[2]);
    if (!d || !blk_request(d, argv[2], VIRTIO_BLK_T_IN, v[0], data, SECTOR_SIZE, true))
        return;
    for (int row = 0; row < SECTOR_SIZE; row += 16) {
        kprintf("%03x:", row);
        for (int i = 0; i < 16; i++)
            kprintf(" %02x", data[row + i]);
        kprintf("\n");
    }
}

static void blk_reset(int argc, char **argv)
{
    if (!parse_args(argc, argv, 0, NULL, "blk reset vdX"))
        return;
    const struct virtio_transport *t = blk_lookup(argv[2]);
    if (!t) {
        kprintf("error: %s: no such disk\n", argv[2]);
        return;
    }
    devs[t->index].started = false;   /* blk_open starts it afresh */
    if (blk_open(argv[2]))
        kprintf("%s reset ok features=0x%lx\n", argv[2], devs[t->index].features);
}

static const struct command blk_commands[] = {
    { "size",  "blk size vdX",                       "capacity from config space", blk_size },
    { "read",  "blk read vdX SECTOR COUNT",          "read, print FNV-1a 64 of the data", blk_read },
    { "write", "blk write vdX SECTOR COUNT PATTERN", "write the pattern, print its FNV-1a 64", blk_write },
    { "flush", "blk flush vdX",                      "VIRTIO_BLK_T_FLUSH", blk_flush },
    { "id",    "blk id vdX",                         "VIRTIO_BLK_T_GET_ID", blk_id },
    { "dump",  "blk dump vdX SECTOR",                "hex dump of one sector", blk_dump },
    { "reset", "blk reset vdX",                      "reset and restart the driver", blk_reset },
};

void cmd_blk(int argc, char **argv)
{
    dispatch_subcommand("blk", blk_commands, ARRAY_SIZE(blk_commands), argc, argv);
}
