/*
 * monctl.c - a command line over the monitor library (src/mon/), for tests,
 * benchmarks and demos until visorflowctl reaches the core.
 *
 *   monctl [-d PINDIR] [-o OWNER] COMMAND ...
 *     attach G U|auto [PEER] PORTID [ipv4-only]   detach PORTID
 *     add RULE...             del ID            list [nocounters]
 *     stats [PORTID]          events [COUNT [SECONDS]]
 *     rate PER_SEC BURST      hcrate PER_SEC BURST
 *     gen N [SEED]            flush             destroy
 *     progstats
 * RULE is mon_rule_parse's text form, e.g. "drop 10.0.0.2 port 5001 dir from-guest".
 * OWNER defaults to admin. Exit status: 0 ok, 1 failure, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "mon/mon.h"

static const char *owner = "admin";
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: monctl [-d PINDIR] [-o OWNER] COMMAND ...\n"
                    "  attach G U|auto [PEER] PORTID [ipv4-only] | detach PORTID\n"
                    "  add RULE... | del ID | list [nocounters] | stats [PORTID]\n"
                    "  events [COUNT [SECONDS]] | rate PER_SEC BURST | hcrate PER_SEC BURST\n"
                    "  gen N [SEED] | flush | destroy | progstats\n");
    return 2;
}

static int fail(struct mon *m, const char *what)
{
    fprintf(stderr, "monctl: %s: %s\n", what, mon_error(m));
    return 1;
}

static unsigned long num(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return *s && !*end ? v : (unsigned long)-1;
}

static int print_rule(const struct mon_rule_info *ri, void *ctx)
{
    char text[128];
    (void)ctx;
    mon_rule_format(&ri->rule, text, sizeof(text));
    printf("%u\t%s\t%s\tpackets=%llu bytes=%llu\n", ri->id, ri->owner, text,
           (unsigned long long)ri->packets, (unsigned long long)ri->bytes);
    return 0;
}

static int print_port(const struct mon_port_info *pi, void *ctx)
{
    (void)ctx;
    printf("port %u guest=%s(%d) uplink=%s(%d)%s%s%s\n", pi->port_id, pi->guest_if,
           pi->guest_ifindex, pi->uplink_if, pi->uplink_ifindex,
           pi->attached ? " attached" : " NOT-ATTACHED", pi->uplink_owned ? " uplink-owned" : "",
           pi->flags & MON_PORT_IPV4_ONLY ? " ipv4-only" : "");
    for (int d = 0; d < 2; d++)
        printf("  %s: pass %llu pkts %llu bytes, drop %llu pkts %llu bytes\n",
               d ? "to-guest  " : "from-guest", (unsigned long long)pi->dir[d].pass_pkts,
               (unsigned long long)pi->dir[d].pass_bytes, (unsigned long long)pi->dir[d].drop_pkts,
               (unsigned long long)pi->dir[d].drop_bytes);
    printf("  malformed %llu, events sent %llu limited %llu lost %llu\n",
           (unsigned long long)pi->malformed, (unsigned long long)pi->ev_sent,
           (unsigned long long)pi->ev_limited, (unsigned long long)pi->ev_lost);
    printf("  hypercalls %llu, oversize %llu, limited %llu, lost %llu, spoofed %llu, sent %llu\n",
           (unsigned long long)pi->hc_frames, (unsigned long long)pi->hc_oversize,
           (unsigned long long)pi->hc_limited, (unsigned long long)pi->hc_lost,
           (unsigned long long)pi->hc_spoofed, (unsigned long long)pi->hc_sent);
    return 0;
}

static void print_drop(const struct mon_drop *d, void *ctx)
{
    char s[INET_ADDRSTRLEN], t[INET_ADDRSTRLEN];
    long *count = ctx;
    inet_ntop(AF_INET, &d->saddr, s, sizeof(s));
    inet_ntop(AF_INET, &d->daddr, t, sizeof(t));
    printf("drop port=%u dir=%s rule=%u proto=%u %s:%u -> %s:%u len=%u flags=0x%x "
           "ethertype=0x%04x limited=%u ts=%llu\n",
           d->port_id, d->dir ? "to-guest" : "from-guest", d->rule_id, d->proto, s, d->sport, t,
           d->dport, d->len, d->flags, d->ethertype, d->limited, (unsigned long long)d->ts_ns);
    fflush(stdout);
    (*count)++;
}

static int cmd_attach(struct mon *m, int argc, char **argv)
{
    struct mon_port_spec s = {.guest_if = argv[0], .uplink_if = argv[1]};
    int i = 2;
    if (argc < 3) return usage();
    if (argc >= 4 && num(argv[2]) == (unsigned long)-1) /* a PEER name */
        s.uplink_peer = argv[i++];
    unsigned long id = num(argv[i++]);
    if (id == 0 || id > MON_PORT_ID_LIMIT) return usage();
    s.port_id = (uint16_t)id;
    if (i < argc && strcmp(argv[i], "ipv4-only") == 0) s.flags |= MON_PORT_IPV4_ONLY;
    return mon_attach_port(m, &s) ? fail(m, "attach") : 0;
}

