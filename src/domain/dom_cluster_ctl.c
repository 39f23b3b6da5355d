/*
 * dom_cluster_ctl.c - what the cluster domain tells `visorflowctl cluster`
 * (text or JSON): this instance and its lease, etcd's members and which of
 * them we talk to, the visorflow instances registered, the master of every
 * switch known (and this instance's role on those it has), the shared keys,
 * and the counters. Everything comes from the mirror: answering never waits
 * for etcd, so the command works best exactly when etcd is in trouble.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain/dom_cluster.h"
#include "lib/json.h"

#define CTL_MAX (4u << 20)
#define VAL_SHOWN 120

static void outf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct buf *b, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_append(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* A value as printable text: bytes outside 0x20..0x7e as \xNN, cut. */
static void shown(char *dst, size_t cap, const char *v, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)v[i];
        if (o >= VAL_SHOWN) {
            o += (size_t)snprintf(dst + o, cap - o, "...");
            break;
        }
        if (c >= 0x20 && c <= 0x7e && c != '\\')
            dst[o++] = (char)c;
        else
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
    }
    dst[o < cap ? o : cap - 1] = '\0';
}

static const char *role_of(const struct dom_cluster *k, const struct dcl_sw *s)
{
    if (!s->connected) return "not connected here";
    if (s->master) return "master";
    return s->holder[0] && strcmp(s->holder, k->name) ? "slave" : "slave (no master yet)";
}

static void text(struct dom_cluster *k, struct buf *b)
{
    uint64_t t = ev_now_ms(k->d->loop);
    outf(b, "instance %s, prefix %s\n", k->name, k->prefix);
    if (k->up)
        outf(b, "etcd: connected to %s for %.1f s\n", dcl_endpoint(k),
             (double)(t - k->up_since_ms) / 1000);
    else
        outf(b, "etcd: NOT connected (%s): local-only operation%s\n",
             k->last_error[0] ? k->last_error : "connecting",
             k->ever_up ? "" : ", never connected yet");
    if (k->lease)
        outf(b, "lease: %016" PRIx64 ", ttl %u s, valid for %.1f s more\n", (uint64_t)k->lease,
             k->ttl_s,
             t < k->lease_deadline_ms ? (double)(k->lease_deadline_ms - t) / 1000 : 0.0);
    outf(b, "etcd members (%zu):\n", k->n_etcd_members);
    for (size_t i = 0; i < k->n_etcd_members; i++)
        outf(b, "  %-12s %016" PRIx64 "  %s\n", k->etcd_members[i].name[0] ? k->etcd_members[i].name
                                                                           : "(unstarted)",
             k->etcd_members[i].id, k->etcd_members[i].client_url);
    outf(b, "instances (%zu):\n", k->n_members);
    for (size_t i = 0; i < k->n_members; i++) {
        char v[VAL_SHOWN * 4 + 8];
        shown(v, sizeof(v), k->members[i].value, k->members[i].len);
        outf(b, "  %-12s %s%s\n", k->members[i].key, v,
             strcmp(k->members[i].key, k->name) ? "" : "  (this one)");
    }
    outf(b, "switches (%zu):\n", k->n_sw);
    for (size_t i = 0; i < k->n_sw; i++) {
        const struct dcl_sw *s = &k->sw[i];
        outf(b, "  %016" PRIx64 "  master %-12s here: %s\n", s->dpid,
             s->holder[0] ? s->holder : "-", role_of(k, s));
    }
    outf(b, "shared keys (%zu):\n", k->n_shared);
    for (size_t i = 0; i < k->n_shared; i++) {
        char v[VAL_SHOWN * 4 + 8];
        shown(v, sizeof(v), k->shared[i].value, k->shared[i].len);
        outf(b, "  %s = %s%s\n", k->shared[i].key, v, k->shared[i].lease > 0 ? "  (expires)" : "");
    }
    outf(b,
         "counters: reconnects %" PRIu64 ", campaigns %" PRIu64 ", won %" PRIu64 ", lost %" PRIu64
         ", resigned %" PRIu64 ", lease losses %" PRIu64 ", writes %" PRIu64 " (failed %" PRIu64
         ", dropped %" PRIu64 ", queued now %zu), events %" PRIu64 "\n",
         k->reconnects, k->campaigns, k->won, k->lost, k->resigned, k->lease_losses, k->writes,
         k->writes_failed, k->writes_dropped, k->n_queued, k->events);
}

static void jstr(struct buf *b, const char *s)
{
    char e[1024];
    outf(b, "\"%s\"", json_escape(e, sizeof(e), s));
}

