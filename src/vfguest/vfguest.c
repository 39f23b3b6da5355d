/*
 * vfguest.c - the guest's side of hypercalls: set its own filter rules and read
 * the monitor's notifications through frames of EtherType 0x88B5 on its own
 * interface. A static binary (musl) that links src/hc's codec and nothing else
 * of the project, so it can be copied into any guest. Protocol:
 * docs/hypercall.md.
 *
 *   vfguest [-i IF] [-t MS] [-r TRIES] [-v] COMMAND
 *     add ACTION ADDR[/PLEN] [proto P] [port N|any] [dir D]
 *     del ID | list [--json] | events [--json] | watch [--count N] [--json]
 * Exit: 0 done, 1 refused by the monitor (reason on stderr), 2 usage or local
 * error, 3 no answer after every try.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hc/hc.h"

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NO_ANSWER = 3 };

struct ctx {
    int fd, ifindex;
    uint8_t mac[6];
    uint32_t next_id;
    int timeout_ms, tries, verbose, json;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(FILE *to)
{
    fprintf(to, "usage: vfguest [-i IF] [-t MS] [-r TRIES] [-v] COMMAND\n"
                "  add ACTION ADDR[/PLEN] [proto P] [port N|any] [dir D]\n"
                "        ACTION drop|pass, P tcp|udp|icmp|any|0..255, D from-guest|to-guest|both;\n"
                "        prints the new rule's id (the rule is on this guest's own port)\n"
                "  del ID                 delete one of this guest's rules\n"
                "  list [--json]          this guest's rules with their counters\n"
                "  events [--json]        the monitor's recent notifications for this guest\n"
                "  watch [--count N] [--json]  print notifications as they arrive\n"
                "options: -i IF interface (default: the first up Ethernet interface),\n"
                "         -t MS wait per try (500), -r TRIES tries per request (4),\n"
                "         -v round-trip times on stderr\n"
                "exit: 0 done, 1 refused by the monitor, 2 usage or local error, 3 no answer\n");
    return EXIT_USAGE;
}

static int die(const char *what)
{
    fprintf(stderr, "vfguest: %s: %s\n", what, strerror(errno));
    return EXIT_USAGE;
}

/* ---- the link ------------------------------------------------------------------------- */

/* The first interface that is up, not loopback, and Ethernet. */
static int default_if(char *name, size_t len)
{
    struct if_nameindex *all = if_nameindex(), *i;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), found = 0;
    for (i = all; i && i->if_index && !found && s >= 0; i++) {
        struct ifreq r;
        memset(&r, 0, sizeof(r));
        snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", i->if_name);
        if (ioctl(s, SIOCGIFFLAGS, &r) || !(r.ifr_flags & IFF_UP) || (r.ifr_flags & IFF_LOOPBACK))
            continue;
        if (ioctl(s, SIOCGIFHWADDR, &r) || r.ifr_hwaddr.sa_family != ARPHRD_ETHER) continue;
        snprintf(name, len, "%s", i->if_name);
        found = 1;
    }
    if (s >= 0) close(s);
    if (all) if_freenameindex(all);
    return found ? 0 : -1;
}

static int open_link(struct ctx *c, const char *ifname)
{
    char name[IF_NAMESIZE];
    if (!ifname) {
        if (default_if(name, sizeof(name))) {
            fprintf(stderr, "vfguest: no Ethernet interface is up (give one with -i)\n");
            return EXIT_USAGE;
        }
        ifname = name;
    }
    c->ifindex = (int)if_nametoindex(ifname);
    if (!c->ifindex) {
        fprintf(stderr, "vfguest: no interface %s\n", ifname);
        return EXIT_USAGE;
    }
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", ifname);
    c->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(HC_ETHERTYPE));
    if (c->fd < 0) return die("packet socket (needs root or CAP_NET_RAW)");
    if (ioctl(c->fd, SIOCGIFHWADDR, &r)) return die(ifname);
    memcpy(c->mac, r.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll sa = {
        .sll_family = AF_PACKET, .sll_protocol = htons(HC_ETHERTYPE), .sll_ifindex = c->ifindex};
    if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa))) return die("bind");
    /* Ids need only differ from this guest's recent requests: the monitor
     * answers a repeated (id, bytes) from its cache. */
    if (getrandom(&c->next_id, sizeof(c->next_id), 0) != sizeof(c->next_id))
        c->next_id = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
    return 0;
}

