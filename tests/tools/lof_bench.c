/*
 * lof_bench.c - the controller's cost per PACKET_IN without the network: the
 * ofc engine and the Lua host running lua/apps/l2_learning.lua, in one
 * process, fed by S emulated switches on socketpairs, as ofbench feeds a
 * real controller (H hosts per switch, one learning ARP per host, then UDP
 * frames from host h to h + 1, buffered, in batches of 64 per switch).
 *
 *   lof_bench [SWITCHES [HOSTS [PACKETS_PER_SWITCH [--watch]]]]  (16 1000 2000)
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out build/tools/lof_bench 16 1000 512 --watch
 *
 * Under callgrind only the measured phase is counted (its counters are zeroed
 * before it and dumped after it: cg.out.1), so instructions per PACKET_IN =
 * the dump's total / the packets answered: deterministic, where the rate on
 * a shared machine is not. --watch starts the Lua watchdog (vlua_watch.c),
 * as visorflow-domain does; without it every call runs hooked. The fake
 * switches' own work is in the count too (about 1%).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS
#endif

#include "lib/be.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "lof/lof.h"
#include "of10/of10.h"
#include "ofc/ofc.h"

#define MAX_SW 64
#define BATCH  64

static struct ev_loop *loop;
static int fds[MAX_SW]; /* the switches' ends */
static uint8_t inbuf[MAX_SW][1 << 16];
static size_t inlen[MAX_SW];
static long answered;     /* FLOW_MODs and PACKET_OUTs received */
static uint32_t last_xid; /* of the last message read */
static uint32_t buffer_id;

static void die(const char *what)
{
    fprintf(stderr, "lof_bench: %s\n", what);
    exit(1);
}

static void sink(void *ctx, enum log_level level, uint64_t ms, const char *module, const char *msg)
{
    (void)ctx, (void)ms;
    fprintf(stderr, "%s %s: %s\n", log_level_name(level), module, msg);
}

static void sw_send(int s, struct of10_msg *m)
{
    static uint8_t b[4096];
    size_t n;
    if (of10_encode(m, b, sizeof b, &n) != OF10_OK) die("encode");
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fds[s], b + off, n - off);
        if (w > 0)
            off += (size_t)w;
        else
            ev_run_once(loop, 0); /* the controller has to read first */
    }
}

/* Read what switch s got; count answers, answer echoes. Returns the number
 * of messages of type want (any type: -1). */
static int drain(int s, int want)
{
    int got = 0;
    for (;;) {
        ssize_t n = read(fds[s], inbuf[s] + inlen[s], sizeof inbuf[s] - inlen[s]);
        if (n > 0) inlen[s] += (size_t)n;
        size_t off = 0;
        while (inlen[s] - off >= 8) {
            const uint8_t *p = inbuf[s] + off;
            size_t len = be_get16(p + 2);
            if (len < 8) die("bad frame from the controller");
            if (inlen[s] - off < len) break;
            last_xid = be_get32(p + 4);
            if (p[1] == OFPT10_ECHO_REQUEST) {
                struct of10_msg r = {.version = 1, .type = OFPT10_ECHO_REPLY, .xid = last_xid};
                sw_send(s, &r);
            }
            if (p[1] == OFPT10_FLOW_MOD || p[1] == OFPT10_PACKET_OUT) answered++;
            if (want < 0 || p[1] == want) got++;
            off += len;
        }
        memmove(inbuf[s], inbuf[s] + off, inlen[s] - off);
        inlen[s] -= off;
        if (n <= 0) return got;
    }
}

static void wait_for(int s, int type)
{
    for (int i = 0; i < 3000; i++) {
        ev_run_once(loop, 1);
        if (drain(s, type)) return;
    }
    die("the controller did not answer the handshake");
}

static void run_until(long want)
{
    for (int k = 0; k < 1000000 && answered < want; k++) {
        ev_run_once(loop, 0);
        for (int s = 0; s < MAX_SW && fds[s] > 0; s++)
            drain(s, -1);
    }
}

/* Host h of switch s: 02:00:ss:hh:hh:hh, on port 1 + h % 4. */
static void put_mac(uint8_t *p, int s, int h)
{
    uint8_t m[6] = {2, 0, (uint8_t)s, (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h};
    memcpy(p, m, 6);
}

static void packet_in(int s, int src, int dst, bool arp)
{
    uint8_t f[60] = {0};
    if (arp)
        memset(f, 0xff, 6);
    else
        put_mac(f, s, dst);
    put_mac(f + 6, s, src);
    if (arp) {
        static const uint8_t hdr[] = {0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1};
        memcpy(f + 12, hdr, sizeof hdr);
        put_mac(f + 22, s, src);
    } else {
        uint8_t *ip = f + 14, *udp = ip + 20;
        f[12] = 0x08;
        ip[0] = 0x45, ip[3] = 46, ip[8] = 64, ip[9] = 17;
        be_put32(ip + 12, 0x0a000001u + (uint32_t)src);
        be_put32(ip + 16, 0x0a000001u + (uint32_t)dst);
        uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2)
            sum += be_get16(ip + i);
        sum = (sum & 0xffff) + (sum >> 16);
        be_put16(ip + 10, (uint16_t) ~(sum + (sum >> 16)));
        be_put16(udp, 12345), be_put16(udp + 2, 80), be_put16(udp + 4, 26);
    }
    struct of10_msg m = {.version = 1, .type = OFPT10_PACKET_IN};
    m.u.packet_in = (struct of10_packet_in){
        ++buffer_id, sizeof f, (uint16_t)(1 + src % 4), OFPR10_NO_MATCH, {f, sizeof f}};
    sw_send(s, &m);
}