static void json(struct dom_cluster *k, struct buf *b)
{
    uint64_t t = ev_now_ms(k->d->loop);
    outf(b, "{\"instance\":");
    jstr(b, k->name);
    outf(b, ",\"prefix\":");
    jstr(b, k->prefix);
    outf(b, ",\"connected\":%s,\"endpoint\":", k->up ? "true" : "false");
    jstr(b, dcl_endpoint(k));
    outf(b, ",\"last_error\":");
    jstr(b, k->last_error);
    outf(b, ",\"lease\":\"%016" PRIx64 "\",\"lease_ttl\":%u,\"lease_valid_ms\":%" PRIu64,
         (uint64_t)k->lease, k->ttl_s, t < k->lease_deadline_ms ? k->lease_deadline_ms - t : 0);
    outf(b, ",\"etcd_members\":[");
    for (size_t i = 0; i < k->n_etcd_members; i++) {
        outf(b, "%s{\"name\":", i ? "," : "");
        jstr(b, k->etcd_members[i].name);
        outf(b, ",\"id\":\"%016" PRIx64 "\",\"client_url\":", k->etcd_members[i].id);
        jstr(b, k->etcd_members[i].client_url);
        outf(b, "}");
    }
    outf(b, "],\"instances\":[");
    for (size_t i = 0; i < k->n_members; i++) {
        outf(b, "%s", i ? "," : "");
        jstr(b, k->members[i].key);
    }
    outf(b, "],\"switches\":[");
    for (size_t i = 0; i < k->n_sw; i++) {
        const struct dcl_sw *s = &k->sw[i];
        outf(b, "%s{\"dpid\":\"%016" PRIx64 "\",\"master\":", i ? "," : "", s->dpid);
        jstr(b, s->holder);
        outf(b, ",\"connected\":%s,\"role\":\"%s\"}", s->connected ? "true" : "false",
             !s->connected ? "none" : s->master ? "master" : "slave");
    }
    outf(b, "],\"shared\":{");
    for (size_t i = 0; i < k->n_shared; i++) {
        char v[VAL_SHOWN * 4 + 8];
        shown(v, sizeof(v), k->shared[i].value, k->shared[i].len);
        outf(b, "%s", i ? "," : "");
        jstr(b, k->shared[i].key);
        outf(b, ":");
        jstr(b, v);
    }
    outf(b,
         "},\"counters\":{\"reconnects\":%" PRIu64 ",\"campaigns\":%" PRIu64 ",\"won\":%" PRIu64
         ",\"lost\":%" PRIu64 ",\"resigned\":%" PRIu64 ",\"lease_losses\":%" PRIu64
         ",\"writes\":%" PRIu64 ",\"writes_failed\":%" PRIu64 ",\"writes_dropped\":%" PRIu64
         ",\"queued\":%zu,\"events\":%" PRIu64 "}}\n",
         k->reconnects, k->campaigns, k->won, k->lost, k->resigned, k->lease_losses, k->writes,
         k->writes_failed, k->writes_dropped, k->n_queued, k->events);
}

void dcl_ctl(struct dom_cluster *k, uint32_t id, int as_json)
{
    struct buf b;
    buf_init(&b, CTL_MAX);
    if (as_json)
        json(k, &b);
    else
        text(k, &b);
    dom_ctl_reply(k->d, id, 0, (const char *)buf_data(&b), buf_len(&b));
    buf_free(&b);
}

void dcl_status(struct dom_cluster *k, struct msg_status *st)
{
    size_t masters = 0;
    for (size_t i = 0; i < k->n_sw; i++)
        masters += k->sw[i].master;
    dom_status_put(st, "etcd_connected", (uint64_t)k->up);
    dom_status_put(st, "masters", masters);
    dom_status_put(st, "switches", k->n_sw);
    dom_status_put(st, "instances", k->n_members);
    dom_status_put(st, "shared_keys", k->n_shared);
    dom_status_put(st, "reconnects", k->reconnects);
    dom_status_put(st, "campaigns", k->campaigns);
    dom_status_put(st, "won", k->won);
    dom_status_put(st, "lost", k->lost);
    dom_status_put(st, "lease_losses", k->lease_losses);
    dom_status_put(st, "writes", k->writes);
    dom_status_put(st, "writes_failed", k->writes_failed);
    dom_status_put(st, "writes_queued", k->n_queued);
    dom_status_put(st, "oversize_skipped", k->oversize_seen);
}

void dom_cluster_ctl(struct dom *d, uint32_t id, int json_out)
{
    dcl_ctl(d->cluster, id, json_out);
}

void dom_cluster_status(struct dom *d, struct msg_status *st)
{
    if (d->cluster) dcl_status(d->cluster, st);
}
