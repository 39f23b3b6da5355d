/*
 * test_mon_pins.c - the monitor outlives its userspace: after mon_close the
 * ports keep filtering with nobody holding the library open, and a new
 * mon_open finds the same rules (ids, owners, counters), the same programs
 * (nothing re-attached), and repairs a rule a crash left half-written. A pin
 * directory from another layout version is refused, not misread.
 */
#include <sys/mman.h>

#include "mon_harness.h"

struct snap {
    uint32_t n;
    char text[8][256];
};

static int snap_cb(const struct mon_rule_info *ri, void *ctx)
{
    struct snap *s = ctx;
    char rule[128];
    mon_rule_format(&ri->rule, rule, sizeof(rule));
    if (s->n < 8)
        snprintf(s->text[s->n], sizeof(s->text[0]), "%u %s %s %llu", ri->id, ri->owner, rule,
                 (unsigned long long)ri->packets);
    s->n++;
    return 0;
}

static int pinned_prog(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", mh_pin, name);
    return bpf_obj_get(path);
}

static uint32_t prog_id_of(int fd)
{
    struct bpf_prog_info info;
    uint32_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
    return info.id;
}

static void test_survives_close(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    struct mon *m = mh_open();
    struct mh_port p;
    mh_port_add(m, &p, 5, 0);
    uint32_t a = mh_add(m, "drop 10.2.0.9 port 5001", "admin");
    uint32_t d = mh_add(m, "pass 10.3.0.0/16 proto udp dir to-guest", "domain:of");
    uint32_t g = mh_add(m, "drop 10.4.0.1 on 5", "guest:5");
    assert_int_equal(mh_from_guest(m, &p, 6, 40000, 5001, "10.2.0.9"), MH_DROP);
    uint32_t ing_id = prog_id_of(mon_prog_fd(m, MON_PROG_INGRESS));
    struct snap before = {0};
    mon_rule_list(m, 1, snap_cb, &before);
    mon_close(m);

    /* Nobody has the library open: the pinned program on the port still drops,
     * and it is the one tc runs. */
    int fd = pinned_prog("prog_ingress");
    assert_true(fd >= 0);
    assert_int_equal(prog_id_of(fd), ing_id);
    assert_int_equal(
        mh_run_fd(fd, p.gi,
                  &(struct mh_frame){
                      .src = "10.1.0.1", .dst = "10.2.0.9", .proto = 6, .sport = 1, .dport = 5001}),
        MH_DROP);
    assert_int_equal(
        mh_run_fd(fd, p.gi,
                  &(struct mh_frame){
                      .src = "10.1.0.1", .dst = "10.2.0.9", .proto = 6, .sport = 1, .dport = 80}),
        MH_PASS);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "tc filter show dev %s ingress | grep -q 'id %u '", p.g, ing_id);
    assert_int_equal(system(cmd), 0);

    /* A reader sees it all without loading anything. */
    struct mon *r = NULL;
    char err[MON_ERR_LEN];
    assert_int_equal(mon_open(&r, mh_pin, MON_OPEN_RDONLY, err, sizeof(err)), 0);
    assert_int_equal(mon_rule_count(r), 3);
    struct mon_port_info pi;
    assert_int_equal(mon_port_stats(r, 5, &pi), 0);
    assert_true(pi.attached);
    assert_int_equal(pi.dir[0].drop_pkts, 2);
    mon_close(r);

    /* A new writer: same table, same counters (1 packet from before plus 1
     * from the pinned program run above), same program. */
    m = mh_open();
    struct snap after = {0};
    mon_rule_list(m, 1, snap_cb, &after);
    assert_int_equal(after.n, 3);
    assert_string_equal(before.text[1], after.text[1]);
    assert_string_equal(before.text[2], after.text[2]);
    char want[256];
    snprintf(want, sizeof(want), "%u admin drop 10.2.0.9/32 proto tcp port 5001 dir both on all 2",
             a);
    assert_string_equal(after.text[0], want);
    assert_int_equal(prog_id_of(mon_prog_fd(m, MON_PROG_INGRESS)), ing_id);
    /* Ids go on after the highest; deletes still apply to the datapath. */
    uint32_t n = mh_add(m, "drop 10.5.0.1", "admin");
    assert_true(n > g && n > d);
    assert_int_equal(mon_rule_del(m, a, "admin"), 0);
    assert_int_equal(mh_from_guest(m, &p, 6, 40000, 5001, "10.2.0.9"), MH_PASS);
    assert_int_equal(mon_rule_del(m, g, "guest:5"), 0);
    assert_int_equal(mh_from_guest(m, &p, 6, 1, 2, "10.4.0.1"), MH_PASS);
    mh_port_del(m, &p);
    assert_int_equal(mon_destroy(m), 0);
    assert_int_equal(access(mh_pin, F_OK), -1);
}

