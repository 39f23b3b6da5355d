/*
 * vfd.h - visorflowd, the daemon: what its files share. The daemon owns every
 * file and socket it is configured with and hands the controller engine (ofc)
 * and the Lua app host (lof) only data and descriptors.
 */
#ifndef VF_VFD_H
#define VF_VFD_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "lof/lof.h"
#include "ofc/ofc.h"

#define VFD_MAX_LISTEN 8
#define VFD_MAX_APPS 32
#define VFD_MAX_APP_BYTES (1u << 20)

struct vfd_app_conf {
    char *name;
    struct lof_kv *kv; /* points into the struct conf */
    size_t nkv;
};

struct vfd_config {
    struct conf conf; /* the parsed file; the fields below point into it */
    const char *listen[VFD_MAX_LISTEN];
    size_t n_listen;
    struct ofc_config ofc;
    struct vlua_limits lua;
    char *app_dir;
    struct vfd_app_conf apps[VFD_MAX_APPS]; /* in chain order */
    size_t n_apps;
    const char *control; /* unix socket path */
    const char *record_dir;
    enum log_level log_level;
    int log_syslog; /* log_target = syslog */
};

/* Reads and checks the whole file; -1 with "file:line: message". */
int vfd_config_load(struct vfd_config *cfg, const char *path, char *err, size_t errcap);
void vfd_config_free(struct vfd_config *cfg);

struct vfd {
    struct ev_loop *loop;
    struct log log;
    struct vfd_config cfg;
    const char *config_path;
    struct ofc *ofc;
    struct lof *lof;
    struct vfd_ctl *ctl;
    struct vfd_watch *watch;
    struct vfd_records *records;
    uint64_t started_ms;
    unsigned reloads_ok, reloads_failed;
    char last_reload_error[512];
};

/* Read the app sources named by the configuration and load them (first load
 * or reload). -1 with err. */
int vfd_apps_load(struct vfd *d, char *err, size_t errcap);
/* Watch app_dir with inotify and reload (debounced) when a file changes. */
struct vfd_watch *vfd_watch_new(struct vfd *d);
void vfd_watch_free(struct vfd_watch *w);

/* Control socket: status, flows DPID, reload. */
struct vfd_ctl *vfd_ctl_new(struct vfd *d, const char *path, char *err, size_t errcap);
void vfd_ctl_free(struct vfd_ctl *c);

/* Records from apps (flowmon's CSV): record_dir/APP-STREAM.csv */
struct vfd_records *vfd_records_new(const char *dir, struct log *log);
void vfd_records_free(struct vfd_records *r);
void vfd_record(void *ctx, const char *app, const char *stream, const char *line);

#endif
