/*
 * vfd_apps.c - the apps as the core sees them: bytes. The core reads the
 * configured app files (the domain cannot open a file), pushes them to the of
 * domain as one APP_SOURCES set, and learns from its APP_RESULT whether the
 * set runs. It never compiles or looks into them.
 *
 * The set the domain accepted last is kept ("live"): a restarted domain gets
 * exactly that set again, not whatever the files hold now, so a broken edit
 * on disk cannot take the network down through a crash. One reload at a time
 * is in flight; app_dir is watched with inotify (debounced: editors write a
 * file in several steps).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "daemon/vfd.h"

#define VFD_RELOAD_DEBOUNCE_MS 200

int vfd_appset_read(const struct vfd_config *cfg, struct vfd_appset **out, char *err, size_t errcap)
{
    struct vfd_appset *set = calloc(1, sizeof(*set));
    if (!set) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    set->refs = 1;
    for (size_t i = 0; i < cfg->n_apps; i++) {
        struct vfd_app_src *a = &set->apps[i];
        snprintf(a->name, sizeof(a->name), "%s", cfg->apps[i].name);
        int n = snprintf(a->origin, sizeof(a->origin), "%s/%s.lua", cfg->app_dir, a->name);
        if (n < 0 || (size_t)n >= sizeof(a->origin)) {
            snprintf(err, errcap, "%s/%s.lua: path longer than %d bytes", cfg->app_dir, a->name,
                     MSG_ORIGIN_MAX);
            vfd_appset_unref(set);
            return -1;
        }
        /* An app must fit one APP_SOURCES message. */
        if (vfd_read_file(a->origin, &a->text, &a->len, MSG_SOURCE_MAX, err, errcap) != 0) {
            vfd_appset_unref(set);
            return -1;
        }
        if (memchr(a->text, '\0', a->len)) {
            snprintf(err, errcap, "%s:0: NUL byte in the file (apps are text)", a->origin);
            vfd_appset_unref(set);
            return -1;
        }
        set->n = i + 1;
    }
    *out = set;
    return 0;
}

void vfd_appset_unref(struct vfd_appset *set)
{
    if (!set || --set->refs) return;
    for (size_t i = 0; i < set->n; i++)
        free(set->apps[i].text);
    free(set);
}

/* ---- the set in flight ------------------------------------------------------- */

static void reload_end(struct vfd *d, const char *err)
{
    struct vfd_reload r = d->reload;
    if (r.timer) ev_timer_cancel(d->loop, r.timer);
    memset(&d->reload, 0, sizeof(d->reload));
    if (!err) {
        vfd_appset_unref(d->apps_live);
        d->apps_live = r.set;
        d->reloads_ok++;
        d->last_reload_error[0] = '\0';
    } else {
        vfd_appset_unref(r.set);
        d->reloads_failed++;
        snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s", err);
    }
    if (r.done) r.done(r.ctx, err);
}

static void reload_timeout(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop, (void)id;
    struct vfd *d = ctx;
    d->reload.timer = 0;
    reload_end(d, "no answer from domain of in time");
}

static int begin(struct vfd *d, struct vfd_appset *set, vfd_done_fn *done, void *ctx,
                 const void *owner, int startup)
{
    d->reload = (struct vfd_reload){.active = 1,
                                    .startup = startup,
                                    .gen = ++d->app_gen,
                                    .set = set,
                                    .done = done,
                                    .ctx = ctx,
                                    .owner = owner};
    if (!startup)
        d->reload.timer = ev_timer_add(d->loop, VFD_RELOAD_TIMEOUT_MS, 0, reload_timeout, d);
    return 0;
}

int vfd_apps_startup(struct vfd *d, vfd_done_fn *done, void *ctx, char *err, size_t errcap)
{
    struct vfd_appset *set;
    if (vfd_appset_read(&d->cfg, &set, err, errcap) != 0) return -1;
    return begin(d, set, done, ctx, NULL, 1);
}

