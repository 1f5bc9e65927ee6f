/*
 * virtio-net driver and the `net` console command: enough IPv4 to ping the
 * host end of a tap (ARP, ICMP echo), with polled queues.  Receive buffers
 * are posted once and posted again after each frame is looked at.
 */
#include "commands.h"
#include "console.h"
#include "io.h"
#include "lib.h"
#include "virtio.h"

#define NET_F_MAC       (1ull << 5)
#define NET_F_STATUS    (1ull << 16)
#define NET_HDR         12          /* struct virtio_net_hdr_v1 */
#define RX_BUFS         8
#define BUF_SIZE        2048
#define Q_RX            0
#define Q_TX            1
#define ETH_ARP         0x0806
#define ETH_IP          0x0800
#define WAIT_TSC        (8ull << 30)  /* a few seconds at any TSC rate seen */

static struct virtio_dev devs[VIRTIO_MAX_TRANSPORTS];
static uint8_t *rx[VIRTIO_MAX_TRANSPORTS];
static uint8_t *tx;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* eth0 is the first transport whose device is a NIC, eth1 the second. */
static const struct virtio_transport *net_lookup(const char *name)
{
    if (strlen(name) != 4 || strncmp(name, "eth", 3) != 0 || name[3] < '0' || name[3] > '9')
        return NULL;
    int want = name[3] - '0';
    for (int i = 0; i < virtio_transport_count(); i++) {
        const struct virtio_transport *t = virtio_transport_at(i);
        if (!virtio_transport_problem(t) && virtio_read(t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_NET && want-- == 0)
            return t;
    }
    return NULL;
}

static void mac_of(const struct virtio_transport *t, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++)
        mac[i] = virtio_config8(t, i);
}

static bool link_up(const struct virtio_transport *t)
{
    return virtio_config8(t, 6) & 1;
}

static struct virtio_dev *net_open(const char *name, const struct virtio_transport *t)
{
    struct virtio_dev *d = &devs[t->index];
    if (virtio_dev_live(d))
        return d;
    if (!tx)
        tx = alloc_pages(BUF_SIZE);
    if (!rx[t->index])
        rx[t->index] = alloc_pages(RX_BUFS * BUF_SIZE);
    if (!tx || !rx[t->index]) {
        kprintf("error: out of memory for network buffers\n");
        return NULL;
    }
    const char *why = virtio_dev_start(d, t, NET_F_MAC | NET_F_STATUS, 2);
    if (why) {
        kprintf("error: %s: %s\n", name, why);
        return NULL;
    }
    for (uint16_t i = 0; i < RX_BUFS; i++)
        virtq_post(d, Q_RX, i, rx[t->index] + i * BUF_SIZE, BUF_SIZE);
    return d;
}

static const char *net_send(struct virtio_dev *d, const uint8_t *frame, uint32_t len)
{
    memset(tx, 0, NET_HDR);
    memcpy(tx + NET_HDR, frame, len);
    struct virtio_buf b = { tx, NET_HDR + len, false };
    uint32_t used;
    return virtq_exchange(d, Q_TX, &b, 1, &used);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static uint16_t checksum(const uint8_t *p, uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

static bool parse_ip(const char *s, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        uint64_t v;
        size_t n = scan_u64(s, &v);
        if (!n || v > 255)
            return false;
        ip[i] = (uint8_t)v;
        s += n;
        if (i < 3 && *s++ != '.')
            return false;
    }
    return *s == '\0';
}

static void eth_header(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put16(f + 12, type);
}

static const char *send_arp(struct virtio_dev *d, uint16_t op, const uint8_t mac[6], const uint8_t ip[4],
                            const uint8_t tmac[6], const uint8_t tip[4])
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t f[42];
    eth_header(f, op == 1 ? broadcast : tmac, mac, ETH_ARP);
    put16(f + 14, 1);           /* Ethernet */
    put16(f + 16, ETH_IP);
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, op);
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, ip, 4);
    memcpy(f + 32, tmac, 6);
    memcpy(f + 38, tip, 4);
    return net_send(d, f, sizeof(f));
}

struct ping {
    const uint8_t *mac, *ip, *host_ip;
    uint8_t host_mac[6];
    bool have_host_mac;
    bool replied;
    uint8_t ttl;
    uint32_t bytes;
};

/* Looks at one received frame: answers ARP requests for us, notes the
 * host's ARP reply and the echo reply. */
