/*
 * vfd_dispatch.c - everything a domain can say to the core, as one table:
 * {type, which kinds of domain may send it, handler}. msg_recv checks the
 * framing, msg_dispatch the type, permission, exact length and fds, the
 * handlers' decoders every field. Whatever fails any of that is fatal for
 * the domain: the reason is logged, the domain is killed and restarted.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/vfd.h"

#define OF             MSG_KBIT(MSG_KIND_OF)
#define MGMT           MSG_KBIT(MSG_KIND_MGMT)
#define CLUSTER        MSG_KBIT(MSG_KIND_CLUSTER)
#define MSGS_PER_EVENT 64 /* fairness between domains and the control socket */

static int h_log(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct vfd_domain *dom = ctx;
    struct msg_log m;
    if (msg_dec_log(r, &m) != MSG_OK) return MSG_FATAL;
    char module[2 * MSG_NAME_MAX + 2];
    snprintf(module, sizeof(module), "%s.%s", dom->conf->name, m.module);
    /* The core's logger escapes whatever bytes the text holds. */
    log_msg(&dom->d->log, (enum log_level)m.level, module, "%s", m.text);
    dom->log_lines++;
    return MSG_OK;
}

static int h_heartbeat(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct vfd_domain *dom = ctx;
    struct msg_heartbeat m;
    if (msg_dec_heartbeat(r, &m) != MSG_OK) return MSG_FATAL;
    dom->last_hb_ms = ev_now_ms(dom->d->loop);
    if (dom->state == VFD_DOM_STARTING) dom->state = VFD_DOM_RUNNING;
    return MSG_OK;
}

static int h_status(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct vfd_domain *dom = ctx;
    return msg_dec_status(r, &dom->stats);
}

static int h_record(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct vfd_domain *dom = ctx;
    struct msg_record m;
    if (msg_dec_record(r, &m) != MSG_OK) return MSG_FATAL;
    vfd_record(dom->d->records, m.app, m.stream, m.line);
    return MSG_OK;
}

