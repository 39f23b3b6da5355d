/*
 * hcd.c - the monitor's side of guest hypercalls without the core daemon, for
 * tests and demos: opens the monitor on a pin directory (as the writer; ports
 * are attached beforehand with monctl), serves the hypercall ring with the hc
 * server bound to the monitor, and takes commands on a FIFO so a test can
 * inject notifications and read statistics. The core does the same with the
 * same three calls (see src/hc/hc_mon.h).
 *
 *   hcd [-d PINDIR] [-f FIFO] [-q QUOTA] [-r PER_SEC BURST]
 * FIFO commands, one per line (answers on stdout):
 *   notify PORT KIND ADDR L4PORT TEXT...   KIND scan-blocked|blocked|notice
 *   stats PORT         add OWNER RULE...   quit
 * SIGUSR1 sends a "notice" to port 1. One line per frame handled on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hc/hc_mon.h"

static volatile sig_atomic_t stop, usr1;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        usr1 = 1;
    else
        stop = 1;
}

/* hc_mon_frame with a log line: port, op, id, status, round trip inside hcd. */
static void on_frame(const struct mon_hc_frame *f, void *ctx)
{
    struct hc_mon *hm = ctx;
    struct hc_msg req, rep;
    uint8_t out[HC_FRAME_MAX];
    char err[256] = "";
    hc_parse(f->bytes, f->len, &req, err, sizeof(err));
    int n = hc_handle(hm->srv, f->bytes, f->len, f->port_id, out, sizeof(out));
    if (n <= 0) {
        printf("hc port=%u len=%zu dropped (%s)\n", f->port_id, f->len, err);
        return;
    }
    int sent = mon_hc_send(hm->mon, f->port_id, out, (size_t)n);
    if (sent) hm->send_errors++;
    hc_parse(out, (size_t)n, &rep, NULL, 0);
    printf("hc port=%u op=%s id=0x%08x len=%zu status=%s%s%s%s\n", f->port_id, hc_op_name(req.op),
           req.id, f->len, hc_status_name(rep.status), rep.status ? " text=\"" : "",
           rep.status ? rep.u.text : "", rep.status ? "\"" : "");
    if (sent) printf("hc port=%u reply not sent: %s\n", f->port_id, mon_error(hm->mon));
}

static void cmd_notify(struct hc_mon *hm, char *args)
{
    char *save = NULL, *port = strtok_r(args, " ", &save), *kind = strtok_r(NULL, " ", &save);
    char *addr = strtok_r(NULL, " ", &save), *l4 = strtok_r(NULL, " ", &save);
    char *text = strtok_r(NULL, "", &save);
    struct hc_note n;
    struct in_addr a;
    memset(&n, 0, sizeof(n));
    if (!port || !kind || !addr || !l4 || hc_kind_parse(kind) < 0 ||
        inet_pton(AF_INET, addr, &a) != 1) {
        printf("notify: usage: notify PORT KIND ADDR L4PORT TEXT...\n");
        return;
    }
    n.kind = (uint16_t)hc_kind_parse(kind);
    n.addr = ntohl(a.s_addr);
    n.port = (uint16_t)atoi(l4);
    n.proto = n.port ? 6 : 0;
    snprintf(n.text, sizeof(n.text), "%s", text ? text : "");
    int rc = hc_mon_notify(hm, (uint16_t)atoi(port), &n);
    printf("notify port=%s: %s\n", port, rc ? strerror(-rc) : "sent");
}

static void cmd_stats(struct hc_mon *hm, const char *port)
{
    struct hc_port_stats st;
    struct mon_port_info pi;
    uint16_t id = (uint16_t)atoi(port);
    hc_server_stats(hm->srv, id, &st);
    int have = mon_port_stats(hm->mon, id, &pi) == 0;
    printf("stats port=%u frames=%llu requests=%llu malformed=%llu unanswered=%llu refused=%llu "
           "retries=%llu notes=%llu send_errors=%llu dp_frames=%llu dp_limited=%llu\n",
           id, (unsigned long long)st.frames, (unsigned long long)st.requests,
           (unsigned long long)st.malformed, (unsigned long long)st.unanswered,
           (unsigned long long)st.refused, (unsigned long long)st.retries,
           (unsigned long long)st.notes, (unsigned long long)hm->send_errors,
           have ? (unsigned long long)pi.hc_frames : 0ULL,
           have ? (unsigned long long)pi.hc_limited : 0ULL);
}

