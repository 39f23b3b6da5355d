/*
 * vfd_ctl.c - the local control socket (unix, mode 0600: root on the host).
 * One request line per connection ("status", "status --json", "flows DPID
 * [--json]", "reload", "rule add RULE...", "stats", ...); the answer starts
 * with "OK" or "ERR message" and the connection closes after it. Requests are
 * bounded, idle clients are dropped, and a slow client never blocks the core
 * (replies are queued and written as the socket allows). What a command asked
 * a domain is cancelled when its client goes away.
 *
 * The same commands also run for the management domain (vfd_mgmt.c) on a
 * client with no socket (fd -1): its whole reply goes to a callback once it
 * is complete, so the answers over the network are the very text of the
 * local socket's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/vfd.h"
#include "daemon/vfd_ctl.h"
#include "lib/buf.h"
#include "lib/sock.h"

#define CTL_MAX_REQ     1024
#define CTL_MAX_CLIENTS 64
#define CTL_IDLE_MS     5000 /* for the request line; a waiting reply has its own timeouts */
#define CTL_MAX_REPLY   (16u << 20)
#define CTL_MAX_ARGS    32 /* words of a request line (a rule's text takes up to 13) */

struct ctl_client {
    struct vfd_ctl *ctl;
    int fd;
    char req[CTL_MAX_REQ + 1];
    size_t req_len;
    int answered; /* request taken; further input ignored */
    int waiting;  /* an answer from a domain is pending */
    struct buf out;
    uint64_t timer;
    struct ctl_client *next;
    ctl_done_fn *done; /* a client without a socket (fd -1): where its reply goes */
    void *done_ctx;
};

struct vfd_ctl {
    struct vfd *d;
    int fd;
    char *path;
    struct ctl_client *clients;
    unsigned n_clients;
};

static void client_close(struct ctl_client *cl)
{
    struct vfd_ctl *ctl = cl->ctl;
    vfd_domains_cancel_owner(ctl->d, cl);
    for (struct ctl_client **p = &ctl->clients; *p; p = &(*p)->next)
        if (*p == cl) {
            *p = cl->next;
            break;
        }
    ctl->n_clients--;
    if (cl->timer) ev_timer_cancel(ctl->d->loop, cl->timer);
    if (cl->fd >= 0) {
        ev_fd_del(ctl->d->loop, cl->fd);
        close(cl->fd);
    } else if (cl->done) { /* ended before its reply was complete */
        cl->done(cl->done_ctx, NULL, 0);
    }
    buf_free(&cl->out);
    free(cl);
}

static void client_flush(struct ctl_client *cl)
{
    if (cl->fd < 0) { /* no socket: the reply goes whole to its callback */
        if (!cl->answered || cl->waiting) return;
        ctl_done_fn *done = cl->done;
        cl->done = NULL;
        done(cl->done_ctx, (const char *)buf_data(&cl->out), buf_len(&cl->out));
        client_close(cl);
        return;
    }
    if (buf_len(&cl->out) && buf_write_fd(&cl->out, cl->fd) < 0) {
        client_close(cl);
        return;
    }
    if (buf_len(&cl->out) == 0 && cl->answered && !cl->waiting) {
        client_close(cl);
        return;
    }
    ev_fd_mod(cl->ctl->d->loop, cl->fd, buf_len(&cl->out) ? EV_WRITE : EV_READ);
}

void ctl_printf(struct ctl_client *cl, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof(line)) n = sizeof(line) - 1;
    if (buf_append(&cl->out, line, (size_t)n) != BUF_OK) {
        /* over the reply cap (16 MiB): the rest is dropped, the reply is cut short
         * rather than grown without bound (no marker is written yet) */
        cl->waiting = 0;
    }
}

void ctl_write(struct ctl_client *cl, const char *p, size_t n)
{
    if (buf_append(&cl->out, p, n) != BUF_OK) cl->waiting = 0; /* over the reply cap */
}

void ctl_reply_done(struct ctl_client *cl)
{
    cl->waiting = 0;
    client_flush(cl);
}

void ctl_reply_wait(struct ctl_client *cl)
{
    cl->waiting = 1;
}

struct vfd *ctl_daemon(struct ctl_client *cl)
{
    return cl->ctl->d;
}

static void handle_request(struct ctl_client *cl, char *line)
{
    char *argv[CTL_MAX_ARGS + 1];
    int argc = 0;
    for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
        if (argc == CTL_MAX_ARGS) {
            cl->answered = 1;
            ctl_printf(cl, "ERR more than %d words in a request\n", CTL_MAX_ARGS);
            return;
        }
        argv[argc++] = tok;
    }
    cl->answered = 1;
    if (argc == 0) {
        ctl_printf(cl, "ERR empty request\n");
        return;
    }
    int json = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof(argv[0]));
            argc--;
            i--;
        }
    const struct ctl_command *cmd = ctl_command_find(argv[0]);
    if (!cmd) {
        ctl_printf(cl,
                   "ERR unknown command '%.64s' (try: status, flows DPID, reload, rule, stats, "
                   "ports, guests, domains, block, unblock, cluster)\n",
                   argv[0]);
        return;
    }
    if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
        ctl_printf(cl, "ERR usage: %s\n", cmd->usage);
        return;
    }
    cmd->run(cl, argc - 1, argv + 1, json);
}

