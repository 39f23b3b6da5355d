/*
 * vfd_records.c - where apps' records go: one append-only file per app and
 * stream, record_dir/APP-STREAM.csv. Apps never touch files; they emit lines
 * and the daemon decides where they land. Names are checked so an app cannot
 * steer a path, and the number of open files is bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/vfd.h"

#define VFD_MAX_STREAMS 32

struct vfd_records {
    char *dir;
    struct log *log;
    struct {
        char name[130];
        int fd;
    } s[VFD_MAX_STREAMS];
    size_t n;
    int warned;
};

struct vfd_records *vfd_records_new(const char *dir, struct log *log)
{
    struct vfd_records *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->dir = dir ? strdup(dir) : NULL;
    r->log = log;
    return r;
}

void vfd_records_free(struct vfd_records *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) close(r->s[i].fd);
    free(r->dir);
    free(r);
}

static int safe_name(const char *s)
{
    if (!*s || strlen(s) > 64) return 0;
    for (; *s; s++)
        if (!(*s == '_' || *s == '-' || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static int stream_fd(struct vfd_records *r, const char *app, const char *stream)
{
    char name[130];
    snprintf(name, sizeof(name), "%s-%s", app, stream);
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->s[i].name, name) == 0) return r->s[i].fd;
    if (r->n == VFD_MAX_STREAMS) return -1;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.csv", r->dir, name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        log_error(r->log, "records", "%s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(r->s[r->n].name, sizeof(r->s[r->n].name), "%s", name);
    r->s[r->n++].fd = fd;
    return fd;
}

void vfd_record(void *ctx, const char *app, const char *stream, const char *line)
{
    struct vfd_records *r = ctx;
    if (!r->dir) {
        if (!r->warned++)
            log_warn(r->log, "records", "app %s emits records but [daemon] record_dir is unset",
                     app);
        return;
    }
    if (!safe_name(app) || !safe_name(stream) || strchr(line, '\n')) {
        log_warn(r->log, "records", "record from app %s refused (stream or line malformed)", app);
        return;
    }
    int fd = stream_fd(r, app, stream);
    if (fd < 0) return;
    size_t n = strlen(line);
    char buf[4096];
    if (n + 1 > sizeof(buf)) return;
    memcpy(buf, line, n);
    buf[n] = '\n';
    if (write(fd, buf, n + 1) < 0) log_error(r->log, "records", "write: %s", strerror(errno));
}
