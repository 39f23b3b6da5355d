/*
 * visorflowctl - talks to visorflowd over its local control socket, or with
 * --server to the management API over TLS (ctl_tls.c): the same commands.
 * Exit codes scripts can rely on: 0 done, 1 the daemon refused or failed the
 * request, 2 usage error (or a request the server found malformed), 3 could
 * not reach the daemon (or TLS failed, or the server is unavailable), 4 not
 * authorised (management API: the certificate's CN may not do that).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define CTL_DEFAULT_SOCK "/run/visorflow/ctl.sock"
#define CTL_TIMEOUT_MS 15000

static void usage(FILE *f)
{
    fprintf(f,
            "usage: visorflowctl [-s SOCKET] [--json] COMMAND\n"
            "commands:\n"
            "  status        the core and each domain (pid, state, restarts, last exit),\n"
            "                switches, ports, apps and counters\n"
            "  flows DPID    the flow table of one switch (DPID: 16 hex digits, colons allowed)\n"
            "  reload        reload the Lua apps (the running ones stay if the new ones fail;\n"
            "                the answer is the controller domain's load result)\n"
            "  rule add RULE...  add a monitor rule owned by admin; prints its id\n"
            "  rule del ID   delete a monitor rule (any owner's)\n"
            "  rule list     monitor rules: id, owner, rule, packets, bytes\n"
            "  stats         monitor: per-port pass/drop counters, drop events, rule count\n"
            "  ports         monitor: the configured guest ports and whether they are attached\n"
            "  guests        guest ports as their guests see them: rules, hypercalls, notes\n"
            "  domains       the protection domains: kind, pid, state, restarts, uptime\n"
            "  block ADDR|MAC [--for SECONDS]   ask the apps to block a host (their\n"
            "                command handler, e.g. portscan's); unblock ADDR|MAC lifts it\n"
            "  cluster       the cluster through etcd: instances, etcd members, the master\n"
            "                of each switch and this instance's role, shared keys\n"
            "  COMMAND --help    help on one command\n"
            "options:\n"
            "  -s, --socket PATH  control socket (default " CTL_DEFAULT_SOCK
            ", or $VISORFLOW_SOCK)\n"
            "  --server HOST:PORT the management API over TLS instead ($VISORFLOW_SERVER),\n"
            "  --cert F --key F   with this client certificate and key ($VISORFLOW_CERT,\n"
            "  --ca F             $VISORFLOW_KEY), the server's CA ($VISORFLOW_CA)\n"
            "                     (status, flows, ports, cluster: local socket only)\n"
            "  --json             machine-readable output\n"
            "exit codes: 0 ok, 1 request failed, 2 usage or malformed request,\n"
            "  3 daemon unreachable (or TLS failed, or the server unavailable),\n"
            "  4 not authorised (management API)\n");
}

/* `visorflowctl COMMAND --help` */
static const struct {
    const char *name, *text;
} cmd_help[] = {
    {"status", "usage: visorflowctl [--json] status\n"
               "The core (pid, uptime, app reloads) and each protection domain: pid, state,\n"
               "restarts, last exit, sockets, reported counters, and the domain's own detail\n"
               "(switches, ports, apps). --json: one JSON object.\n"},
    {"flows", "usage: visorflowctl [--json] flows DPID\n"
              "The flow table of one connected switch, asked of it by the controller domain.\n"
              "DPID: up to 16 hex digits, colons allowed (00:00:00:00:00:00:00:01, 0x1).\n"},
    {"reload", "usage: visorflowctl reload\n"
               "Read the app files again and load them in the controller domain. If the new\n"
               "set fails to load the running apps stay, and the error is printed\n"
               "(origin:line: message; exit code 1).\n"},
    {"rule", "usage: visorflowctl rule add RULE...\n"
             "       visorflowctl rule del ID\n"
             "       visorflowctl [--json] rule list\n"
             "Rules of the packet monitor below the guests (docs/monitor.md). Rules added\n"
             "here are owned by admin: they outrank every domain's and guest's rule, and\n"
             "admin may delete any rule. RULE:\n"
             "  ACTION ADDR[/PLEN] [proto P] [port N|any] [dir D] [on ID|all]\n"
             "  ACTION drop|pass; ADDR the remote address (dotted quad or any);\n"
             "  P tcp|udp|icmp|any|0..255 (tcp when a port is given); D from-guest|to-guest|both\n"
             "  (default both); on: one guest port id, or all (default).\n"
             "  e.g. visorflowctl rule add drop 10.0.0.5 port 22 dir from-guest on 1\n"
             "add prints the new rule's id; list prints id, owner, rule, packets, bytes\n"
             "(--json: {\"rules\": [...], \"count\": N}).\n"},
    {"stats", "usage: visorflowctl [--json] stats\n"
              "The monitor's counters: for each guest port, packets and bytes passed and\n"
              "dropped in each direction, malformed packets, drop events sent, suppressed by\n"
              "the rate limit and lost (ring full), hypercall frames (queued for the core,\n"
              "oversized, over the rate, lost, spoofed, the monitor's sent); the drop events\n"
              "the core read, forwarded to the controller domain or dropped; the hypercall\n"
              "frames it read; and the number of rules.\n"},
    {"domains", "usage: visorflowctl [--json] domains\n"
                "Each protection domain: name, kind, pid, state, restarts, uptime, last exit.\n"},
    {"block", "usage: visorflowctl block ADDR|MAC [--for SECONDS]\n"
              "Ask the apps to block a host: the of domain calls command('block', args) of\n"
              "its apps in chain order (args.target, args.addr or args.mac, args.seconds);\n"
              "the first app that answers decides (e.g. portscan). Fails (exit 1) when no\n"
              "app answers. SECONDS: 1..2592000; without --for, until unblocked.\n"},
    {"cluster", "usage: visorflowctl [--json] cluster\n"
                "This instance's view of its cluster (docs/cluster.md), from the cluster\n"
                "domain's mirror of etcd (answered without asking etcd, so it works when etcd\n"
                "is away): its name and lease, whether etcd is reachable and through which\n"
                "endpoint, etcd's members, the visorflow instances registered, every switch's\n"
                "master and this instance's role on it, the shared keys, and the counters.\n"
                "Fails (exit 1) when the configuration has no [cluster].\n"},
    {"unblock", "usage: visorflowctl unblock ADDR|MAC\n"
                "Ask the apps to lift a block (command('unblock', args)).\n"},
    {"ports", "usage: visorflowctl [--json] ports\n"
              "The guest ports of [monitor]: id, guest interface, uplink, the switch-side port\n"
              "name, flags, whether the filter is attached, the rules its guest owns and its\n"
              "hypercall frames.\n"},
    {"guests", "usage: visorflowctl [--json] guests\n"
               "Each guest port as its guest sees the monitor (docs/hypercall.md): whether it\n"
               "is attached, the rules the guest owns (guest:ID), its hypercall frames\n"
               "(queued for the core, oversized, over the rate, lost, spoofed 0x88B5 frames\n"
               "towards it, the monitor's frames sent), what the core's server did with them\n"
               "(requests, malformed, unanswered, refused, retries), and its notifications\n"
               "(made, queued for EVENTS; the domains' notes sent, rate-limited, not sent).\n"},
};

