/*
 * vfd_domain.c - the supervisor: start each configured domain as a fresh,
 * sandboxed process (sbx_spawn) with a fresh socketpair, watch it (its
 * heartbeat, its exit through SIGCHLD), and restart it with back-off when it
 * ends, however it ends. The core never follows a domain down: a domain's
 * death closes its sockets (brk_down), fails what waited on it, and is a
 * line in the log and in `visorflowctl status`.
 *
 * Back-off: restart_min (50 ms) after a domain that ran at least
 * healthy_ms (10 s), doubling for each quick death up to restart_max (5 s),
 * so a domain that crashes at once cannot make the core spin.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/vfd.h"
#include "lib/sock.h"

#define OUTQ_MAX      (16u << 20) /* bytes waiting for a domain that does not read */
#define STOP_GRACE_MS 1000
#define EOF_GRACE_MS  200

const char *vfd_dom_state_name(enum vfd_dom_state s)
{
    static const char *const names[] = {"starting", "running", "restarting", "stopped"};
    return s <= VFD_DOM_STOPPED ? names[s] : "?";
}

struct vfd_domain *vfd_domain_find(struct vfd *d, int kind)
{
    for (size_t i = 0; i < d->n_domains; i++)
        if (d->domains[i].conf->kind == kind) return &d->domains[i];
    return NULL;
}

/* ---- the link ------------------------------------------------------------------ */

static void link_sync(struct vfd_domain *dom)
{
    if (dom->fd >= 0)
        ev_fd_mod(dom->d->loop, dom->fd, EV_READ | (msg_outq_len(&dom->out) ? EV_WRITE : 0));
}

static void link_close(struct vfd_domain *dom)
{
    if (dom->fd < 0) return;
    ev_fd_del(dom->d->loop, dom->fd);
    close(dom->fd);
    dom->fd = -1;
    msg_outq_clear(&dom->out);
}

static void link_event(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop;
    struct vfd_domain *dom = ctx;
    char err[MSG_ERR_MAX];
    if (events & EV_WRITE) {
        int rc = msg_outq_flush(&dom->out, fd, err, sizeof(err));
        if (rc == MSG_EOF || rc == MSG_FATAL) {
            vfd_domain_kill(dom, "sending to it failed: %s", err);
            return;
        }
        link_sync(dom);
    }
    if ((events & EV_READ) && dom->fd >= 0) vfd_dispatch_input(dom);
}

static void send_failed(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct vfd_domain *dom = ctx;
    dom->fail_timer = 0;
    vfd_domain_kill(dom, "its message socket failed");
}

int vfd_domain_send(struct vfd_domain *dom, uint16_t type, uint32_t id, const union msg_body *b,
                    const int *fds, int nfds)
{
    char err[MSG_ERR_MAX];
    if (dom->fd < 0) return MSG_EOF;
    int rc = msg_outq_send(&dom->out, dom->fd, type, id, b, fds, nfds, err, sizeof(err));
    if (rc == MSG_OK) {
        link_sync(dom);
        return MSG_OK;
    }
    /* Callers may be deep inside the broker or a handler: end the domain
     * from the event loop, not from here. */
    log_error(&dom->d->log, "domain", "domain %s: %s %s", dom->conf->name, msg_type_name(type),
              err);
    if (!dom->fail_timer) dom->fail_timer = ev_timer_add(dom->d->loop, 0, 0, send_failed, dom);
    return rc;
}

static int brk_send(void *ctx, uint16_t type, uint32_t id, const union msg_body *b, const int *fds,
                    int nfds)
{
    return vfd_domain_send(ctx, type, id, b, fds, nfds);
}

/* ---- killing and reaping ---------------------------------------------------------- */

