/*
 * ofc_roles.c - the controller engine in roles mode (ofc_role.c) for
 * integration tests with a real switch that has several controllers. It
 * listens on ADDR, takes commands on stdin, one a line:
 *
 *   master DPID [takeover]   ofc_role_set(DPID, 1, takeover)
 *   slave DPID               ofc_role_set(DPID, 0, 0)
 *   flow DPID PRIO           FLOW_MOD add: dl_type=0x88b6 (local experimental),
 *                            priority PRIO, cookie PRIO, no actions (drop)
 *   role DPID                ofc_role_of(DPID)
 *
 * and prints each command's outcome and every event as one line on stdout:
 *
 *   cmd master 00000000000a0b0c rc=0
 *   conn 00000000000a0b0c 1
 *   up 00000000000a0b0c takeover=0
 *   down 00000000000a0b0c
 *   lost 00000000000a0b0c the switch refused a OFPT_FLOW_MOD as from a slave: ...
 *   packet_in 00000000000a0b0c in_port=1 len=42
 *   error 00000000000a0b0c type=1 code=5
 *   role 00000000000a0b0c 1
 *
 * usage: ofc_roles ADDR. Runs until stdin closes or it is killed. The engine's
 * log goes to stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "of10/of10.h"
#include "ofc/ofc.h"

struct roles {
    struct ev_loop *loop;
    struct ofc *c;
    char line[512];
    size_t len;
};

static unsigned long long dpid_of(const struct ofc_switch *sw)
{
    return (unsigned long long)ofc_switch_dpid(sw);
}

static void r_up(void *ctx, struct ofc_switch *sw)
{
    (void)ctx;
    printf("up %016llx takeover=%d\n", dpid_of(sw), ofc_switch_takeover(sw));
}

static void r_down(void *ctx, struct ofc_switch *sw)
{
    (void)ctx;
    printf("down %016llx\n", dpid_of(sw));
}

static void r_pin(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)ctx;
    printf("packet_in %016llx in_port=%u len=%zu\n", dpid_of(sw), m->u.packet_in.in_port,
           m->u.packet_in.data.len);
}

static void r_error(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    (void)ctx;
    printf("error %016llx type=%u code=%u\n", dpid_of(sw), m->u.error.type, m->u.error.code);
}

static void r_conn(void *ctx, uint64_t dpid, int up)
{
    (void)ctx;
    printf("conn %016llx %d\n", (unsigned long long)dpid, up);
}

static void r_lost(void *ctx, uint64_t dpid, const char *why)
{
    (void)ctx;
    printf("lost %016llx %s\n", (unsigned long long)dpid, why);
}

static const struct ofc_handlers handlers = {
    .switch_up = r_up, .switch_down = r_down, .packet_in = r_pin, .error = r_error};

static int flow_add(struct ofc *c, uint64_t dpid, unsigned prio)
{
    struct ofc_switch *sw = ofc_switch_find(c, dpid);
    if (!sw) return -1; /* not master here: the apps would not see it either */
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_FLOW_MOD};
    of10_match_init_catchall(&m.u.flow_mod.match);
    m.u.flow_mod.match.wildcards &= ~(uint32_t)OFPFW10_DL_TYPE;
    m.u.flow_mod.match.dl_type = 0x88b6;
    m.u.flow_mod.command = OFPFC10_ADD;
    m.u.flow_mod.priority = (uint16_t)prio;
    m.u.flow_mod.cookie = prio;
    m.u.flow_mod.buffer_id = OFP10_NO_BUFFER;
    m.u.flow_mod.out_port = OFPP10_NONE;
    return ofc_send(sw, &m);
}

static void command(struct roles *r, char *line)
{
    char verb[16] = "", arg3[32] = "";
    unsigned long long dpid = 0;
    int n = sscanf(line, "%15s %llx %31s", verb, &dpid, arg3);
    if (n < 2) {
        if (verb[0]) printf("cmd error: cannot parse '%s'\n", line);
        return;
    }
    int rc;
    if (!strcmp(verb, "master"))
        rc = ofc_role_set(r->c, dpid, 1, !strcmp(arg3, "takeover"));
    else if (!strcmp(verb, "slave"))
        rc = ofc_role_set(r->c, dpid, 0, 0);
    else if (!strcmp(verb, "flow") && n == 3)
        rc = flow_add(r->c, dpid, (unsigned)strtoul(arg3, NULL, 10));
    else if (!strcmp(verb, "role")) {
        printf("role %016llx %d\n", dpid, ofc_role_of(r->c, dpid));
        return;
    } else {
        printf("cmd error: unknown command '%s'\n", line);
        return;
    }
    printf("cmd %s %016llx rc=%d\n", verb, dpid, rc);
}

static void on_stdin(struct ev_loop *loop, int fd, int events, void *ctx)
{
    struct roles *r = ctx;
    (void)events;
    ssize_t n = read(fd, r->line + r->len, sizeof(r->line) - 1 - r->len);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        ev_fd_del(loop, fd);
        ev_stop(loop);
        return;
    }
    if (n < 0) return;
    r->len += (size_t)n;
    char *nl;
    while ((nl = memchr(r->line, '\n', r->len))) {
        *nl = '\0';
        command(r, r->line);
        size_t used = (size_t)(nl - r->line) + 1;
        memmove(r->line, nl + 1, r->len - used);
        r->len -= used;
    }
    if (r->len == sizeof(r->line) - 1) r->len = 0; /* an endless line: drop it */
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ofc_roles ADDR\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct log lg;
    log_init(&lg, LOG_LEVEL_INFO);
    struct roles r = {.loop = ev_loop_new()};
    if (!r.loop) return 1;
    struct ofc_config cfg = {.roles = 1};
    r.c = ofc_new(r.loop, &lg, &cfg, &handlers, &r);
    char err[256];
    if (!r.c || ofc_listen(r.c, argv[1], err, sizeof(err)) < 0) {
        fprintf(stderr, "ofc_roles: %s\n", r.c ? err : "out of memory");
        return 1;
    }
    ofc_set_role_hooks(r.c, r_conn, r_lost, &r);
    if (ev_fd_add(r.loop, 0, EV_READ, on_stdin, &r) < 0) {
        fprintf(stderr, "ofc_roles: cannot watch stdin\n");
        return 1;
    }
    printf("listening %s\n", argv[1]);
    int rc = ev_run(r.loop);
    ofc_free(r.c);
    ev_loop_free(r.loop);
    return rc == EV_OK ? 0 : 1;
}