static int command_help(const char *cmd)
{
    for (size_t i = 0; i < sizeof(cmd_help) / sizeof(cmd_help[0]); i++)
        if (!strcmp(cmd, cmd_help[i].name)) {
            fputs(cmd_help[i].text, stdout);
            return 0;
        }
    fprintf(stderr, "visorflowctl: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

static int connect_ctl(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "visorflowctl: socket path too long\n");
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "visorflowctl: cannot reach visorflowd at %s: %s\n", path,
                strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

/* Reads the whole reply; the first line is OK or ERR message. */
static int relay_reply(int fd)
{
    char buf[65536];
    size_t have = 0;
    int status = -1;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, CTL_TIMEOUT_MS);
        if (r <= 0) {
            fprintf(stderr, "visorflowctl: no answer from visorflowd within %d s\n",
                    CTL_TIMEOUT_MS / 1000);
            return 3;
        }
        ssize_t n = read(fd, buf + have, sizeof(buf) - have - 1);
        if (n < 0) {
            fprintf(stderr, "visorflowctl: read: %s\n", strerror(errno));
            return 3;
        }
        if (n == 0) break;
        have += (size_t)n;
        buf[have] = '\0';
        if (status < 0) {
            char *nl = strchr(buf, '\n');
            if (!nl && have < sizeof(buf) - 1) continue;
            if (strncmp(buf, "OK\n", 3) == 0) {
                status = 0;
                fwrite(buf + 3, 1, have - 3, stdout);
            } else {
                status = 1;
                fprintf(stderr, "visorflowctl: %s",
                        strncmp(buf, "ERR ", 4) == 0 ? buf + 4 : buf);
            }
        } else {
            fwrite(buf, 1, have, status ? stderr : stdout);
        }
        have = 0;
    }
    if (status < 0) {
        fprintf(stderr, "visorflowctl: visorflowd closed the connection without an answer\n");
        return 3;
    }
    return status;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The shape of a command's words, checked here: a usage error is ours (2). */
static int check_shape(int argc, char **argv, int i)
{
    int words = 0;
    for (int k = i + 1; k < argc; k++)
        words += strcmp(argv[k], "--json") != 0;
    const char *c = argv[i];
    int ok = 1;
    if (!strcmp(c, "guests") || !strcmp(c, "domains") || !strcmp(c, "cluster")) ok = words == 0;
    if (!strcmp(c, "unblock")) ok = words == 1;
    if (!strcmp(c, "block"))
        ok = words == 1 || (words == 3 && i + 2 < argc && !strcmp(argv[i + 2], "--for"));
    if (!ok) {
        fprintf(stderr, "visorflowctl: usage: %s\n",
                !strcmp(c, "block")     ? "block ADDR|MAC [--for SECONDS]"
                : !strcmp(c, "unblock") ? "unblock ADDR|MAC"
                                        : c);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* a server that hangs up is an error to report, not a signal to die of */
    signal(SIGPIPE, SIG_IGN);
    const char *sock = env("VISORFLOW_SOCK");
    if (!sock) sock = CTL_DEFAULT_SOCK;
    struct ctl_tls_opts tls = {env("VISORFLOW_SERVER"), env("VISORFLOW_CERT"),
                               env("VISORFLOW_KEY"), env("VISORFLOW_CA")};
    int json = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char **opt = !strcmp(argv[i], "--server") ? &tls.server
                           : !strcmp(argv[i], "--cert") ? &tls.cert
                           : !strcmp(argv[i], "--key")  ? &tls.key
                           : !strcmp(argv[i], "--ca")   ? &tls.ca
                                                        : NULL;
        if (opt && i + 1 < argc) {
            *opt = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) &&
                   i + 1 < argc) {
            sock = argv[++i];
        } else {
            fprintf(stderr, "visorflowctl: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    char req[1024];
    size_t o = 0;
    for (int k = i + 1; k < argc; k++)
        if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) return command_help(argv[i]);
    if (!strcmp(argv[i], "rule")) { /* the shape of it here: a usage error is ours (2) */
        int words = 0;
        for (int k = i + 2; k < argc; k++)
            words += strcmp(argv[k], "--json") != 0;
        const char *sub = i + 1 < argc ? argv[i + 1] : "";
        if (!((!strcmp(sub, "add") && words >= 1) || (!strcmp(sub, "del") && words == 1) ||
              (!strcmp(sub, "list") && words == 0))) {
            fprintf(stderr, "visorflowctl: usage: rule add RULE... | rule del ID | rule list\n");
            return 2;
        }
    }
    if (check_shape(argc, argv, i) != 0) return 2;
    for (int k = i; k < argc; k++) {
        int n = snprintf(req + o, sizeof(req) - o, "%s%s", k > i ? " " : "", argv[k]);
        if (n < 0 || (size_t)n >= sizeof(req) - o || strchr(argv[k], '\n')) {
            fprintf(stderr, "visorflowctl: request too long or malformed\n");
            return 2;
        }
        o += (size_t)n;
    }
    if (snprintf(req + o, sizeof(req) - o, "%s\n", json ? " --json" : "") >= (int)(sizeof(req) - o))
        return 2;
    if (tls.server) {
        if (!tls.ca || !tls.cert || !tls.key) {
            fprintf(stderr, "visorflowctl: --server needs --cert, --key and --ca (or "
                            "$VISORFLOW_CERT, $VISORFLOW_KEY, $VISORFLOW_CA)\n");
            return 2;
        }
        return ctl_tls_request(&tls, req, strlen(req) - 1); /* the frame has no newline */
    }
    int fd = connect_ctl(sock);
    if (fd < 0) return 3;
    size_t len = strlen(req);
    if (write(fd, req, len) != (ssize_t)len) {
        fprintf(stderr, "visorflowctl: write: %s\n", strerror(errno));
        close(fd);
        return 3;
    }
    int rc = relay_reply(fd);
    close(fd);
    return rc;
}