void vfd_domain_kill(struct vfd_domain *dom, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    /* The signal first: closing the socket first would let the domain see
     * end of file and exit on its own before it, which tells a different
     * story in the status. */
    if (dom->pid > 0 && !dom->kill_reason[0]) {
        snprintf(dom->kill_reason, sizeof(dom->kill_reason), "%s", why);
        log_error(&dom->d->log, "domain", "domain %s (pid %d): %s; killing it", dom->conf->name,
                  (int)dom->pid, why);
        kill(dom->pid, SIGKILL);
    }
    link_close(dom); /* nothing more is read from it */
}

/* It closed its end: it is exiting, or useless. The wait status tells
 * which; a SIGKILL on a process that already exited changes nothing, and
 * an exit status is then reported as it is. */
static void eof_due(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct vfd_domain *dom = ctx;
    dom->eof_timer = 0;
    vfd_domain_kill(dom, "closed its message socket but did not exit");
}

/* Usually the process is dying already (it exited, or someone killed it):
 * give SIGCHLD a moment, so its death is told as it happened. */
void vfd_domain_eof(struct vfd_domain *dom)
{
    link_close(dom);
    if (dom->pid > 0 && !dom->eof_timer)
        dom->eof_timer = ev_timer_add(dom->d->loop, EOF_GRACE_MS, 0, eof_due, dom);
}

static void spawn(struct vfd_domain *dom);

static void restart_due(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct vfd_domain *dom = ctx;
    dom->restart_timer = 0;
    dom->restarts++;
    spawn(dom);
}

static void schedule_restart(struct vfd_domain *dom)
{
    const struct vfd_domain_conf *c = dom->conf;
    uint64_t now = ev_now_ms(dom->d->loop);
    if (dom->started_ms && now - dom->started_ms >= c->healthy_ms) dom->backoff_ms = 0;
    uint64_t delay = dom->backoff_ms ? dom->backoff_ms : c->restart_min_ms;
    dom->backoff_ms = delay * 2 > c->restart_max_ms ? c->restart_max_ms : delay * 2;
    dom->state = VFD_DOM_RESTARTING;
    dom->restart_timer = ev_timer_add(dom->d->loop, delay, 0, restart_due, dom);
    log_info(&dom->d->log, "domain", "domain %s restarts in %llu ms", c->name,
             (unsigned long long)delay);
}

static void dom_exited(struct vfd_domain *dom, int status, const struct rusage *ru)
{
    struct vfd *d = dom->d;
    char how[SBX_ERR_MAX];
    link_close(dom);
    brk_down(dom->brk); /* the switches see their connections end, and reconnect */
    if (dom->hb_timer) ev_timer_cancel(d->loop, dom->hb_timer);
    if (dom->fail_timer) ev_timer_cancel(d->loop, dom->fail_timer);
    if (dom->eof_timer) ev_timer_cancel(d->loop, dom->eof_timer);
    dom->hb_timer = dom->fail_timer = dom->eof_timer = 0;
    sbx_describe_exit_usage(status, ru, dom->conf->limits.cpu_seconds, how, sizeof(how));
    /* A SIGKILL the core sent is described by the core; anything else by
     * the wait status (exited 3, killed by SIGSYS (seccomp...), ...). */
    if (dom->kill_reason[0] && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        snprintf(dom->last_exit, sizeof(dom->last_exit), "killed by the core (SIGKILL): %s",
                 dom->kill_reason);
    else if (dom->kill_reason[0])
        snprintf(dom->last_exit, sizeof(dom->last_exit), "%s before the core's SIGKILL for: %s",
                 how, dom->kill_reason);
    else
        snprintf(dom->last_exit, sizeof(dom->last_exit), "%s", how);
    dom->exits++;
    log_msg(&d->log, dom->state == VFD_DOM_STOPPED ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "domain",
            "domain %s (pid %d) %s", dom->conf->name, (int)dom->pid, dom->last_exit);
    dom->pid = 0;
    dom->kill_reason[0] = '\0';
    memset(&dom->stats, 0, sizeof(dom->stats));
    vfd_ctlreqs_fail(dom, dom->last_exit);
    if (dom->conf->kind == MSG_KIND_OF) vfd_apps_domain_down(d, dom->last_exit);
    vfd_cluster_domain_down(dom);
    if (dom->state == VFD_DOM_STOPPED) return;
    schedule_restart(dom);
}

void vfd_domains_reap(struct vfd *d)
{
    for (;;) {
        int status;
        struct rusage ru;
        pid_t pid = wait4(-1, &status, WNOHANG, &ru);
        if (pid <= 0) return;
        for (size_t i = 0; i < d->n_domains; i++)
            if (d->domains[i].pid == pid) dom_exited(&d->domains[i], status, &ru);
    }
}

/* ---- heartbeat ---------------------------------------------------------------------- */

static void hb_check(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)id;
    struct vfd_domain *dom = ctx;
    uint64_t silent = ev_now_ms(loop) - dom->last_hb_ms;
    if (dom->pid > 0 && !dom->kill_reason[0] && silent > dom->conf->heartbeat_timeout_ms)
        vfd_domain_kill(dom, "no heartbeat for %llu ms", (unsigned long long)silent);
}