int vfd_apps_reload(struct vfd *d, vfd_done_fn *done, void *ctx, const void *owner, char *err,
                    size_t errcap)
{
    struct vfd_domain *dom = vfd_domain_find(d, MSG_KIND_OF);
    if (d->reload.active) {
        snprintf(err, errcap, "a reload is already in progress");
        return -1;
    }
    if (!dom || dom->state > VFD_DOM_RUNNING) {
        snprintf(err, errcap, "domain of is not running (%s)",
                 dom ? vfd_dom_state_name(dom->state) : "not configured");
        return -1;
    }
    struct vfd_appset *set;
    if (vfd_appset_read(&d->cfg, &set, err, errcap) != 0) return -1;
    begin(d, set, done, ctx, owner, 0);
    if (vfd_push_apps(dom, set, d->reload.gen) != 0) {
        /* The domain is being ended for it; say so now. */
        snprintf(err, errcap, "domain of did not take the apps");
        d->reload.done = NULL;
        reload_end(d, err);
        return -1;
    }
    return 0;
}

const struct vfd_appset *vfd_apps_for_start(struct vfd *d, uint32_t *gen)
{
    /* The startup set waits for its first answer, across restarts. */
    if (d->reload.active && d->reload.startup) {
        *gen = d->reload.gen = ++d->app_gen;
        return d->reload.set;
    }
    *gen = ++d->app_gen;
    return d->apps_live;
}

int vfd_apps_result(struct vfd_domain *dom, const struct msg_app_result *m, struct msg_r *r)
{
    struct vfd *d = dom->d;
    /* Each pushed generation is answered once, in order. */
    if (m->generation <= dom->app_gen_answered || m->generation > d->app_gen)
        return msg_r_fail(r, "app result for generation %u, pushed up to %u, answered %u",
                          m->generation, d->app_gen, dom->app_gen_answered);
    dom->app_gen_answered = m->generation;
    const char *err = m->error[0] ? m->error : NULL;
    if (d->reload.active && m->generation == d->reload.gen) {
        if (err)
            log_error(&d->log, "apps", "load failed, previous apps keep running: %s", err);
        else
            log_info(&d->log, "apps", "domain of runs %zu apps (generation %u)", d->reload.set->n,
                     m->generation);
        reload_end(d, err);
    } else if (err) {
        /* The live set, pushed again after a restart, no longer loads. */
        log_error(&d->log, "apps", "domain of could not load its apps again: %s", err);
    }
    return MSG_OK;
}

void vfd_apps_domain_down(struct vfd *d, const char *why)
{
    char err[MSG_VALUE_MAX];
    if (d->reload.active && d->reload.startup && d->check_only) {
        /* --check has one domain and one load: no second chance. */
        snprintf(err, sizeof(err), "domain of ended before it loaded the apps (%s)", why);
        reload_end(d, err);
        return;
    }
    if (!d->reload.active || d->reload.startup) return;
    snprintf(err, sizeof(err), "domain of ended during the reload (%s); previous apps kept", why);
    reload_end(d, err);
}

void vfd_apps_cancel_owner(struct vfd *d, const void *owner)
{
    if (d->reload.active && d->reload.owner == owner && owner) {
        d->reload.done = NULL; /* the result still counts, nobody hears it */
        d->reload.owner = NULL;
    }
}

/* ---- inotify ------------------------------------------------------------------ */

struct vfd_watch {
    struct vfd *d;
    int fd;
    uint64_t timer;
};

static void watch_done(void *ctx, const char *err)
{
    struct vfd *d = ctx;
    if (!err) log_info(&d->log, "apps", "apps reloaded after a change in %s", d->cfg.app_dir);
}

static void watch_reload(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)id;
    struct vfd_watch *w = ctx;
    char err[MSG_VALUE_MAX];
    w->timer = 0;
    if (w->d->reload.active) { /* one at a time: try again shortly */
        w->timer = ev_timer_add(loop, VFD_RELOAD_DEBOUNCE_MS, 0, watch_reload, w);
        return;
    }
    if (vfd_apps_reload(w->d, watch_done, w->d, NULL, err, sizeof(err)) != 0)
        log_error(&w->d->log, "apps", "reload failed, previous apps keep running: %s", err);
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
        log_warn(&d->log, "apps", "cannot watch %s (%s): reload with visorflowctl reload",
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
