/*
 * mon_events.c - drop events from the datapath's ring buffer. The ring stays
 * pinned: events written while no process reads wait there (the oldest are
 * kept; when the ring is full the datapath counts new ones as lost).
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "mon/mon_internal.h"

/* Decode one record field by field; anything but the expected size is skipped. */
static int on_record(void *ctx, void *data, size_t size)
{
    struct mon *m = ctx;
    const struct mon_event *e = data;
    struct mon_drop d;

    if (size < sizeof(*e) || e->type != MON_EV_DROP || !m->ev_cb) return 0;
    memset(&d, 0, sizeof(d));
    d.ts_ns = e->ts_ns;
    d.rule_id = e->rule_id;
    d.port_id = e->port_id;
    d.dir = e->dir;
    d.proto = e->proto;
    d.saddr = e->saddr;
    d.daddr = e->daddr;
    d.sport = e->sport;
    d.dport = e->dport;
    d.len = e->len;
    d.flags = e->flags;
    d.ethertype = e->ethertype;
    d.limited = e->limited;
    m->ev_cb(&d, m->ev_ctx);
    return 0;
}

static int ring(struct mon *m)
{
    if (m->rb) return 0;
    m->rb = ring_buffer__new(m->fd_events, on_record, m, NULL);
    if (!m->rb) return mon_fail(m, -errno, "cannot open the event ring: %s", strerror(errno));
    return 0;
}

int mon_events_poll(struct mon *m, mon_drop_cb cb, void *ctx, int timeout_ms)
{
    int rc = ring(m);
    if (rc) return rc;
    m->ev_cb = cb;
    m->ev_ctx = ctx;
    rc = ring_buffer__poll(m->rb, timeout_ms);
    m->ev_cb = NULL;
    if (rc == -EINTR) return 0;
    return rc < 0 ? mon_fail(m, rc, "event ring: %s", strerror(-rc)) : rc;
}

int mon_events_fd(struct mon *m)
{
    int rc = ring(m);
    return rc ? rc : ring_buffer__epoll_fd(m->rb);
}

int mon_events_rate(struct mon *m, uint32_t per_sec, uint32_t burst)
{
    if (m->flags & MON_OPEN_RDONLY) return mon_fail(m, -EROFS, "opened read-only");
    if (per_sec > 1000000 || burst == 0 || burst > 1000000)
        return mon_fail(m, -EINVAL, "event rate must be 0..1000000/s with a burst of 1..1000000");
    __atomic_store_n(&m->cfg->ev_rate, per_sec, __ATOMIC_RELAXED);
    __atomic_store_n(&m->cfg->ev_burst, burst, __ATOMIC_RELAXED);
    return 0;
}