static int cmd_add(struct mon *m, int argc, char **argv)
{
    char text[256] = "", err[MON_ERR_LEN];
    struct mon_rule r;
    uint32_t id;
    for (int i = 0; i < argc; i++) {
        if (strlen(text) + strlen(argv[i]) + 2 > sizeof(text)) return usage();
        strcat(text, i ? " " : "");
        strcat(text, argv[i]);
    }
    if (mon_rule_parse(text, &r, err, sizeof(err))) {
        fprintf(stderr, "monctl: add: %s\n", err);
        return 1;
    }
    if (mon_rule_add(m, &r, owner, &id)) return fail(m, "add");
    printf("%u\n", id);
    return 0;
}

/* N rules that never match the benchmark's 10.0.0.0/8 traffic but fill the
 * classes its packets look up: /32 TCP-port rules (hash) and /24../28 prefixes
 * without a port (trie), from 100.64.0.0/10, in the ratio 9:1. */
static int cmd_gen(struct mon *m, unsigned long n, unsigned long seed)
{
    unsigned long added = 0, tries = 0;
    srandom((unsigned)seed);
    while (added < n && tries++ < n * 4) {
        struct mon_rule r = {.dirs = MON_BOTH, .action = MON_DROP};
        uint32_t a = 0x64400000u | ((uint32_t)random() & 0x003fffffu);
        if (added % 10 == 9) {
            r.plen = (uint8_t)(24 + random() % 5);
            a &= ~0u << (32 - r.plen);
            r.proto = MON_PROTO_UDP;
        } else {
            r.plen = 32;
            r.proto = MON_PROTO_TCP;
            r.l4port = (uint16_t)(1 + random() % 65535);
        }
        r.addr = htonl(a);
        int rc = mon_rule_add(m, &r, owner, NULL);
        if (rc == 0)
            added++;
        else if (rc != -EEXIST)
            return fail(m, "gen");
    }
    printf("%lu\n", added);
    return added == n ? 0 : 1;
}

static int collect(const struct mon_rule_info *ri, void *ctx)
{
    uint32_t **p = ctx;
    *(*p)++ = ri->id;
    return 0;
}

static int cmd_flush(struct mon *m)
{
    uint32_t *ids = calloc(mon_rule_count(m) + 1, sizeof(*ids)), *p = ids;
    if (!ids) return 1;
    mon_rule_list(m, 0, collect, &p);
    size_t n = (size_t)(p - ids), gone = 0;
    for (size_t i = 0; i < n; i++)
        gone += mon_rule_del(m, ids[i], owner) == 0;
    free(ids);
    printf("%zu\n", gone);
    return 0;
}

static int cmd_events(struct mon *m, int argc, char **argv)
{
    long want = argc > 0 ? (long)num(argv[0]) : -1, got = 0;
    double secs = argc > 1 ? atof(argv[1]) : 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop && (want <= 0 || got < want)) {
        if (mon_events_poll(m, print_drop, &got, 100) < 0) return fail(m, "events");
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (secs > 0 && (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 > secs)
            break;
    }
    return want > 0 && got < want ? 1 : 0;
}