/* ---- spawning ------------------------------------------------------------------------- */

static int spawn_process(struct vfd_domain *dom, int child_fd, char *err, size_t errcap)
{
    const struct vfd_domain_conf *c = dom->conf;
    char *argv[VFD_MAX_ARGS + 2];
    size_t n = 0;
    argv[n++] = (char *)c->binary;
    if (c->nargs)
        for (size_t i = 0; i < c->nargs; i++)
            argv[n++] = (char *)c->args[i];
    else
        argv[n++] = (char *)c->name; /* shows in ps; the domain reads nothing from it */
    argv[n] = NULL;
    struct sbx_spec spec;
    sbx_spec_init(&spec, c->name, c->binary, child_fd);
    spec.argv = argv;
    spec.limits = c->limits;
    spec.stderr_fd = c->stderr_inherit ? STDERR_FILENO : -1;
    return sbx_spawn(&spec, &dom->pid, err, errcap);
}

static void spawn(struct vfd_domain *dom)
{
    struct vfd *d = dom->d;
    char err[SBX_ERR_MAX];
    int sv[2];
    dom->started_ms = ev_now_ms(d->loop);
    if (msg_socketpair(sv, err, sizeof(err)) != MSG_OK) {
        snprintf(dom->last_exit, sizeof(dom->last_exit), "not started: %s", err);
        log_error(&d->log, "domain", "domain %s: %s", dom->conf->name, dom->last_exit);
        schedule_restart(dom);
        return;
    }
    int rc = spawn_process(dom, sv[1], err, sizeof(err));
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        dom->pid = 0;
        snprintf(dom->last_exit, sizeof(dom->last_exit), "not started: %s", err);
        log_error(&d->log, "domain", "%s", err);
        if (dom->conf->kind == MSG_KIND_OF) vfd_apps_domain_down(d, dom->last_exit);
        if (!d->check_only) schedule_restart(dom);
        return;
    }
    dom->fd = sv[0];
    fcntl(dom->fd, F_SETFL, fcntl(dom->fd, F_GETFL) | O_NONBLOCK);
    ev_fd_add(d->loop, dom->fd, EV_READ, link_event, dom);
    dom->state = VFD_DOM_STARTING;
    dom->last_hb_ms = dom->started_ms;
    dom->next_req = 0;
    dom->kill_reason[0] = '\0';
    brk_up(dom->brk);
    dom->hb_timer =
        ev_timer_add(d->loop, dom->conf->heartbeat_ms, dom->conf->heartbeat_ms, hb_check, dom);
    log_info(&d->log, "domain", "domain %s started: pid %d (%s)", dom->conf->name, (int)dom->pid,
             dom->conf->binary);
    if (vfd_push_start(dom) != 0) {
        vfd_domain_kill(dom, "could not send it its start-up set");
        return;
    }
    vfd_cluster_domain_up(dom);
}