static void connect_switch(struct ofc *c, int s)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
    fds[s] = sv[1];
    fcntl(fds[s], F_SETFL, O_NONBLOCK);
    if (ofc_adopt_fd(c, sv[0], "lof_bench") != 0) die("ofc_adopt_fd");
    wait_for(s, OFPT10_HELLO);
    struct of10_msg hello = {.version = 1, .type = OFPT10_HELLO, .xid = 1};
    sw_send(s, &hello);
    wait_for(s, OFPT10_FEATURES_REQUEST);
    struct of10_phy_port ports[4];
    memset(ports, 0, sizeof ports);
    for (int i = 0; i < 4; i++) {
        ports[i].port_no = (uint16_t)(i + 1);
        snprintf(ports[i].name, sizeof ports[i].name, "p%d", i + 1);
    }
    struct of10_msg f = {.version = 1, .type = OFPT10_FEATURES_REPLY, .xid = last_xid};
    f.u.features = (struct of10_features){.datapath_id = (uint64_t)s + 1,
                                          .n_buffers = 256,
                                          .n_tables = 1,
                                          .ports = ports,
                                          .n_ports = 4};
    sw_send(s, &f);
    wait_for(s, OFPT10_FLOW_MOD); /* l2_learning clears the table */
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int nsw = argc > 1 ? atoi(argv[1]) : 16, hosts = argc > 2 ? atoi(argv[2]) : 1000;
    int per = argc > 3 ? atoi(argv[3]) : 2000;
    if (nsw < 1 || nsw > MAX_SW || hosts < 2 || hosts > 1 << 24 || per < BATCH)
        die("usage: lof_bench [SWITCHES(1..64) [HOSTS(2..) [PACKETS_PER_SWITCH(64..) [--watch]]]]");
    char err[512];
    if (argc > 4 && strcmp(argv[4], "--watch") == 0 && vlua_watch_start(err, sizeof err) != 0)
        die(err);
    FILE *fp = fopen("lua/apps/l2_learning.lua", "rb");
    if (!fp) die("run from the source tree: lua/apps/l2_learning.lua not found");
    static char src[1 << 16];
    size_t len = fread(src, 1, sizeof src, fp);
    fclose(fp);
    loop = ev_loop_new();
    struct log lg;
    log_init(&lg, LOG_LEVEL_WARN);
    log_set_sink(&lg, sink, NULL);
    struct lof *l = lof_new(loop, &lg, NULL, NULL, NULL);
    struct ofc *c = l ? ofc_new(loop, &lg, NULL, lof_ofc_handlers(), l) : NULL;
    if (!loop || !c) die("out of memory");
    lof_attach(l, c);
    struct lof_app_src app = {"l2_learning", "lua/apps/l2_learning.lua", src, len, NULL, 0};
    if (lof_load(l, &app, 1, err, sizeof err) != 0) die(err);
    for (int s = 0; s < nsw; s++)
        connect_switch(c, s);
    answered = 0;
    for (int h = 0; h < hosts; h++) { /* learning: every host once, each flooded */
        for (int s = 0; s < nsw; s++)
            packet_in(s, h, 0, true);
        if (h % 16 == 15 || h == hosts - 1) run_until((long)nsw * (h + 1));
    }
    if (answered != (long)nsw * hosts) die("the learning phase was not answered");
    answered = 0;
    double c0 = cpu_s();
    CALLGRIND_ZERO_STATS;
    for (int sent = 0, h = 0; sent + BATCH <= per; sent += BATCH) {
        for (int b = 0; b < BATCH; b++, h = (h + 1) % hosts)
            for (int s = 0; s < nsw; s++)
                packet_in(s, h, (h + 1) % hosts, false);
        run_until((long)nsw * (sent + BATCH));
    }
    CALLGRIND_DUMP_STATS;
    double c1 = cpu_s();
    long want = (long)nsw * (per / BATCH * BATCH);
    printf("answered %ld of %ld PACKET_INs; %.3f s of CPU, %.0f per CPU second "
           "(switches included)\n",
           answered, want, c1 - c0, (double)answered / (c1 - c0));
    ofc_free(c);
    lof_free(l);
    ev_loop_free(loop);
    return answered == want ? 0 : 1;
}