static int send_frame(struct ctx *c, const uint8_t *f, size_t n)
{
    struct sockaddr_ll to = {.sll_family = AF_PACKET,
                             .sll_protocol = htons(HC_ETHERTYPE),
                             .sll_ifindex = c->ifindex,
                             .sll_halen = 6};
    memcpy(to.sll_addr, f, 6);
    return sendto(c->fd, f, n, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)n ? 0 : -1;
}

/* The next frame of the monitor within ms (-1: forever) that parses; 0 when
 * the time is up. Our own outgoing frames and anything malformed are skipped. */
static int recv_frame(struct ctx *c, struct hc_msg *m, int ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int left = ms;
        if (ms >= 0) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
            if (left < 0) return 0;
        }
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) {
            if (stop) return 0;
            continue;
        }
        if (r <= 0) return r;
        uint8_t buf[2048];
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n < 0 || from.sll_pkttype == PACKET_OUTGOING) continue;
        if (hc_parse(buf, (size_t)n, m, NULL, 0) == 0) return 1;
    }
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* One request and its reply: the same frame (same id) sent up to c->tries
 * times. 0 with the reply in rep, or EXIT_NO_ANSWER / EXIT_USAGE. */
static int transact(struct ctx *c, struct hc_msg *req, struct hc_msg *rep)
{
    uint8_t f[HC_FRAME_MAX];
    memset(req->dst, 0xff, 6); /* any destination: the frame never leaves the link */
    memcpy(req->src, c->mac, 6);
    req->id = c->next_id++;
    size_t n = hc_encode(req, f, sizeof(f));
    if (!n) {
        fprintf(stderr, "vfguest: cannot encode the request\n");
        return EXIT_USAGE;
    }
    for (int t = 0; t < c->tries && !stop; t++) {
        double t0 = now_us();
        if (send_frame(c, f, n)) return die("send");
        while (recv_frame(c, rep, c->timeout_ms) == 1)
            if (rep->op == HC_OP_REPLY && rep->id == req->id) {
                if (c->verbose)
                    fprintf(stderr, "vfguest: %s id %u: rtt %.0f us (try %d)\n",
                            hc_op_name(req->op), req->id, now_us() - t0, t + 1);
                return 0;
            }
    }
    fprintf(stderr, "vfguest: no answer from the monitor after %d tries of %d ms\n", c->tries,
            c->timeout_ms);
    return EXIT_NO_ANSWER;
}

/* A refusal: "EPERM: rule 7 belongs to admin; ...". */
static int refused(const struct hc_msg *rep)
{
    fprintf(stderr, "vfguest: %s: %s\n", hc_status_name(rep->status),
            rep->u.text[0] ? rep->u.text : "refused");
    return EXIT_REFUSED;
}

/* ---- output --------------------------------------------------------------------------- */