int vfd_domains_start(struct vfd *d, char *err, size_t errcap)
{
    for (size_t i = 0; i < d->cfg.n_domains; i++) {
        const struct vfd_domain_conf *c = &d->cfg.domains[i];
        /* --check needs the apps compiled, which is the of domain's job. */
        if (d->check_only && c->kind != MSG_KIND_OF) continue;
        struct vfd_domain *dom = &d->domains[d->n_domains];
        memset(dom, 0, sizeof(*dom));
        dom->d = d;
        dom->conf = c;
        dom->fd = -1;
        dom->brk = brk_new(d->loop, &d->log, c->name, &c->policy, c->max_socks, brk_send, dom);
        if (!dom->brk || msg_outq_init(&dom->out, OUTQ_MAX) != MSG_OK) {
            snprintf(err, errcap, "out of memory");
            brk_free(dom->brk);
            return -1;
        }
        d->n_domains++;
        /* The controller's listeners: opened now, while the core may still
         * bind privileged ports, and held for every incarnation. */
        for (size_t k = 0; c->kind == MSG_KIND_OF && !d->check_only && k < d->cfg.n_listen; k++) {
            char why[SOCK_ERR_MAX];
            if (brk_hold(dom->brk, d->cfg.listen_addr[k], 4096, why, sizeof(why)) != 0) {
                snprintf(err, errcap, "listen %s: %s", d->cfg.listen[k], why);
                return -1;
            }
            log_info(&d->log, "domain", "OpenFlow listener on %s (held for domain %s)%s%s",
                     d->cfg.listen[k], c->name, d->cfg.listen_tls[k] ? ", TLS as " : "",
                     d->cfg.listen_tls[k] ? d->cfg.tls.subject : "");
        }
    }
    return 0;
}

void vfd_domains_spawn(struct vfd *d)
{
    for (size_t i = 0; i < d->n_domains; i++)
        spawn(&d->domains[i]);
}

/* SHUTDOWN to every domain, a grace period, then SIGKILL for the rest. */
void vfd_domains_stop(struct vfd *d)
{
    union msg_body b = {.shutdown = {MSG_SHUT_STOP, STOP_GRACE_MS}};
    for (size_t i = 0; i < d->n_domains; i++) {
        struct vfd_domain *dom = &d->domains[i];
        dom->state = VFD_DOM_STOPPED;
        if (dom->restart_timer) ev_timer_cancel(d->loop, dom->restart_timer);
        dom->restart_timer = 0;
        if (dom->fd >= 0) {
            vfd_domain_send(dom, MSG_SHUTDOWN, 0, &b, NULL, 0);
            char err[MSG_ERR_MAX];
            msg_outq_flush(&dom->out, dom->fd, err, sizeof(err));
        }
    }
    for (int waited = 0;; waited += 10) {
        vfd_domains_reap(d);
        size_t alive = 0;
        for (size_t i = 0; i < d->n_domains; i++)
            alive += d->domains[i].pid > 0;
        if (!alive) break;
        if (waited >= STOP_GRACE_MS)
            for (size_t i = 0; i < d->n_domains; i++)
                if (d->domains[i].pid > 0)
                    vfd_domain_kill(&d->domains[i], "still running %d ms after SHUTDOWN",
                                    STOP_GRACE_MS);
        nanosleep(&(struct timespec){0, 10 * 1000000}, NULL);
    }
    for (size_t i = 0; i < d->n_domains; i++) {
        struct vfd_domain *dom = &d->domains[i];
        link_close(dom);
        if (dom->hb_timer) ev_timer_cancel(d->loop, dom->hb_timer);
        if (dom->fail_timer) ev_timer_cancel(d->loop, dom->fail_timer);
        if (dom->eof_timer) ev_timer_cancel(d->loop, dom->eof_timer);
        brk_free(dom->brk);
        msg_outq_free(&dom->out);
    }
    d->n_domains = 0;
}