static void cmd_add(struct hc_mon *hm, char *args)
{
    char *sp = strchr(args, ' '), err[MON_ERR_LEN];
    struct mon_rule r;
    uint32_t id;
    if (!sp) {
        printf("add: usage: add OWNER RULE...\n");
        return;
    }
    *sp = '\0';
    if (mon_rule_parse(sp + 1, &r, err, sizeof(err)))
        printf("add: %s\n", err);
    else if (mon_rule_add(hm->mon, &r, args, &id))
        printf("add: %s\n", mon_error(hm->mon));
    else
        printf("added %u\n", id);
}

static void command(struct hc_mon *hm, char *line)
{
    if (!strncmp(line, "notify ", 7))
        cmd_notify(hm, line + 7);
    else if (!strncmp(line, "stats ", 6))
        cmd_stats(hm, line + 6);
    else if (!strncmp(line, "add ", 4))
        cmd_add(hm, line + 4);
    else if (!strcmp(line, "quit"))
        stop = 1;
    else if (*line)
        printf("unknown command: %s\n", line);
}

/* Whole lines from the FIFO; a partial one waits for its end. */
static void read_fifo(struct hc_mon *hm, int fd, char *buf, size_t *have, size_t cap)
{
    ssize_t n = read(fd, buf + *have, cap - 1 - *have);
    if (n <= 0) return;
    *have += (size_t)n;
    buf[*have] = '\0';
    char *start = buf, *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        command(hm, start);
        start = nl + 1;
    }
    *have = strlen(start);
    memmove(buf, start, *have + 1);
    if (*have == cap - 1) *have = 0; /* an endless line: dropped */
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *fifo = NULL;
    unsigned quota = 0, rate = 0, burst = 0;
    char err[MON_ERR_LEN];
    int opt;
    while ((opt = getopt(argc, argv, "d:f:q:r:")) != -1) {
        if (opt == 'd')
            dir = optarg;
        else if (opt == 'f')
            fifo = optarg;
        else if (opt == 'q')
            quota = (unsigned)atoi(optarg);
        else if (opt == 'r' && optind < argc) {
            rate = (unsigned)atoi(optarg);
            burst = (unsigned)atoi(argv[optind++]);
        } else {
            fprintf(stderr, "usage: hcd [-d PINDIR] [-f FIFO] [-q QUOTA] [-r PER_SEC BURST]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct hc_mon hm = {0};
    if (mon_open(&hm.mon, dir, 0, err, sizeof(err))) {
        fprintf(stderr, "hcd: %s\n", err);
        return 1;
    }
    hm.srv = hc_server_new(&hc_mon_ops, hm.mon);
    int rc = 1, ffd = -1;
    if (!hm.srv || (quota && hc_server_quota(hm.srv, quota)) ||
        (rate && mon_hc_rate(hm.mon, rate, burst)) || mon_hc_send_open(hm.mon)) {
        fprintf(stderr, "hcd: setup: %s\n", hm.srv ? mon_error(hm.mon) : "out of memory");
        goto out;
    }
    if (fifo) {
        if (mkfifo(fifo, 0600) && errno != EEXIST) {
            fprintf(stderr, "hcd: mkfifo %s: %s\n", fifo, strerror(errno));
            goto out;
        }
        /* Read-write: the FIFO never reports end-of-file between writers. */
        ffd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (ffd < 0) {
            fprintf(stderr, "hcd: %s: %s\n", fifo, strerror(errno));
            goto out;
        }
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    struct pollfd p[2] = {{.fd = mon_hc_fd(hm.mon), .events = POLLIN},
                          {.fd = ffd, .events = POLLIN}};
    char line[1024];
    size_t have = 0;
    printf("ready pid=%d\n", (int)getpid());
    while (!stop) {
        if (usr1) {
            usr1 = 0;
            struct hc_note n = {.kind = HC_KIND_NOTICE, .text = "hello from hcd"};
            int r = hc_mon_notify(&hm, 1, &n);
            printf("notify port=1: %s\n", r ? strerror(-r) : "sent");
        }
        int r = poll(p, ffd >= 0 ? 2 : 1, 1000);
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        if (p[0].revents && mon_hc_poll(hm.mon, on_frame, &hm, 0) < 0)
            fprintf(stderr, "hcd: %s\n", mon_error(hm.mon));
        if (ffd >= 0 && p[1].revents) read_fifo(&hm, ffd, line, &have, sizeof(line));
    }
    rc = 0;
out:
    if (ffd >= 0) close(ffd);
    if (fifo) unlink(fifo);
    hc_server_free(hm.srv);
    mon_close(hm.mon);
    return rc;
}
