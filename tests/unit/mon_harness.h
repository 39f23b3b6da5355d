/*
 * mon_harness.h - shared by the test_mon_* unit tests: the root/bpffs check
 * that turns into a skip with its reason, a private network namespace with a
 * guest port and its uplink, a pin directory of the test's own, frames built
 * byte by byte, and running the filter on a frame with BPF_PROG_TEST_RUN.
 */
#ifndef VF_TEST_MON_HARNESS_H
#define VF_TEST_MON_HARNESS_H

#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "mon/mon.h"
#include "mon/mon_internal.h"

/* Why this process cannot run the BPF tests, or NULL if it can. Enters a new
 * network namespace (once): every interface the tests create dies with it. */
static const char *mh_why_not;
static int mh_ready;
static char mh_pin[64];

static inline const char *mh_prepare(void)
{
    if (mh_ready) return mh_why_not;
    mh_ready = 1;
    if (geteuid() != 0) return mh_why_not = "needs root (BPF programs, tc, network namespaces)";
    if (unshare(CLONE_NEWNET) != 0) return mh_why_not = "cannot create a network namespace";
    /* New links would send IPv6 router/neighbour solicitations through the
     * filter and add to the exact counters the tests check: no IPv6 here. */
    FILE *f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
    if (f) {
        fputs("1\n", f);
        fclose(f);
    }
    snprintf(mh_pin, sizeof(mh_pin), "/sys/fs/bpf/vf-test-%d-0", (int)getpid());
    return NULL;
}

/* A pin directory no earlier test used (a failed test may leave its own). */
static inline void mh_fresh_pin(void)
{
    static int seq;
    snprintf(mh_pin, sizeof(mh_pin), "/sys/fs/bpf/vf-test-%d-%d", (int)getpid(), ++seq);
}

/* Group teardown: remove whatever pins this process's tests left behind. */
static inline int mh_cleanup(void **state)
{
    char cmd[96];
    (void)state;
    if (!mh_ready || mh_why_not) return 0;
    snprintf(cmd, sizeof(cmd), "rm -rf /sys/fs/bpf/vf-test-%d-*", (int)getpid());
    return system(cmd) == 0 ? 0 : -1;
}

#define MH_NEED_ROOT()                                                                             \
    do {                                                                                           \
        const char *why_ = mh_prepare();                                                           \
        if (why_) {                                                                                \
            print_message("skipped: %s\n", why_);                                                  \
            skip();                                                                                \
        }                                                                                          \
        mh_fresh_pin();                                                                            \
    } while (0)

/* A guest port: veth G (host side) / gX (guest side), attached with an uplink
 * pair created by the library. Returns G's and U's ifindexes. */
struct mh_port {
    char g[IFNAMSIZ], gx[IFNAMSIZ], u[IFNAMSIZ], us[IFNAMSIZ];
    int gi, ui;
    uint16_t id;
};

static inline void mh_port_add(struct mon *m, struct mh_port *p, uint16_t id, uint32_t flags)
{
    memset(p, 0, sizeof(*p));
    p->id = id;
    snprintf(p->g, sizeof(p->g), "mhg%u", id);
    snprintf(p->gx, sizeof(p->gx), "mhx%u", id);
    snprintf(p->u, sizeof(p->u), "mhu%u", id);
    snprintf(p->us, sizeof(p->us), "mhs%u", id);
    assert_int_equal(mon_nl_veth_add(p->g, p->gx), 0);
    struct mon_port_spec s = {
        .guest_if = p->g, .uplink_if = p->u, .uplink_peer = p->us, .port_id = id, .flags = flags};
    int rc = mon_attach_port(m, &s);
    if (rc) print_message("attach: %s\n", mon_error(m));
    assert_int_equal(rc, 0);
    p->gi = (int)if_nametoindex(p->g);
    p->ui = (int)if_nametoindex(p->u);
    assert_true(p->gi > 0 && p->ui > 0);
}

static inline void mh_port_del(struct mon *m, struct mh_port *p)
{
    mon_detach_port(m, p->id);
    int gi = (int)if_nametoindex(p->g);
    if (gi) mon_nl_link_del(gi);
}

/* ---- frames ------------------------------------------------------------------------ */

struct mh_frame {
    const char *src, *dst; /* dotted quads */
    uint8_t proto;
    uint16_t sport, dport;
    uint16_t frag_off;  /* host order, flags and offset as on the wire */
    uint8_t ihl;        /* 0: 5 */
    int vlan;           /* one 802.1Q tag in the data */
    uint16_t ethertype; /* 0: IPv4 */
    int cut;            /* bytes to cut from the end */
    uint16_t tot_len;   /* 0: computed */
};

