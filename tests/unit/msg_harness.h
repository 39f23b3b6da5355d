/*
 * msg_harness.h - shared by the msg unit tests: fd accounting around every
 * test (setup/teardown count /proc/self/fd, so no test may leak one), and
 * handler tables whose handlers only parse, as the core's and a domain's
 * tables would, with the payload re-encoded to prove one canonical form.
 * Include after "unit.h".
 */
#ifndef VF_TEST_MSG_HARNESS_H
#define VF_TEST_MSG_HARNESS_H

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msg_fixtures.h"

/* Payload buffers big enough for any message. */
static uint8_t g_tx[MSG_MAX_PAYLOAD + 64], g_rx[MSG_MAX_PAYLOAD];

/* ---- fd accounting -------------------------------------------------------------- */

static inline int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n - 1; /* the directory's own fd */
}

static inline int fd_setup(void **state)
{
    *state = (void *)(intptr_t)fd_count();
    return 0;
}

static inline int fd_teardown(void **state)
{
    int before = (int)(intptr_t)*state, after = fd_count();
    if (after != before) print_error("fd leak: %d open before, %d after\n", before, after);
    return after == before ? 0 : -1;
}

static inline int is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

/* ---- "parsers only" handler tables ----------------------------------------------- */

struct seen {
    uint16_t type;
    uint32_t id;
    int nfds, fds[MSG_MAX_FDS];
    union msg_body body;
};

/* Decode, insist the re-encoding is byte-identical (one canonical form), keep fds. */
static inline int h_parse(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    struct seen *s = ctx;
    static uint8_t again[MSG_MAX_PAYLOAD];
    struct msg_w w;
    if (msg_decode(h->type, r, nfds, &s->body) != MSG_OK) return MSG_FATAL;
    msg_w_init(&w, again, sizeof(again));
    if (msg_encode(h->type, &w, &s->body) != MSG_OK || w.len != r->len ||
        memcmp(again, r->p, w.len))
        return msg_r_fail(r, "re-encoding differs");
    s->type = h->type;
    s->id = h->id;
    s->nfds = nfds;
    for (int i = 0; i < nfds; i++) {
        s->fds[i] = fds[i];
        fds[i] = -1; /* kept */
    }
    return MSG_OK;
}

static struct msg_handler core_tab[48], dom_tab[48];

/* The core lets "of" send everything but MGMT_* and the cluster domain's
 * CL_ROLE_SET, CL_CHANGE, CL_STATE_SET (only "cluster" sends those), "mgmt" everything but
 * SOCK_CONNECT, RECORD and GUEST_NOTIFY; a domain accepts every core -> domain
 * type from the core. */
static inline int build_tables(void **state)
{
    size_t nc = 0, nd = 0;
    (void)state;
    for (size_t i = 0; msg_spec_at(i); i++) {
        const struct msg_spec *s = msg_spec_at(i);
        if (s->dir == MSG_DIR_C2D) {
            dom_tab[nd++] = (struct msg_handler){s->type, MSG_KBIT(MSG_KIND_CORE), h_parse};
            continue;
        }
        uint32_t perm = MSG_KBIT(MSG_KIND_OF);
        if (s->type != MSG_SOCK_CONNECT && s->type != MSG_RECORD && s->type != MSG_GUEST_NOTIFY)
            perm |= MSG_KBIT(MSG_KIND_MGMT);
        /* the management domain's own requests */
        if (s->type == MSG_MGMT_QUERY || s->type == MSG_MGMT_BLOCK) perm = MSG_KBIT(MSG_KIND_MGMT);
        /* the cluster domain's */
        if (msgfx_cluster_only(s->type)) perm = MSG_KBIT(MSG_KIND_CLUSTER);
        core_tab[nc++] = (struct msg_handler){s->type, perm, h_parse};
    }
    char err[MSG_ERR_MAX];
    return msg_table_check(core_tab, err, sizeof(err)) ||
           msg_table_check(dom_tab, err, sizeof(err));
}

#endif
