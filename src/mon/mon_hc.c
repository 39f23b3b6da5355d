/*
 * mon_hc.c - guest hypercalls at the monitor's level: the ring of frames the
 * datapath took off guest ports, their rate limit, and writing the monitor's
 * own frames back onto a guest port with the mark the egress guard requires.
 * What the frames mean is src/hc's business, not this file's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mon/mon_internal.h"

static int on_record(void *ctx, void *data, size_t size)
{
    struct mon *m = ctx;
    const struct mon_hc_rec *r = data;
    struct mon_hc_frame f;

    /* The datapath writes len 14..MON_HC_FRAME_MAX; trust nothing else. */
    if (size < sizeof(*r) || r->len < ETH_HLEN || r->len > MON_HC_FRAME_MAX || !m->hc_cb) return 0;
    f.ts_ns = r->ts_ns;
    f.port_id = r->port_id;
    f.ifindex = (int)r->ifindex;
    f.bytes = r->data;
    f.len = r->len;
    m->hc_cb(&f, m->hc_ctx);
    return 0;
}

static int ring(struct mon *m)
{
    if (m->hc_rb) return 0;
    m->hc_rb = ring_buffer__new(m->fd_hc, on_record, m, NULL);
    if (!m->hc_rb)
        return mon_fail(m, -errno, "cannot open the hypercall ring: %s", strerror(errno));
    return 0;
}

int mon_hc_poll(struct mon *m, mon_hc_cb cb, void *ctx, int timeout_ms)
{
    int rc = ring(m);
    if (rc) return rc;
    m->hc_cb = cb;
    m->hc_ctx = ctx;
    rc = ring_buffer__poll(m->hc_rb, timeout_ms);
    m->hc_cb = NULL;
    if (rc == -EINTR) return 0;
    return rc < 0 ? mon_fail(m, rc, "hypercall ring: %s", strerror(-rc)) : rc;
}

int mon_hc_fd(struct mon *m)
{
    int rc = ring(m);
    return rc ? rc : ring_buffer__epoll_fd(m->hc_rb);
}

int mon_hc_rate(struct mon *m, uint32_t per_sec, uint32_t burst)
{
    if (m->flags & MON_OPEN_RDONLY) return mon_fail(m, -EROFS, "opened read-only");
    if (per_sec == 0 || per_sec > 1000000 || burst == 0 || burst > 1000000)
        return mon_fail(m, -EINVAL,
                        "hypercall rate must be 1..1000000/s with a burst of 1..1000000");
    __atomic_store_n(&m->cfg->hc_rate, per_sec, __ATOMIC_RELAXED);
    __atomic_store_n(&m->cfg->hc_burst, burst, __ATOMIC_RELAXED);
    return 0;
}

int mon_hc_mark(struct mon *m, uint32_t mark)
{
    if (m->flags & MON_OPEN_RDONLY) return mon_fail(m, -EROFS, "opened read-only");
    /* 0 is every unmarked frame's mark: it would let anyone speak as the monitor. */
    if (mark == 0) return mon_fail(m, -EINVAL, "the hypercall mark must not be 0");
    if (m->hc_sock >= 0)
        return mon_fail(m, -EBUSY,
                        "the hypercall socket is open with mark 0x%x: set the mark first",
                        __atomic_load_n(&m->cfg->hc_mark, __ATOMIC_RELAXED));
    __atomic_store_n(&m->cfg->hc_mark, mark, __ATOMIC_RELAXED);
    return 0;
}

int mon_hc_send_open(struct mon *m)
{
    if (m->hc_sock >= 0) return 0;
    uint32_t mark = __atomic_load_n(&m->cfg->hc_mark, __ATOMIC_RELAXED);
    /* Protocol 0: this socket only sends, it receives nothing. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mon_fail(m, -errno, "cannot open the hypercall socket (needs CAP_NET_RAW): %s",
                        strerror(errno));
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0) {
        int e = errno;
        close(fd);
        return mon_fail(m, -e,
                        "cannot mark the hypercall socket (needs CAP_NET_RAW or CAP_NET_ADMIN): %s",
                        strerror(e));
    }
    m->hc_sock = fd;
    return 0;
}

/* G's ifindex for a port: the last one is remembered and checked with one
 * lookup (a port may have been detached and its id given to another G). */
static int guest_ifindex(struct mon *m, uint16_t port_id, uint32_t *ifindex)
{
    struct mon_port p;
    __u32 key = m->hc_ifindex;
    if (m->hc_port == port_id && key && bpf_map_lookup_elem(m->fd_ports, &key, &p) == 0 &&
        p.port_id == port_id && p.dir == MON_DIR_FROM_GUEST) {
        *ifindex = key;
        return 0;
    }
    if (mon_port_guest_ifindex(m, port_id, ifindex))
        return mon_fail(m, -ENOENT, "port %u is not attached", port_id);
    m->hc_port = port_id;
    m->hc_ifindex = *ifindex;
    return 0;
}

int mon_hc_send(struct mon *m, uint16_t port_id, const uint8_t *frame, size_t len)
{
    uint32_t ifindex;
    int rc;
    if (len < ETH_HLEN || len > MON_HC_FRAME_MAX ||
        (uint16_t)(frame[12] << 8 | frame[13]) != MON_HC_ETHERTYPE)
        return mon_fail(m, -EINVAL, "not a hypercall frame (%zu bytes; EtherType 0x%04x needed)",
                        len, MON_HC_ETHERTYPE);
    if ((rc = guest_ifindex(m, port_id, &ifindex)) || (rc = mon_hc_send_open(m))) return rc;
    struct sockaddr_ll to = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(MON_HC_ETHERTYPE),
        .sll_ifindex = (int)ifindex,
        .sll_halen = ETH_ALEN,
    };
    memcpy(to.sll_addr, frame, ETH_ALEN);
    ssize_t n = sendto(m->hc_sock, frame, len, 0, (struct sockaddr *)&to, sizeof(to));
    if (n != (ssize_t)len)
        return mon_fail(m, n < 0 ? -errno : -EIO, "cannot send on port %u: %s", port_id,
                        n < 0 ? strerror(errno) : "short write");
    return 0;
}