static inline size_t mh_build(const struct mh_frame *f, uint8_t *b, size_t cap)
{
    size_t off = 0;
    memset(b, 0, cap);
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    memcpy(b, macs, 12);
    off = 12;
    if (f->vlan) {
        b[off++] = 0x81, b[off++] = 0x00, b[off++] = 0x00, b[off++] = 0x05;
    }
    uint16_t et = f->ethertype ? f->ethertype : 0x0800;
    b[off++] = (uint8_t)(et >> 8), b[off++] = (uint8_t)et;
    if (et != 0x0800) {
        memset(b + off, 0xab, 46);
        return off + 46;
    }
    uint8_t ihl = f->ihl ? f->ihl : 5;
    size_t l4 = f->proto == 6 ? 20 : 8, ip_len = (size_t)(ihl < 5 ? 5 : ihl) * 4 + l4 + 16;
    uint8_t *ip = b + off;
    ip[0] = (uint8_t)(0x40 | ihl);
    uint16_t tl = f->tot_len ? f->tot_len : (uint16_t)ip_len;
    ip[2] = (uint8_t)(tl >> 8), ip[3] = (uint8_t)tl;
    ip[6] = (uint8_t)(f->frag_off >> 8), ip[7] = (uint8_t)f->frag_off;
    ip[8] = 64;
    ip[9] = f->proto;
    inet_pton(AF_INET, f->src, ip + 12);
    inet_pton(AF_INET, f->dst, ip + 16);
    uint8_t *p = ip + (ihl < 5 ? 5 : ihl) * 4;
    p[0] = (uint8_t)(f->sport >> 8), p[1] = (uint8_t)f->sport;
    p[2] = (uint8_t)(f->dport >> 8), p[3] = (uint8_t)f->dport;
    if (f->proto == 6) p[12] = 0x50;
    size_t len = off + ip_len;
    return len - (size_t)f->cut;
}

/* Run a program on a frame as if it entered ifindex; returns the tc verdict. */
static inline int mh_run_fd(int prog_fd, int ifindex, const struct mh_frame *f)
{
    uint8_t buf[256];
    size_t len = mh_build(f, buf, sizeof(buf));
    struct __sk_buff ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.ifindex = (uint32_t)ifindex;
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (uint32_t)len, .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = 1);
    int rc = bpf_prog_test_run_opts(prog_fd, &o);
    if (rc) print_message("test_run (%zu bytes, ifindex %d): %s\n", len, ifindex, strerror(errno));
    assert_int_equal(rc, 0);
    return (int)o.retval;
}

static inline int mh_run(struct mon *m, int ifindex, const struct mh_frame *f)
{
    return mh_run_fd(mon_prog_fd(m, MON_PROG_INGRESS), ifindex, f);
}

/* Guest 10.1.0.1 on port p; the peer is 10.2.0.9. */
static inline int mh_from_guest(struct mon *m, const struct mh_port *p, uint8_t proto,
                                uint16_t sport, uint16_t dport, const char *dst)
{
    struct mh_frame f = {
        .src = "10.1.0.1", .dst = dst, .proto = proto, .sport = sport, .dport = dport};
    return mh_run(m, p->gi, &f);
}

static inline int mh_to_guest(struct mon *m, const struct mh_port *p, uint8_t proto, uint16_t sport,
                              uint16_t dport, const char *src)
{
    struct mh_frame f = {
        .src = src, .dst = "10.1.0.1", .proto = proto, .sport = sport, .dport = dport};
    return mh_run(m, p->ui, &f);
}

static inline uint32_t mh_add(struct mon *m, const char *text, const char *owner)
{
    char err[MON_ERR_LEN];
    struct mon_rule r;
    uint32_t id = 0;
    if (mon_rule_parse(text, &r, err, sizeof(err))) print_message("parse '%s': %s\n", text, err);
    assert_int_equal(mon_rule_parse(text, &r, err, sizeof(err)), 0);
    int rc = mon_rule_add(m, &r, owner, &id);
    if (rc) print_message("add '%s': %s\n", text, mon_error(m));
    assert_int_equal(rc, 0);
    return id;
}

static inline struct mon *mh_open(void)
{
    char err[MON_ERR_LEN];
    struct mon *m = NULL;
    int rc = mon_open(&m, mh_pin, 0, err, sizeof(err));
    if (rc) print_message("mon_open: %s\n", err);
    assert_int_equal(rc, 0);
    return m;
}

#define MH_PASS TC_ACT_REDIRECT
#define MH_DROP TC_ACT_SHOT

#endif
