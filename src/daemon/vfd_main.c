/*
 * vfd_main.c - visorflowd: reads the configuration, opens what it names (the
 * OpenFlow listeners, the control socket, the app files, the record files),
 * and runs the controller engine with the Lua apps on one event loop.
 * SIGHUP reloads the apps; SIGINT/SIGTERM stop cleanly.
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

static void usage(FILE *f)
{
    fprintf(f, "usage: visorflowd -c CONFIG [--check]\n"
               "  -c, --config FILE  configuration file (see docs/configuration.md)\n"
               "      --check        check the configuration and the apps, then exit\n"
               "  -h, --help         this text\n");
}

static void on_signal(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)events;
    struct vfd *d = ctx;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
            char err[512];
            if (vfd_apps_load(d, err, sizeof(err)) == 0)
                log_info(&d->log, "daemon", "apps reloaded on SIGHUP");
            else
                log_error(&d->log, "daemon", "reload failed, previous apps keep running: %s",
                          err);
        } else {
            log_info(&d->log, "daemon", "signal %u: stopping", si.ssi_signo);
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

static int setup_signals(struct vfd *d)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    signal(SIGPIPE, SIG_IGN);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return -1;
    return ev_fd_add(d->loop, fd, EV_READ, on_signal, d);
}

static int run(struct vfd *d, int check_only)
{
    char err[1024];
    struct lof_host host = {.record = vfd_record};
    d->records = vfd_records_new(d->cfg.record_dir, &d->log);
    d->lof = lof_new(d->loop, &d->log, &d->cfg.lua, &host, d->records);
    d->ofc = ofc_new(d->loop, &d->log, &d->cfg.ofc, lof_ofc_handlers(), d->lof);
    if (!d->records || !d->lof || !d->ofc) {
        log_error(&d->log, "daemon", "out of memory");
        return 1;
    }
    lof_attach(d->lof, d->ofc);
    if (vfd_apps_load(d, err, sizeof(err)) != 0) {
        log_error(&d->log, "daemon", "%s", err);
        return 1;
    }
    if (check_only) {
        printf("%s: configuration and %zu apps OK\n", d->config_path, d->cfg.n_apps);
        return 0;
    }
    for (size_t i = 0; i < d->cfg.n_listen; i++) {
        if (ofc_listen(d->ofc, d->cfg.listen[i], err, sizeof(err)) != 0) {
            log_error(&d->log, "daemon", "listen %s: %s", d->cfg.listen[i], err);
            return 1;
        }
        log_info(&d->log, "daemon", "OpenFlow listener on %s", d->cfg.listen[i]);
    }
    d->ctl = vfd_ctl_new(d, d->cfg.control, err, sizeof(err));
    if (!d->ctl) {
        log_error(&d->log, "daemon", "control socket: %s", err);
        return 1;
    }
    d->watch = vfd_watch_new(d);
    if (setup_signals(d) != 0) {
        log_error(&d->log, "daemon", "signals: %s", strerror(errno));
        return 1;
    }
    log_info(&d->log, "daemon", "visorflowd running: apps from %s, control %s", d->cfg.app_dir,
             d->cfg.control);
    ev_run(d->loop);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct vfd d = {0};
    int check = 0, c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': d.config_path = optarg; break;
        case 'k': check = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!d.config_path || optind != argc) {
        usage(stderr);
        return 2;
    }
    char err[1024];
    if (vfd_config_load(&d.cfg, d.config_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "visorflowd: %s\n", err);
        return 2;
    }
    log_init(&d.log, d.cfg.log_level);
    if (d.cfg.log_syslog) {
        openlog("visorflowd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        log_set_sink(&d.log, syslog_sink, NULL);
    }
    d.loop = ev_loop_new();
    if (!d.loop) {
        fprintf(stderr, "visorflowd: event loop: %s\n", strerror(errno));
        return 1;
    }
    d.started_ms = ev_now_ms(d.loop);
    int rc = run(&d, check);
    vfd_watch_free(d.watch);
    vfd_ctl_free(d.ctl);
    if (d.ofc) ofc_free(d.ofc);
    if (d.lof) lof_free(d.lof);
    vfd_records_free(d.records);
    ev_loop_free(d.loop);
    vfd_config_free(&d.cfg);
    return rc;
}
