/*
 * virtio-mmio (version 2) transports and a polling split-virtqueue driver
 * core shared by the device drivers (blk today; net and balloon later).
 * Transports come from `virtio_mmio.device=<size>@<base>:<irq>[:<id>]` on
 * the command line, in command-line order.
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_MAX_TRANSPORTS 16
#define VIRTIO_MAX_QUEUES     4

#define VIRTIO_ID_NET         1
#define VIRTIO_ID_BLK         2
#define VIRTIO_ID_BALLOON     5

/* Registers (virtio 1.x, 4.2.2). */
#define VIRTIO_MMIO_MAGIC             0x000
#define VIRTIO_MMIO_VERSION           0x004
#define VIRTIO_MMIO_DEVICE_ID         0x008
#define VIRTIO_MMIO_VENDOR_ID         0x00C
#define VIRTIO_MMIO_DEVICE_FEATURES   0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES   0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL         0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX     0x034
#define VIRTIO_MMIO_QUEUE_NUM         0x038
#define VIRTIO_MMIO_QUEUE_READY       0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY      0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS  0x060
#define VIRTIO_MMIO_INTERRUPT_ACK     0x064
#define VIRTIO_MMIO_STATUS            0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW    0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH   0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW  0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW  0x0A0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0A4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0FC
#define VIRTIO_MMIO_CONFIG            0x100

#define VIRTIO_MMIO_MAGIC_VALUE       0x74726976   /* "virt" */

#define VIRTIO_STATUS_ACKNOWLEDGE     1
#define VIRTIO_STATUS_DRIVER          2
#define VIRTIO_STATUS_DRIVER_OK       4
#define VIRTIO_STATUS_FEATURES_OK     8
#define VIRTIO_STATUS_NEEDS_RESET     64
#define VIRTIO_STATUS_FAILED          128

#define VIRTIO_F_VERSION_1            (1ull << 32)

struct virtio_transport {
    int index;          /* position on the command line */
    uint64_t base;
    uint64_t size;
    uint32_t irq;
};

/* Parses the command line once; later calls return the same list. */
void virtio_discover(void);
int virtio_transport_count(void);
const struct virtio_transport *virtio_transport_at(int index);
const char *virtio_device_name(uint32_t device_id);

/* Why a transport cannot be driven (bad magic, legacy version, not
 * mapped), or NULL when it can. */
const char *virtio_transport_problem(const struct virtio_transport *t);

uint32_t virtio_read(const struct virtio_transport *t, uint32_t reg);
void virtio_write(const struct virtio_transport *t, uint32_t reg, uint32_t value);
uint8_t virtio_config8(const struct virtio_transport *t, uint32_t offset);
uint32_t virtio_config32(const struct virtio_transport *t, uint32_t offset);
/* A 64-bit config field read as two halves, retried until the
 * configuration generation is the same before and after. */
uint64_t virtio_config64(const struct virtio_transport *t, uint32_t offset);

/* ---- split virtqueues, driven by polling ---- */

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq {
    uint16_t num;
    uint16_t avail_idx;          /* next free avail slot (free-running) */
    uint16_t last_used;          /* used entries consumed (free-running) */
    struct vring_desc *desc;
    volatile uint16_t *avail;    /* flags, idx, ring[num] */
    volatile uint8_t *used;      /* flags, idx, ring[num] of {id, len} */
};

struct virtio_dev {
    const struct virtio_transport *t;
    uint64_t features;           /* what the driver accepted */
    int nqueues;
    struct virtq q[VIRTIO_MAX_QUEUES];
    bool started;
};

/* One buffer of a request: driver-supplied memory the device reads, or
 * (device_writes) memory the device fills in. */
struct virtio_buf {
    void *addr;
    uint32_t len;
    bool device_writes;
};

/* The whole driver start sequence (virtio 1.x 3.1.1): reset, ACKNOWLEDGE,
 * DRIVER, features (VERSION_1 plus those of `wanted` the device offers),
 * FEATURES_OK checked, `nqueues` queues set up, DRIVER_OK.  Returns NULL or
 * what went wrong; on failure the device is left FAILED. */
const char *virtio_dev_start(struct virtio_dev *d, const struct virtio_transport *t,
                             uint64_t wanted, int nqueues);

/* Whether the device is still live: DRIVER_OK set, no NEEDS_RESET/FAILED
 * (a hot-unplug or a device error resets it behind our back). */
bool virtio_dev_live(const struct virtio_dev *d);

/* Publishes one descriptor chain made of bufs[0..n) on queue qi, notifies,
 * and polls the used ring until the device returns it.  Returns NULL or
 * what went wrong; *used_len gets the byte count the device reported. */
const char *virtq_exchange(struct virtio_dev *d, int qi, const struct virtio_buf *bufs,
                           int n, uint32_t *used_len);

/* Receive-style queues (net rx): makes descriptor `id`, a device-writable
 * buffer, available on queue qi and notifies; does not wait. */
void virtq_post(struct virtio_dev *d, int qi, uint16_t id, void *addr, uint32_t len);

/* The next entry the device put in queue qi's used ring, if any. */
bool virtq_take_used(struct virtio_dev *d, int qi, uint32_t *id, uint32_t *len);

/* Pages that stay put for the life of the guest (virtqueues, buffers). */
void *alloc_pages(uint64_t bytes);

#endif