/* A record written without its match entries (a crash between the two) is
 * completed by the next writer, not left as a rule that lists but never acts. */
static void test_repairs_half_added_rule(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    struct mon *m = mh_open();
    struct mh_port p;
    mh_port_add(m, &p, 6, 0);
    mon_close(m);

    char path[128];
    snprintf(path, sizeof(path), "%s/mon_rules", mh_pin);
    int fd = bpf_obj_get(path);
    assert_true(fd >= 0);
    struct mon_rule_rec rec;
    memset(&rec, 0, sizeof(rec));
    rec.addr = inet_addr("10.6.6.6");
    rec.plen = 32;
    rec.dirs = 3;
    rec.action = MON_ACT_DROP;
    rec.tier = MON_TIER_ADMIN;
    strcpy(rec.owner, "admin");
    uint32_t id = 77;
    assert_int_equal(bpf_map_update_elem(fd, &id, &rec, BPF_ANY), 0);
    /* ... and a record that no mon_rule_add could write is ignored. */
    struct mon_rule_rec bad = rec;
    bad.plen = 24; /* host bits set */
    id = 78;
    assert_int_equal(bpf_map_update_elem(fd, &id, &bad, BPF_ANY), 0);
    close(fd);

    m = mh_open();
    assert_int_equal(mon_rule_count(m), 1);
    assert_int_equal(mh_from_guest(m, &p, 17, 1, 2, "10.6.6.6"), MH_DROP);
    assert_int_equal(mh_to_guest(m, &p, 17, 1, 2, "10.6.6.6"), MH_DROP);
    assert_int_equal(mon_rule_del(m, 77, "admin"), 0);
    assert_int_equal(mh_from_guest(m, &p, 17, 1, 2, "10.6.6.6"), MH_PASS);
    mh_port_del(m, &p);
    assert_int_equal(mon_destroy(m), 0);
}

static void test_refuses_other_layout(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    struct mon *m = mh_open();
    mon_close(m);
    char path[128], err[MON_ERR_LEN];
    snprintf(path, sizeof(path), "%s/mon_cfg", mh_pin);
    int fd = bpf_obj_get(path);
    assert_true(fd >= 0);
    struct mon_cfg *cfg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert_true(cfg != MAP_FAILED);
    cfg->layout = 99;
    assert_int_equal(mon_open(&m, mh_pin, 0, err, sizeof(err)), -EPROTO);
    char want[MON_ERR_LEN];
    snprintf(want, sizeof(want),
             "the monitor pinned at %s has layout 99, this library %u: remove it (monctl "
             "destroy) and attach again",
             mh_pin, MON_LAYOUT_VERSION);
    assert_string_equal(err, want);
    cfg->layout = MON_LAYOUT_VERSION;
    munmap(cfg, 4096);
    close(fd);
    m = mh_open();
    assert_int_equal(mon_destroy(m), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survives_close),
        cmocka_unit_test(test_repairs_half_added_rule),
        cmocka_unit_test(test_refuses_other_layout),
    };
    return cmocka_run_group_tests(tests, NULL, mh_cleanup);
}