static void client_readable(struct ctl_client *cl)
{
    ssize_t n = read(cl->fd, cl->req + cl->req_len, CTL_MAX_REQ - cl->req_len);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        client_close(cl);
        return;
    }
    if (n < 0 || cl->answered) return;
    cl->req_len += (size_t)n;
    cl->req[cl->req_len] = '\0';
    char *nl = memchr(cl->req, '\n', cl->req_len);
    if (!nl) {
        if (cl->req_len == CTL_MAX_REQ) {
            cl->answered = 1;
            ctl_printf(cl, "ERR request longer than %d bytes\n", CTL_MAX_REQ);
            client_flush(cl);
        }
        return;
    }
    *nl = '\0';
    if (strlen(cl->req) != (size_t)(nl - cl->req)) {
        cl->answered = 1;
        ctl_printf(cl, "ERR NUL byte in request\n");
    } else {
        handle_request(cl, cl->req);
    }
    client_flush(cl);
}

static void client_event(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)loop;
    (void)fd;
    struct ctl_client *cl = ctx;
    if (events & EV_READ) {
        client_readable(cl);
        return; /* cl may be gone */
    }
    if (events & EV_WRITE) client_flush(cl);
}

static void client_idle(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)id;
    struct ctl_client *cl = ctx;
    cl->timer = 0;
    /* An answer still coming from a domain ends by its own timeout. */
    if (cl->waiting) {
        cl->timer = ev_timer_add(loop, CTL_IDLE_MS, 0, client_idle, cl);
        return;
    }
    client_close(cl);
}

static void ctl_accept(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)events;
    struct vfd_ctl *ctl = ctx;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) return;
        if (ctl->n_clients >= CTL_MAX_CLIENTS) {
            static const char busy[] = "ERR too many control clients\n";
            if (write(cfd, busy, sizeof(busy) - 1) < 0) { /* best effort */
            }
            close(cfd);
            continue;
        }
        struct ctl_client *cl = calloc(1, sizeof(*cl));
        if (!cl) {
            close(cfd);
            continue;
        }
        cl->ctl = ctl;
        cl->fd = cfd;
        buf_init(&cl->out, CTL_MAX_REPLY);
        if (ev_fd_add(loop, cfd, EV_READ, client_event, cl) != 0) {
            close(cfd);
            free(cl);
            continue;
        }
        cl->timer = ev_timer_add(loop, CTL_IDLE_MS, 0, client_idle, cl);
        cl->next = ctl->clients;
        ctl->clients = cl;
        ctl->n_clients++;
    }
}

int vfd_ctl_run(struct vfd_ctl *ctl, const char *line, ctl_done_fn *done, void *ctx)
{
    struct ctl_client *cl = calloc(1, sizeof(*cl));
    if (!cl || strlen(line) > CTL_MAX_REQ) {
        free(cl);
        return -1;
    }
    cl->ctl = ctl;
    cl->fd = -1;
    cl->done = done;
    cl->done_ctx = ctx;
    buf_init(&cl->out, CTL_MAX_REPLY);
    snprintf(cl->req, sizeof(cl->req), "%s", line);
    cl->next = ctl->clients;
    ctl->clients = cl;
    ctl->n_clients++;
    handle_request(cl, cl->req);
    /* done() runs from here when the command answered at once (cl is gone) */
    client_flush(cl);
    return 0;
}

struct vfd_ctl *vfd_ctl_new(struct vfd *d, const char *path, char *err, size_t errcap)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errcap, "control socket path too long: %s", path);
        return NULL;
    }
    strcpy(sa.sun_path, path);
    struct vfd_ctl *ctl = calloc(1, sizeof(*ctl));
    if (!ctl) return NULL;
    ctl->d = d;
    ctl->path = strdup(path);
    ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* A stale socket from a previous run is removed; a live daemon would answer. */
    if (connect(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        snprintf(err, errcap, "%s: another visorflowd is running", path);
        goto fail;
    }
    unlink(path);
    mode_t old = umask(077);
    int rc = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0 || listen(ctl->fd, 64) != 0 ||
        ev_fd_add(d->loop, ctl->fd, EV_READ, ctl_accept, ctl) != 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        goto fail;
    }
    return ctl;
fail:
    close(ctl->fd);
    free(ctl->path);
    free(ctl);
    return NULL;
}

void vfd_ctl_free(struct vfd_ctl *ctl)
{
    if (!ctl) return;
    while (ctl->clients)
        client_close(ctl->clients);
    ev_fd_del(ctl->d->loop, ctl->fd);
    close(ctl->fd);
    unlink(ctl->path);
    free(ctl->path);
    free(ctl);
}
