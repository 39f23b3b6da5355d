/*
 * vfd_apps.c - reads the configured Lua apps from app_dir and hands them to the
 * app host as data; watches app_dir with inotify so an edited app is reloaded
 * (debounced: editors write a file in several steps). A failed reload leaves
 * the running apps untouched and is reported in the log and in `status`.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "daemon/vfd.h"

#define VFD_RELOAD_DEBOUNCE_MS 200

int vfd_read_file(const char *path, char **out, size_t *len, size_t max, char *err,
                  size_t errcap);

int vfd_apps_load(struct vfd *d, char *err, size_t errcap)
{
    struct vfd_config *cfg = &d->cfg;
    struct lof_app_src src[VFD_MAX_APPS];
    char *text[VFD_MAX_APPS] = {0};
    char origin[VFD_MAX_APPS][PATH_MAX];
    int rc = -1;
    size_t i;
    for (i = 0; i < cfg->n_apps; i++) {
        snprintf(origin[i], sizeof(origin[i]), "%s/%s.lua", cfg->app_dir, cfg->apps[i].name);
        size_t len;
        if (vfd_read_file(origin[i], &text[i], &len, VFD_MAX_APP_BYTES, err, errcap) != 0)
            goto out;
        src[i] = (struct lof_app_src){cfg->apps[i].name, origin[i], text[i], len,
                                      cfg->apps[i].kv, cfg->apps[i].nkv};
    }
    rc = lof_load(d->lof, src, cfg->n_apps, err, errcap);
out:
    for (size_t k = 0; k < cfg->n_apps; k++) free(text[k]);
    if (rc == 0) {
        d->reloads_ok++;
        d->last_reload_error[0] = '\0';
    } else {
        d->reloads_failed++;
        snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s", err);
    }
    return rc;
}

struct vfd_watch {
    struct vfd *d;
    int fd;
    uint64_t timer;
};

static void watch_reload(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop;
    (void)id;
    struct vfd_watch *w = ctx;
    char err[512];
    w->timer = 0;
    if (vfd_apps_load(w->d, err, sizeof(err)) == 0)
        log_info(&w->d->log, "daemon", "apps reloaded after a change in %s", w->d->cfg.app_dir);
    else
        log_error(&w->d->log, "daemon", "reload failed, previous apps keep running: %s", err);
}

static int watched_app(const struct vfd *d, const char *name)
{
    size_t n = strlen(name);
    if (n < 5 || strcmp(name + n - 4, ".lua") != 0) return 0;
    for (size_t i = 0; i < d->cfg.n_apps; i++)
        if (strlen(d->cfg.apps[i].name) == n - 4 && strncmp(d->cfg.apps[i].name, name, n - 4) == 0)
            return 1;
    return 0;
}

static void watch_readable(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)events;
    struct vfd_watch *w = ctx;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int hit = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len && watched_app(w->d, ev->name)) hit = 1;
            p += sizeof(*ev) + ev->len;
        }
    }
    if (!hit) return;
    if (w->timer) ev_timer_cancel(loop, w->timer);
    w->timer = ev_timer_add(loop, VFD_RELOAD_DEBOUNCE_MS, 0, watch_reload, w);
}

struct vfd_watch *vfd_watch_new(struct vfd *d)
{
    struct vfd_watch *w = calloc(1, sizeof(*w));
    if (!w) return NULL;
    w->d = d;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0 ||
        inotify_add_watch(w->fd, d->cfg.app_dir,
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0 ||
        ev_fd_add(d->loop, w->fd, EV_READ, watch_readable, w) != 0) {
        log_warn(&d->log, "daemon", "cannot watch %s (%s): reload with visorflowctl reload",
                 d->cfg.app_dir, strerror(errno));
        if (w->fd >= 0) close(w->fd);
        free(w);
        return NULL;
    }
    return w;
}

void vfd_watch_free(struct vfd_watch *w)
{
    if (!w) return;
    if (w->timer) ev_timer_cancel(w->d->loop, w->timer);
    ev_fd_del(w->d->loop, w->fd);
    close(w->fd);
    free(w);
}