static int h_ctl_reply(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct vfd_domain *dom = ctx;
    struct msg_ctl_reply m;
    if (msg_dec_ctl_reply(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_domain_reply(dom, h->id, &m, r);
}

static int h_app_result(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct msg_app_result m;
    if (msg_dec_app_result(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_apps_result(ctx, &m, r);
}

/* The socket calls: decoded here, policy and system calls in the broker. */
static int h_listen(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_sock_listen m;
    if (msg_dec_sock_listen(r, &m) != MSG_OK) return MSG_FATAL;
    return brk_listen(((struct vfd_domain *)ctx)->brk, h->id, &m);
}

static int h_connect(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_sock_connect m;
    if (msg_dec_sock_connect(r, &m) != MSG_OK) return MSG_FATAL;
    return brk_connect(((struct vfd_domain *)ctx)->brk, h->id, &m);
}

static int h_close(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_sock_id m;
    if (msg_dec_sock_id(r, &m) != MSG_OK) return MSG_FATAL;
    return brk_close(((struct vfd_domain *)ctx)->brk, h->id, &m);
}

static int h_getname(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_sock_id m;
    if (msg_dec_sock_id(r, &m) != MSG_OK) return MSG_FATAL;
    return brk_getname(((struct vfd_domain *)ctx)->brk, h->id, &m);
}

static int h_setopt(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_sock_setopt m;
    if (msg_dec_sock_setopt(r, &m) != MSG_OK) return MSG_FATAL;
    return brk_setopt(((struct vfd_domain *)ctx)->brk, h->id, &m);
}

/* The monitor's rules (vfd_mon_dom.c): owned by the sending domain. */
static int h_rule_add(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_rule m;
    if (msg_dec_rule(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_mon_dom_add(ctx, h->id, &m);
}

static int h_rule_del(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_rule_del m;
    if (msg_dec_rule_del(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_mon_dom_del(ctx, h->id, &m);
}

static int h_rule_list(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_rule_list m;
    if (msg_dec_rule_list(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_mon_dom_list(ctx, h->id, &m);
}

/* A note for a guest (vfd_hc.c): one way, rate-limited per port there. */
static int h_guest_notify(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct msg_guest_notify m;
    if (msg_dec_guest_notify(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_hc_notify(ctx, &m);
}

/* The management domain's queries (vfd_mgmt.c). */
static int h_mgmt_query(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_mgmt_query m;
    if (msg_dec_mgmt_query(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_mgmt_query(ctx, h->id, &m);
}

static int h_mgmt_block(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_block m;
    if (msg_dec_block(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_mgmt_block(ctx, h->id, &m);
}

/* The cluster (vfd_cluster.c): passed on between the of and cluster domains. */
static int h_cl_conn(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct msg_cl_switch m;
    if (msg_dec_cl_switch(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_cluster_conn(ctx, &m);
}

static int h_cl_role_set(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct msg_cl_role m;
    if (msg_dec_cl_role(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_cluster_role(ctx, &m);
}

static int h_cl_kv(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)fds, (void)nfds;
    struct msg_cl_kv m;
    if (msg_dec_cl_kv(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_cluster_kv(ctx, h->type, &m);
}

static int h_cl_state_set(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)h, (void)fds, (void)nfds;
    struct msg_cl_state m;
    if (msg_dec_cl_state(r, &m) != MSG_OK) return MSG_FATAL;
    return vfd_cluster_state(ctx, &m);
}

/* Not listed, hence fatal from any domain: every core -> domain type. Apps
 * (records, app results), outgoing connections and notes to the guests belong
 * to the of domain only; the monitor's rules to the of domain (owner
 * domain:of) and to the management domain (owner admin: vfd_mon_dom.c); the
 * MGMT_* queries to the management domain; roles, shared-key changes and
 * etcd's state to the cluster domain, which may also connect (to its etcd
 * endpoints: the broker's policy) but listens nowhere. */
static const struct msg_handler core_table[] = {
    {MSG_LOG, OF | MGMT | CLUSTER, h_log},
    {MSG_HEARTBEAT, OF | MGMT | CLUSTER, h_heartbeat},
    {MSG_STATUS, OF | MGMT | CLUSTER, h_status},
    {MSG_RECORD, OF, h_record},
    {MSG_CTL_REPLY, OF | MGMT | CLUSTER, h_ctl_reply},
    {MSG_APP_RESULT, OF, h_app_result},
    {MSG_SOCK_LISTEN, OF | MGMT, h_listen},
    {MSG_SOCK_CONNECT, OF | CLUSTER, h_connect},
    {MSG_SOCK_CLOSE, OF | MGMT | CLUSTER, h_close},
    {MSG_SOCK_GETNAME, OF | MGMT | CLUSTER, h_getname},
    {MSG_SOCK_SETOPT, OF | MGMT | CLUSTER, h_setopt},
    {MSG_RULE_ADD, OF | MGMT, h_rule_add},
    {MSG_RULE_DEL, OF | MGMT, h_rule_del},
    {MSG_RULE_LIST, OF | MGMT, h_rule_list},
    {MSG_MGMT_QUERY, MGMT, h_mgmt_query},
    {MSG_MGMT_BLOCK, MGMT, h_mgmt_block},
    {MSG_GUEST_NOTIFY, OF, h_guest_notify},
    {MSG_CL_CONN, OF, h_cl_conn},
    {MSG_CL_ROLE_SET, CLUSTER, h_cl_role_set},
    {MSG_CL_PUT, OF, h_cl_kv},
    {MSG_CL_CHANGE, CLUSTER, h_cl_kv},
    {MSG_CL_STATE_SET, CLUSTER, h_cl_state_set},
    {0, 0, NULL},
};

int vfd_dispatch_check(char *err, size_t errcap)
{
    return msg_table_check(core_table, err, errcap) == MSG_OK ? 0 : -1;
}

void vfd_dispatch_input(struct vfd_domain *dom)
{
    struct vfd *d = dom->d;
    for (int i = 0; i < MSGS_PER_EVENT && dom->fd >= 0; i++) {
        struct msg_hdr h;
        int fds[MSG_MAX_FDS], nfds = 0;
        char err[MSG_ERR_MAX];
        int rc = msg_recv(dom->fd, &h, d->rx, MSG_MAX_PAYLOAD, fds, &nfds, err, sizeof(err));
        if (rc == MSG_AGAIN) return;
        if (rc == MSG_EOF) {
            vfd_domain_eof(dom);
            return;
        }
        if (rc == MSG_OK)
            rc = msg_dispatch(core_table, dom->conf->kind, dom, &h, d->rx, fds, nfds, err,
                              sizeof(err));
        if (rc != MSG_OK) {
            vfd_domain_kill(dom, "fatal message: %s", err);
            return;
        }
    }
}
