/*
 * vfd_main.c - visorflowd, the core. In this order: read the configuration;
 * open what it names (control socket, records, the monitor below the guests
 * with its ports and rules and the guests' hypercall channel, the OpenFlow
 * listeners, held for the domains);
 * read the apps; give up every capability but those that
 * start domains; start each domain (vfd_domain.c) and serve until SIGINT or
 * SIGTERM. SIGHUP reloads the apps; SIGCHLD is how a domain's death arrives.
 * --check runs the of domain just long enough to load the apps once.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/vfd.h"

#define CHECK_TIMEOUT_MS 30000

static void usage(FILE *f)
{
    fprintf(f, "usage: visorflowd -c CONFIG [--check]\n"
               "  -c, --config FILE  configuration file (see docs/configuration.md)\n"
               "      --check        check the configuration, load the apps in a domain, exit\n"
               "  -h, --help         this text\n");
}

static void sighup_done(void *ctx, const char *err)
{
    struct vfd *d = ctx;
    if (!err) log_info(&d->log, "apps", "apps reloaded on SIGHUP");
}

static void on_signal(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)events;
    struct vfd *d = ctx;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            vfd_domains_reap(d);
        } else if (si.ssi_signo == SIGHUP) {
            char err[MSG_VALUE_MAX];
            if (vfd_apps_reload(d, sighup_done, d, NULL, err, sizeof(err)) != 0)
                log_error(&d->log, "apps", "reload failed, previous apps keep running: %s", err);
        } else {
            log_info(&d->log, "core", "signal %u: stopping", si.ssi_signo);
            ev_stop(loop);
        }
    }
}

/* log_target = syslog: the same lines, with the level mapped to a priority. */
static void syslog_sink(void *ctx, enum log_level level, uint64_t unix_ms, const char *module,
                        const char *msg)
{
    (void)ctx;
    (void)unix_ms;
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    syslog(prio[level <= LOG_LEVEL_DEBUG ? level : LOG_LEVEL_DEBUG], "%s: %s", module, msg);
}

/* SIGCHLD is blocked before the first domain exists, so no death is missed. */
static int setup_signals(struct vfd *d)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    signal(SIGPIPE, SIG_IGN);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return -1;
    return ev_fd_add(d->loop, fd, EV_READ, on_signal, d);
}

/* The first APP_RESULT decides: a daemon whose apps do not load at start
 * exits, as does --check after its one load. */
static void startup_done(void *ctx, const char *err)
{
    struct vfd *d = ctx;
    if (err) {
        log_error(&d->log, "apps", "%s", err);
        d->exit_code = 1;
        d->finished = 1;
        ev_stop(d->loop);
    } else if (d->check_only) {
        printf("%s: configuration and %zu apps OK\n", d->config_path, d->cfg.n_apps);
        fflush(stdout);
        d->exit_code = 0;
        d->finished = 1;
        ev_stop(d->loop);
    }
}

static void check_timeout(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)id;
    struct vfd *d = ctx;
    log_error(&d->log, "core", "--check: no answer from domain of within %d s",
              CHECK_TIMEOUT_MS / 1000);
    d->exit_code = 1;
    ev_stop(loop);
}

static int run(struct vfd *d)
{
    char err[1024];
    if (vfd_dispatch_check(err, sizeof(err)) != 0) {
        log_error(&d->log, "core", "%s", err);
        return 1;
    }
    vfd_raise_nofile(&d->cfg, &d->log);
    if (!d->check_only) {
        d->records = vfd_records_new(d->cfg.record_dir, &d->log);
        d->ctl = vfd_ctl_new(d, d->cfg.control, err, sizeof(err));
        if (!d->records || !d->ctl) {
            log_error(&d->log, "core", "control socket: %s", d->ctl ? "out of memory" : err);
            return 1;
        }
    }
    /* The monitor before the capabilities go: loading its programs and
     * attaching ports need them, as does the hypercall socket (CAP_NET_RAW);
     * its later map updates and sends do not. */
    if (vfd_mon_start(d, err, sizeof(err)) != 0 || vfd_hc_start(d, err, sizeof(err)) != 0 ||
        vfd_domains_start(d, err, sizeof(err)) != 0 ||
        vfd_apps_startup(d, startup_done, d, err, sizeof(err)) != 0) {
        log_error(&d->log, "core", "%s", err);
        return 1;
    }
    if (setup_signals(d) != 0) {
        log_error(&d->log, "core", "signals: %s", strerror(errno));
        return 1;
    }
    if (vfd_caps_drop(&d->log, err, sizeof(err)) != 0) {
        log_error(&d->log, "core", "dropping capabilities: %s", err);
        return 1;
    }
    d->exit_code = 0;
    vfd_domains_spawn(d);
    if (d->finished) return d->exit_code; /* decided before the loop ran */
    if (d->check_only) {
        ev_timer_add(d->loop, CHECK_TIMEOUT_MS, 0, check_timeout, d);
    } else {
        d->watch = vfd_watch_new(d);
        log_info(&d->log, "core", "visorflowd running: %zu domains, apps from %s, control %s",
                 d->n_domains, d->cfg.app_dir, d->cfg.control);
    }
    ev_run(d->loop);
    return d->exit_code;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static struct vfd d;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            d.config_path = optarg;
            break;
        case 'k':
            d.check_only = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!d.config_path || optind != argc) {
        usage(stderr);
        return 2;
    }
    /* The default domain binary is found next to this one. */
    ssize_t n = readlink("/proc/self/exe", d.self, sizeof(d.self) - 1);
    d.self[n > 0 ? n : 0] = '\0';
    char err[1024];
    if (vfd_config_load(&d.cfg, d.config_path, d.self, err, sizeof(err)) != 0) {
        fprintf(stderr, "visorflowd: %s\n", err);
        return 2;
    }
    /* --check speaks only of problems (and its one line of success). */
    log_init(&d.log,
             d.check_only && d.cfg.log_level > LOG_LEVEL_WARN ? LOG_LEVEL_WARN : d.cfg.log_level);
    if (d.cfg.log_syslog) {
        openlog("visorflowd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        log_set_sink(&d.log, syslog_sink, NULL);
    }
    d.loop = ev_loop_new();
    d.rx = malloc(MSG_MAX_PAYLOAD);
    if (!d.loop || !d.rx) {
        fprintf(stderr, "visorflowd: event loop: %s\n", strerror(errno));
        return 1;
    }
    d.started_ms = ev_now_ms(d.loop);
    d.exit_code = 1;
    int rc = run(&d);
    vfd_domains_stop(&d);
    vfd_watch_free(d.watch);
    vfd_ctl_free(d.ctl);
    vfd_records_free(d.records);
    vfd_hc_stop(&d);  /* before the monitor: the ring's fd is the handle's */
    vfd_mon_stop(&d); /* the handle only: the filter goes on without the core */
    vfd_cluster_free(&d);
    if (d.reload.timer) ev_timer_cancel(d.loop, d.reload.timer);
    vfd_appset_unref(d.reload.set);
    vfd_appset_unref(d.apps_live);
    ev_loop_free(d.loop);
    free(d.rx);
    vfd_config_free(&d.cfg);
    return rc;
}