static void dotted(uint32_t a, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static const char *dir_name(unsigned d)
{
    return d == HC_DIR_FROM_GUEST ? "from-guest" : d == HC_DIR_TO_GUEST ? "to-guest" : "both";
}

static void print_entry(const struct hc_entry *e, int json, int first)
{
    char text[128], addr[16];
    hc_rule_format(&e->rule, text, sizeof(text));
    if (!json) {
        printf("%u\t%s\tpackets=%llu bytes=%llu\n", e->id, text, (unsigned long long)e->packets,
               (unsigned long long)e->bytes);
        return;
    }
    dotted(e->rule.addr, addr, sizeof(addr));
    printf("%s{\"id\":%u,\"rule\":\"%s\",\"action\":\"%s\",\"addr\":\"%s\",\"plen\":%u,"
           "\"proto\":%u,\"port\":%u,\"dir\":\"%s\",\"packets\":%llu,\"bytes\":%llu}",
           first ? "" : ",", e->id, text, e->rule.action ? "drop" : "pass", addr, e->rule.plen,
           e->rule.proto, e->rule.port, dir_name(e->rule.dirs), (unsigned long long)e->packets,
           (unsigned long long)e->bytes);
}

/* Text is printable ASCII (the parser saw to it); JSON needs " and \ escaped. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

static void print_note(const struct hc_note *n, int json, int first)
{
    char when[32], addr[16], mac[18];
    time_t t = (time_t)n->time;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(when, sizeof(when), "%llu", (unsigned long long)n->time);
    dotted(n->addr, addr, sizeof(addr));
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2],
             n->mac[3], n->mac[4], n->mac[5]);
    if (!json) {
        printf("seq=%u time=%s kind=%s addr=%s mac=%s proto=%u port=%u rule=%u text=\"%s\"\n",
               n->seq, when, hc_kind_name(n->kind), addr, mac, n->proto, n->port, n->rule, n->text);
        return;
    }
    printf("%s{\"seq\":%u,\"time\":\"%s\",\"kind\":\"%s\",\"addr\":\"%s\",\"mac\":\"%s\","
           "\"proto\":%u,\"port\":%u,\"rule\":%u,\"text\":",
           first ? "" : ",", n->seq, when, hc_kind_name(n->kind), addr, mac, n->proto, n->port,
           n->rule);
    json_str(n->text);
    putchar('}');
}

/* ---- commands ------------------------------------------------------------------------- */

static int cmd_add(struct ctx *c, int argc, char **argv)
{
    char text[256] = "", err[256];
    struct hc_msg req, rep;
    size_t used = 0;
    for (int i = 0; i < argc; i++) {
        int n = snprintf(text + used, sizeof(text) - used, "%s%s", i ? " " : "", argv[i]);
        if (n < 0 || (size_t)n >= sizeof(text) - used) {
            fprintf(stderr, "vfguest: rule text too long\n");
            return EXIT_USAGE;
        }
        used += (size_t)n;
    }
    memset(&req, 0, sizeof(req));
    if (hc_rule_parse(text, &req.u.rule, err, sizeof(err))) {
        fprintf(stderr, "vfguest: add: %s\n", err);
        return EXIT_USAGE;
    }
    req.op = HC_OP_RULE_ADD;
    int rc = transact(c, &req, &rep);
    if (rc) return rc;
    if (rep.status) return refused(&rep);
    printf("%u\n", rep.u.rule_id);
    return 0;
}

static int cmd_del(struct ctx *c, const char *arg)
{
    struct hc_msg req, rep;
    char *end;
    unsigned long id = strtoul(arg, &end, 10);
    if (*arg < '1' || *arg > '9' || *end || id > 0xffffffffUL) {
        fprintf(stderr, "vfguest: del: '%s' is not a rule id\n", arg);
        return EXIT_USAGE;
    }
    memset(&req, 0, sizeof(req));
    req.op = HC_OP_RULE_DEL;
    req.u.rule_id = (uint32_t)id;
    int rc = transact(c, &req, &rep);
    if (rc) return rc;
    return rep.status ? refused(&rep) : 0;
}

/* RULE_LIST and EVENTS: pages until one comes without MORE. */
static int cmd_pages(struct ctx *c, uint8_t op)
{
    struct hc_msg req, rep;
    uint32_t start = op == HC_OP_RULE_LIST ? 1 : 0;
    int first = 1;
    if (c->json) putchar('[');
    for (;;) {
        memset(&req, 0, sizeof(req));
        req.op = op;
        req.u.start = start;
        int rc = transact(c, &req, &rep);
        if (rc) return rc;
        if (rep.status) return refused(&rep);
        if (op == HC_OP_RULE_LIST) {
            for (unsigned i = 0; i < rep.u.list.n; i++, first = 0)
                print_entry(&rep.u.list.e[i], c->json, first);
            if (rep.u.list.n) start = rep.u.list.e[rep.u.list.n - 1].id + 1;
        } else {
            for (unsigned i = 0; i < rep.u.notes.n; i++, first = 0)
                print_note(&rep.u.notes.note[i], c->json, first);
            if (rep.u.notes.n) start = rep.u.notes.note[rep.u.notes.n - 1].seq + 1;
        }
        /* A page without entries ends it even if MORE were set: no loop. */
        if (!(rep.flags & HC_F_MORE) || (op == HC_OP_RULE_LIST ? !rep.u.list.n : !rep.u.notes.n))
            break;
    }
    if (c->json) printf("]\n");
    return 0;
}

static int cmd_watch(struct ctx *c, long count)
{
    struct hc_msg m;
    long seen = 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop && (count <= 0 || seen < count)) {
        int r = recv_frame(c, &m, 1000);
        if (r < 0) return die("receive");
        if (r == 0 || m.op != HC_OP_NOTIFY) continue;
        print_note(&m.u.notes.note[0], c->json, 1);
        if (c->json) putchar('\n');
        fflush(stdout);
        seen++;
    }
    return 0;
}