/* The pinned programs' kernel statistics, one line each: NAME ID RUN_CNT
 * RUN_TIME_NS. The kernel counts only while kernel.bpf_stats_enabled is 1 (or a
 * BPF_ENABLE_STATS descriptor is open); bench/overhead.sh takes differences. */
static int cmd_progstats(struct mon *m)
{
    static const char *const names[] = {"ingress", "guard"};
    for (int i = 0; i < 2; i++) {
        struct bpf_prog_info info;
        __u32 len = sizeof(info);
        int fd = mon_prog_fd(m, i == 0 ? MON_PROG_INGRESS : MON_PROG_GUARD);
        memset(&info, 0, sizeof(info));
        if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
            fprintf(stderr, "monctl: progstats: program %s not pinned or unreadable\n", names[i]);
            return 1;
        }
        printf("%s %u %llu %llu\n", names[i], info.id, (unsigned long long)info.run_cnt,
               (unsigned long long)info.run_time_ns);
    }
    return 0;
}

static int run(struct mon *m, int argc, char **argv)
{
    const char *c = argv[0];
    argc--, argv++;
    if (!strcmp(c, "attach")) return cmd_attach(m, argc, argv);
    if (!strcmp(c, "detach") && argc == 1)
        return mon_detach_port(m, (uint16_t)num(argv[0])) ? fail(m, "detach") : 0;
    if (!strcmp(c, "add") && argc >= 2) return cmd_add(m, argc, argv);
    if (!strcmp(c, "del") && argc == 1)
        return mon_rule_del(m, (uint32_t)num(argv[0]), owner) ? fail(m, "del") : 0;
    if (!strcmp(c, "list"))
        return mon_rule_list(m, !(argc && !strcmp(argv[0], "nocounters")), print_rule, NULL);
    if (!strcmp(c, "stats") && argc == 1) {
        struct mon_port_info pi;
        return mon_port_stats(m, (uint16_t)num(argv[0]), &pi) ? fail(m, "stats")
                                                              : print_port(&pi, NULL);
    }
    if (!strcmp(c, "stats")) return mon_port_list(m, print_port, NULL) < 0;
    if (!strcmp(c, "events")) return cmd_events(m, argc, argv);
    if (!strcmp(c, "rate") && argc == 2)
        return mon_events_rate(m, (uint32_t)num(argv[0]), (uint32_t)num(argv[1])) ? fail(m, "rate")
                                                                                  : 0;
    if (!strcmp(c, "hcrate") && argc == 2)
        return mon_hc_rate(m, (uint32_t)num(argv[0]), (uint32_t)num(argv[1])) ? fail(m, "hcrate")
                                                                              : 0;
    if (!strcmp(c, "gen") && argc >= 1)
        return cmd_gen(m, num(argv[0]), argc > 1 ? num(argv[1]) : 1);
    if (!strcmp(c, "flush")) return cmd_flush(m);
    if (!strcmp(c, "progstats") && argc == 0) return cmd_progstats(m);
    if (!strcmp(c, "count")) {
        printf("%zu\n", mon_rule_count(m));
        return 0;
    }
    return usage();
}

int main(int argc, char **argv)
{
    const char *dir = getenv("MON_PIN_DIR");
    char err[MON_ERR_LEN];
    struct mon *m;
    int i = 1;

    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "-d"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "-o"))
            owner = argv[i + 1];
        else
            return usage();
    }
    if (i >= argc) return usage();
    /* Reading commands need no writer lock and load nothing. */
    const char *c = argv[i];
    unsigned flags = !strcmp(c, "list") || !strcmp(c, "stats") || !strcmp(c, "events") ||
                             !strcmp(c, "count") || !strcmp(c, "progstats")
                         ? MON_OPEN_RDONLY
                         : 0;
    if (mon_open(&m, dir, flags, err, sizeof(err))) {
        fprintf(stderr, "monctl: %s\n", err);
        return 1;
    }
    if (!strcmp(c, "destroy")) {
        int rc = mon_destroy(m);
        if (rc) fprintf(stderr, "monctl: destroy: %s\n", strerror(-rc));
        return rc ? 1 : 0;
    }
    int rc = run(m, argc - i, argv + i);
    mon_close(m);
    return rc;
}