static void handle(struct virtio_dev *d, const uint8_t *f, uint32_t len, struct ping *p)
{
    if (len >= 42 && get16(f + 12) == ETH_ARP && get16(f + 20) == 1 && memcmp(f + 38, p->ip, 4) == 0) {
        send_arp(d, 2, p->mac, p->ip, f + 22, f + 28);
        return;
    }
    if (len >= 42 && get16(f + 12) == ETH_ARP && get16(f + 20) == 2 && memcmp(f + 28, p->host_ip, 4) == 0) {
        memcpy(p->host_mac, f + 22, 6);
        p->have_host_mac = true;
        return;
    }
    if (len >= 42 && get16(f + 12) == ETH_IP && f[14 + 9] == 1 && memcmp(f + 14 + 12, p->host_ip, 4) == 0) {
        uint32_t ihl = (f[14] & 0xF) * 4u;
        const uint8_t *icmp = f + 14 + ihl;
        if (14 + ihl + 8 <= len && icmp[0] == 0 && get16(icmp + 4) == 0x4156 && get16(icmp + 6) == 1) {
            p->replied = true;
            p->ttl = f[14 + 8];
            p->bytes = len - 14 - ihl;
        }
    }
}

/* Takes received frames until `done` says so or the time is up. */
static bool receive_until(struct virtio_dev *d, const struct virtio_transport *t, struct ping *p, bool *done)
{
    uint64_t start = rdtsc();
    while (!*done) {
        uint32_t id, len;
        if (virtq_take_used(d, Q_RX, &id, &len)) {
            if (id < RX_BUFS && len > NET_HDR && len <= BUF_SIZE)
                handle(d, rx[t->index] + id * BUF_SIZE + NET_HDR, len - NET_HDR, p);
            if (id < RX_BUFS)
                virtq_post(d, Q_RX, (uint16_t)id, rx[t->index] + id * BUF_SIZE, BUF_SIZE);
            continue;
        }
        if (rdtsc() - start > WAIT_TSC)
            return false;
        __asm__ volatile("pause");
    }
    return true;
}

static void net_ping(const char *name, const struct virtio_transport *t, const uint8_t ip[4], const uint8_t host[4])
{
    struct virtio_dev *d = net_open(name, t);
    if (!d)
        return;
    if (!link_up(t)) {
        kprintf("error: %s: link down (no backend)\n", name);
        return;
    }
    uint8_t mac[6];
    mac_of(t, mac);
    struct ping p = { .mac = mac, .ip = ip, .host_ip = host };
    static const uint8_t zero[6];
    const char *why = send_arp(d, 1, mac, ip, zero, host);
    if (why) {
        kprintf("error: %s: %s\n", name, why);
        return;
    }
    if (!receive_until(d, t, &p, &p.have_host_mac)) {
        kprintf("error: %s: no ARP reply from %u.%u.%u.%u\n", name, host[0], host[1], host[2], host[3]);
        return;
    }
    uint8_t f[14 + 20 + 8 + 32];
    eth_header(f, p.host_mac, mac, ETH_IP);
    uint8_t *iph = f + 14;
    memset(iph, 0, 20);
    iph[0] = 0x45;
    put16(iph + 2, 20 + 8 + 32);
    put16(iph + 4, 1);
    put16(iph + 6, 0x4000);     /* don't fragment */
    iph[8] = 64;
    iph[9] = 1;                 /* ICMP */
    memcpy(iph + 12, ip, 4);
    memcpy(iph + 16, host, 4);
    put16(iph + 10, checksum(iph, 20));
    uint8_t *icmp = iph + 20;
    memset(icmp, 0, 8);
    icmp[0] = 8;                /* echo request */
    put16(icmp + 4, 0x4156);    /* id "AV" */
    put16(icmp + 6, 1);         /* sequence */
    for (int i = 0; i < 32; i++)
        icmp[8 + i] = (uint8_t)('a' + i % 26);
    put16(icmp + 2, checksum(icmp, 8 + 32));
    why = net_send(d, f, sizeof(f));
    if (why) {
        kprintf("error: %s: %s\n", name, why);
        return;
    }
    if (!receive_until(d, t, &p, &p.replied)) {
        kprintf("error: %s: no echo reply from %u.%u.%u.%u\n", name, host[0], host[1], host[2], host[3]);
        return;
    }
    kprintf("net: %u bytes from %u.%u.%u.%u: icmp_seq=1 ttl=%u\n", p.bytes, host[0], host[1], host[2], host[3], p.ttl);
}

void cmd_net(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "status") != 0 && strcmp(argv[1], "ping") != 0)) {
        kprintf("error: usage: net status ethN | net ping ethN GUEST_IP HOST_IP\n");
        return;
    }
    const struct virtio_transport *t = net_lookup(argv[2]);
    if (!t) {
        kprintf("error: %s: no such NIC\n", argv[2]);
        return;
    }
    if (strcmp(argv[1], "status") == 0) {
        uint8_t mac[6];
        mac_of(t, mac);
        kprintf("%s mac=%02x:%02x:%02x:%02x:%02x:%02x link=%s\n", argv[2], mac[0], mac[1], mac[2], mac[3], mac[4],
                mac[5], link_up(t) ? "up" : "down");
        return;
    }
    uint8_t ip[4], host[4];
    if (argc != 5 || !parse_ip(argv[3], ip) || !parse_ip(argv[4], host)) {
        kprintf("error: usage: net ping ethN GUEST_IP HOST_IP (IPv4 a.b.c.d)\n");
        return;
    }
    net_ping(argv[2], t, ip, host);
}