static long count_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v > 0 ? v : -1;
}

int main(int argc, char **argv)
{
    struct ctx c = {.fd = -1, .timeout_ms = 500, .tries = 4};
    const char *ifname = NULL;
    int i = 1;

    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(o, "-v")) {
            c.verbose = 1;
            continue;
        }
        if (i + 1 >= argc) return usage(stderr);
        if (!strcmp(o, "-i"))
            ifname = argv[++i];
        else if (!strcmp(o, "-t") && (c.timeout_ms = (int)count_arg(argv[i + 1])) > 0)
            i++;
        else if (!strcmp(o, "-r") && (c.tries = (int)count_arg(argv[i + 1])) > 0)
            i++;
        else
            return usage(stderr);
    }
    if (i >= argc) return usage(stderr);
    const char *cmd = argv[i++];
    int nargs = argc - i;
    char **args = argv + i;
    long count = 0;
    /* Options after the command: --json, --count N. */
    int keep = 0;
    for (int k = 0; k < nargs; k++) {
        if (!strcmp(args[k], "--json") && strcmp(cmd, "add"))
            c.json = 1;
        else if (!strcmp(args[k], "--count") && !strcmp(cmd, "watch") && k + 1 < nargs &&
                 (count = count_arg(args[k + 1])) > 0)
            k++;
        else
            args[keep++] = args[k];
    }
    nargs = keep;
    if (!strcmp(cmd, "help")) return usage(stdout), 0;
    if (!((!strcmp(cmd, "add") && nargs >= 2) || (!strcmp(cmd, "del") && nargs == 1) ||
          ((!strcmp(cmd, "list") || !strcmp(cmd, "events") || !strcmp(cmd, "watch")) && !nargs)))
        return usage(stderr);
    int rc = open_link(&c, ifname);
    if (rc) return rc;
    if (!strcmp(cmd, "add"))
        rc = cmd_add(&c, nargs, args);
    else if (!strcmp(cmd, "del"))
        rc = cmd_del(&c, args[0]);
    else if (!strcmp(cmd, "list"))
        rc = cmd_pages(&c, HC_OP_RULE_LIST);
    else if (!strcmp(cmd, "events"))
        rc = cmd_pages(&c, HC_OP_EVENTS);
    else
        rc = cmd_watch(&c, count);
    close(c.fd);
    return rc;
}
