/*
 * test_lib_ev.c - the event loop: timer order and times on a fake clock,
 * cancellation from callbacks, 10,000 timers, fd callbacks on pipes and
 * socketpairs, and deleting fds from inside a batch.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/ev.h"

/* ---- fake clock and a firing log ---------------------------------------- */

static uint64_t fake_clock(void *ctx)
{
    return *(uint64_t *)ctx;
}

struct fired {
    struct ev_loop *loop;
    int n;
    int tag[64];
    uint64_t at[64];
};

struct tagged {
    struct fired *log;
    int tag;
};

static void record_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct tagged *t = ctx;
    (void)id;
    assert_true(t->log->n < 64);
    t->log->tag[t->log->n] = t->tag;
    t->log->at[t->log->n++] = ev_now_ms(loop);
}

static struct ev_loop *fake_loop(uint64_t *clock)
{
    struct ev_loop *loop = ev_loop_new();
    assert_non_null(loop);
    ev_loop_set_clock(loop, fake_clock, clock);
    return loop;
}

/* Advance the fake clock 1 ms at a time up to `until`, polling each step. */
static void step_to(struct ev_loop *loop, uint64_t *clock, uint64_t until)
{
    while (*clock < until) {
        (*clock)++;
        assert_true(ev_run_once(loop, 0) >= 0);
    }
}

static void test_timers_order_and_times(void **state)
{
    (void)state;
    uint64_t clock = 1000;
    struct ev_loop *loop = fake_loop(&clock);
    struct fired log = {0};
    struct tagged t[5] = {{&log, 30}, {&log, 10}, {&log, 20}, {&log, 11}, {&log, 0}};
    assert_int_equal(ev_now_ms(loop), 1000);
    ev_timer_add(loop, 30, 0, record_cb, &t[0]);
    ev_timer_add(loop, 10, 0, record_cb, &t[1]);
    ev_timer_add(loop, 20, 0, record_cb, &t[2]);
    ev_timer_add(loop, 10, 0, record_cb, &t[3]); /* same time as tag 10: after it */
    ev_timer_add(loop, 0, 0, record_cb, &t[4]);
    assert_int_equal(ev_timer_count(loop), 5);
    assert_int_equal(ev_run_once(loop, 0), 1); /* the 0 ms timer, at once */
    step_to(loop, &clock, 1009);
    assert_int_equal(log.n, 1);
    step_to(loop, &clock, 1040);
    int want_tag[] = {0, 10, 11, 20, 30};
    uint64_t want_at[] = {1000, 1010, 1010, 1020, 1030};
    assert_int_equal(log.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(log.tag[i], want_tag[i]);
        assert_int_equal(log.at[i], want_at[i]);
    }
    assert_int_equal(ev_timer_count(loop), 0);
    ev_loop_free(loop);
}

static void test_timer_repeat_and_skip(void **state)
{
    (void)state;
    uint64_t clock = 0;
    struct ev_loop *loop = fake_loop(&clock);
    struct fired log = {0};
    struct tagged t = {&log, 1};
    uint64_t id = ev_timer_add(loop, 100, 100, record_cb, &t);
    assert_int_not_equal(id, 0);
    step_to(loop, &clock, 300);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.at[0], 100);
    assert_int_equal(log.at[1], 200);
    assert_int_equal(log.at[2], 300);
    /* A 1 s stall: one late firing, then the cadence restarts from now. */
    clock = 1350;
    assert_int_equal(ev_run_once(loop, 0), 1);
    step_to(loop, &clock, 1450);
    assert_int_equal(log.n, 5);
    assert_int_equal(log.at[3], 1350);
    assert_int_equal(log.at[4], 1450);
    assert_int_equal(ev_timer_cancel(loop, id), EV_OK);
    assert_int_equal(ev_timer_cancel(loop, id), EV_ERR);
    assert_int_equal(errno, ENOENT);
    step_to(loop, &clock, 2000);
    assert_int_equal(log.n, 5);
    ev_loop_free(loop);
}

/* ---- cancellation from callbacks ------------------------------------------ */

struct canceller {
    int runs;
    uint64_t self, victim, added;
    int cancel_self_rc, cancel_victim_rc, cancel_again_rc;
    struct tagged *add_ctx;
};

static void cancel_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct canceller *c = ctx;
    assert_int_equal(id, c->self);
    c->runs++;
    if (c->victim) c->cancel_victim_rc = ev_timer_cancel(loop, c->victim);
    c->cancel_self_rc = ev_timer_cancel(loop, id);
    c->cancel_again_rc = ev_timer_cancel(loop, id);
    /* The freed slot is reused at once: the dispatcher must not mistake it. */
    if (c->add_ctx) c->added = ev_timer_add(loop, 5, 0, record_cb, c->add_ctx);
}

static void test_timer_cancel_in_callback(void **state)
{
    (void)state;
    uint64_t clock = 0;
    struct ev_loop *loop = fake_loop(&clock);
    struct fired log = {0};
    struct tagged victim = {&log, 99}, later = {&log, 7};
    struct canceller c = {.add_ctx = &later};
    c.self = ev_timer_add(loop, 10, 10, cancel_cb, &c);       /* repeating, cancels itself */
    c.victim = ev_timer_add(loop, 10, 0, record_cb, &victim); /* same due time */
    step_to(loop, &clock, 100);
    assert_int_equal(c.runs, 1); /* no repetition after self-cancel */
    assert_int_equal(c.cancel_victim_rc, EV_OK);
    assert_int_equal(c.cancel_self_rc, EV_OK);
    assert_int_equal(c.cancel_again_rc, EV_ERR);
    assert_int_not_equal(c.added, c.self); /* same slot, new generation */
    assert_int_equal((uint32_t)c.added, (uint32_t)c.self);
    assert_int_equal(log.n, 1); /* victim never ran, "later" did */
    assert_int_equal(log.tag[0], 7);
    assert_int_equal(log.at[0], 15);
    assert_int_equal(ev_timer_cancel(loop, c.self), EV_ERR); /* stale id */
    assert_int_equal(ev_timer_cancel(loop, 0), EV_ERR);
    assert_int_equal(ev_timer_cancel(loop, 12345678), EV_ERR);
    ev_loop_free(loop);
}

static void readd_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    int *n = ctx;
    (void)id;
    (*n)++;
    ev_timer_add(loop, 0, 0, readd_cb, ctx);
}

/* A callback re-adding a 0 ms timer runs once per iteration, never spins. */
static void test_timer_zero_readd_no_spin(void **state)
{
    (void)state;
    uint64_t clock = 0;
    struct ev_loop *loop = fake_loop(&clock);
    int n = 0;
    ev_timer_add(loop, 0, 0, readd_cb, &n);
    assert_int_equal(ev_run_once(loop, 0), 1);
    assert_int_equal(ev_run_once(loop, 0), 1);
    assert_int_equal(n, 2);
    ev_loop_free(loop);
}

/* ---- 10,000 timers ------------------------------------------------------- */

struct many {
    uint64_t due[10000];
    uint64_t id[10000];
    int fired[10000];
    uint64_t last;
    int total, late;
};

struct many_ref {
    struct many *m;
    int i;
};

static void many_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    struct many_ref *r = ctx;
    struct many *m = r->m;
    assert_int_equal(id, m->id[r->i]);
    if (ev_now_ms(loop) != m->due[r->i]) m->late++;
    if (ev_now_ms(loop) < m->last) m->late++;
    m->last = ev_now_ms(loop);
    m->fired[r->i]++;
    m->total++;
}

static void test_timers_10000(void **state)
{
    (void)state;
    uint64_t clock = 0;
    struct ev_loop *loop = fake_loop(&clock);
    struct many *m = calloc(1, sizeof(*m));
    struct many_ref *refs = calloc(10000, sizeof(*refs));
    assert_non_null(m);
    assert_non_null(refs);
    uint32_t x = 12345;
    for (int i = 0; i < 10000; i++) {
        x = x * 1103515245u + 12345u;
        m->due[i] = (x >> 8) % 3000;
        refs[i] = (struct many_ref){m, i};
        m->id[i] = ev_timer_add(loop, m->due[i], 0, many_cb, &refs[i]);
        assert_int_not_equal(m->id[i], 0);
    }
    assert_int_equal(ev_timer_count(loop), 10000);
    for (int i = 0; i < 10000; i += 2)
        assert_int_equal(ev_timer_cancel(loop, m->id[i]), EV_OK);
    assert_int_equal(ev_timer_count(loop), 5000);
    assert_int_equal(ev_run_once(loop, 0) >= 0, 1); /* those due at 0 */
    step_to(loop, &clock, 3000);
    assert_int_equal(m->total, 5000);
    assert_int_equal(m->late, 0);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(m->fired[i], i % 2);
    assert_int_equal(ev_timer_count(loop), 0);
    free(refs);
    free(m);
    ev_loop_free(loop);
}

/* ---- real clock ---------------------------------------------------------- */

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void stop_cb(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)id;
    *(uint64_t *)ctx = mono_ms();
    ev_stop(loop);
}

static void test_timer_real_clock(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    uint64_t fired = 0, start = mono_ms();
    ev_timer_add(loop, 25, 0, stop_cb, &fired);
    ev_timer_add(loop, 5000, 0, stop_cb, &fired); /* must not be reached */
    assert_int_equal(ev_run(loop), EV_OK);
    assert_true(fired - start >= 25);
    assert_true(fired - start < 1000);
    assert_true(ev_now_ms(loop) >= start + 25);
    assert_int_equal(ev_timer_count(loop), 1);
    ev_loop_free(loop);
}

/* ---- fds ------------------------------------------------------------------ */

struct fdrec {
    int calls;
    int events;
    int fd;
};

static void fd_cb(struct ev_loop *loop, int fd, int events, void *ctx)
{
    struct fdrec *r = ctx;
    (void)loop;
    r->calls++;
    r->events = events;
    r->fd = fd;
    char b[64];
    if (events & EV_READ) (void)!read(fd, b, sizeof(b));
}

static void test_fd_pipe_events(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    struct fdrec rd = {0}, wr = {0};
    assert_int_equal(ev_fd_add(loop, p[0], EV_READ, fd_cb, &rd), EV_OK);
    assert_int_equal(ev_fd_add(loop, p[1], 0, fd_cb, &wr), EV_OK);
    assert_int_equal(ev_run_once(loop, 0), 0); /* nothing readable, write not asked */
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(ev_run_once(loop, 100), 1);
    assert_int_equal(rd.calls, 1);
    assert_int_equal(rd.events, EV_READ);
    assert_int_equal(rd.fd, p[0]);
    assert_int_equal(ev_fd_mod(loop, p[1], EV_WRITE), EV_OK);
    assert_int_equal(ev_fd_events(loop, p[1]), EV_WRITE);
    assert_int_equal(ev_run_once(loop, 100), 1);
    assert_int_equal(wr.calls, 1);
    assert_int_equal(wr.events, EV_WRITE);
    assert_int_equal(ev_fd_mod(loop, p[1], 0), EV_OK);
    assert_int_equal(ev_run_once(loop, 0), 0);
    /* Writer gone: the reader sees a hang-up, reported as readable. */
    assert_int_equal(ev_fd_del(loop, p[1]), EV_OK);
    close(p[1]);
    assert_int_equal(ev_run_once(loop, 100), 1);
    assert_true(rd.events & EV_READ);
    assert_int_equal(ev_fd_del(loop, p[0]), EV_OK);
    close(p[0]);
    assert_int_equal(ev_fd_events(loop, p[0]), -1);
    ev_loop_free(loop);
}

static void test_fd_errors(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    int p[2];
    struct fdrec r = {0};
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    assert_int_equal(ev_fd_add(loop, -1, EV_READ, fd_cb, &r), EV_ERR);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(ev_fd_add(loop, p[0], EV_READ, NULL, &r), EV_ERR);
    assert_int_equal(ev_fd_add(loop, p[0], 8, fd_cb, &r), EV_ERR);
    assert_int_equal(ev_fd_add(loop, p[0], EV_READ, fd_cb, &r), EV_OK);
    assert_int_equal(ev_fd_add(loop, p[0], EV_READ, fd_cb, &r), EV_ERR);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(ev_fd_mod(loop, p[1], EV_READ), EV_ERR);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(ev_fd_del(loop, p[1]), EV_ERR);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(ev_fd_del(loop, 100000), EV_ERR);
    /* Closed before delete: tolerated, the slot is freed all the same. */
    close(p[0]);
    assert_int_equal(ev_fd_del(loop, p[0]), EV_OK);
    close(p[1]);
    ev_loop_free(loop);
}

/* Two readable fds in one batch; whichever runs first deletes the other,
 * closes it, frees its context and registers a fresh, idle fd that gets the
 * same number. The stale batch entry must reach nobody. */
struct pair_ctx {
    struct ev_loop *loop;
    int *other_fd;
    struct pair_ctx **other;
    int *calls;
    int refill[2];
};

static void pair_cb(struct ev_loop *loop, int fd, int events, void *ctx)
{
    struct pair_ctx *me = ctx;
    (void)events;
    (*me->calls)++;
    char b[8];
    (void)!read(fd, b, sizeof(b));
    if (*me->other) {
        int victim = *me->other_fd;
        assert_int_equal(ev_fd_del(loop, victim), EV_OK);
        close(victim);
        free(*me->other); /* a use after free here shows under ASan/valgrind */
        *me->other = NULL;
        /* socketpair returns the lowest free numbers: victim's comes back. */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, me->refill), 0);
        assert_int_equal(me->refill[0], victim);
        assert_int_equal(ev_fd_add(loop, me->refill[0], EV_READ, pair_cb, NULL), EV_OK);
    }
}

static void test_fd_delete_other_in_batch(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    int a[2], b[2], calls = 0;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
    struct pair_ctx *ca = calloc(1, sizeof(*ca)), *cb = calloc(1, sizeof(*cb));
    struct pair_ctx *pa = ca, *pb = cb;
    int fa = a[0], fb = b[0];
    ca->other_fd = &fb;
    ca->other = &pb;
    ca->calls = &calls;
    cb->other_fd = &fa;
    cb->other = &pa;
    cb->calls = &calls;
    assert_int_equal(ev_fd_add(loop, fa, EV_READ, pair_cb, ca), EV_OK);
    assert_int_equal(ev_fd_add(loop, fb, EV_READ, pair_cb, cb), EV_OK);
    assert_int_equal(write(a[1], "1", 1), 1);
    assert_int_equal(write(b[1], "2", 1), 1);
    assert_int_equal(ev_run_once(loop, 100), 1);
    assert_int_equal(calls, 1);
    assert_int_equal(ev_run_once(loop, 0), 0); /* the new fd is idle */
    struct pair_ctx *survivor = pa ? pa : pb;
    int sfd = pa ? fa : fb;
    ev_fd_del(loop, survivor->refill[0]);
    close(survivor->refill[0]);
    close(survivor->refill[1]);
    ev_fd_del(loop, sfd);
    close(a[0] == sfd ? a[0] : b[0]);
    close(a[1]);
    close(b[1]);
    free(survivor);
    ev_loop_free(loop);
}

static void self_del_cb(struct ev_loop *loop, int fd, int events, void *ctx)
{
    (void)events;
    (*(int *)ctx)++;
    ev_fd_del(loop, fd);
}

/* Thousands of connections, a high fd number (table growth), every callback
 * delivered; each deletes itself. */
static void test_fd_many(void **state)
{
    (void)state;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 4200) {
        rl.rlim_cur = rl.rlim_max < 4200 ? rl.rlim_max : 4200;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    int n = rl.rlim_cur >= 4200 ? 2000 : 400;
    struct ev_loop *loop = ev_loop_new();
    int(*sp)[2] = calloc((size_t)n, sizeof(*sp));
    int calls = 0, ran = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp[i]), 0);
        assert_int_equal(ev_fd_add(loop, sp[i][0], EV_READ, self_del_cb, &calls), EV_OK);
        assert_int_equal(write(sp[i][1], "z", 1), 1);
    }
    for (int i = 0; i < 100 && calls < n; i++)
        ran += ev_run_once(loop, 100);
    assert_int_equal(calls, n);
    assert_int_equal(ran, n);
    assert_int_equal(ev_run(loop), EV_OK); /* nothing left: returns at once */
    for (int i = 0; i < n; i++) {
        close(sp[i][0]);
        close(sp[i][1]);
    }
    free(sp);
    ev_loop_free(loop);
}

/* Two loops are independent: events and timers of one never reach the other. */
static void test_two_loops(void **state)
{
    (void)state;
    uint64_t c1 = 0, c2 = 500;
    struct ev_loop *l1 = fake_loop(&c1), *l2 = fake_loop(&c2);
    struct fired log1 = {0}, log2 = {0};
    struct tagged t1 = {&log1, 1}, t2 = {&log2, 2};
    ev_timer_add(l1, 10, 0, record_cb, &t1);
    ev_timer_add(l2, 10, 0, record_cb, &t2);
    c1 = 10;
    ev_run_once(l1, 0);
    ev_run_once(l2, 0);
    assert_int_equal(log1.n, 1);
    assert_int_equal(log2.n, 0);
    c2 = 510;
    ev_run_once(l2, 0);
    assert_int_equal(log2.n, 1);
    assert_int_equal(log2.at[0], 510);
    ev_loop_free(l1);
    ev_loop_free(l2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_order_and_times),
        cmocka_unit_test(test_timer_repeat_and_skip),
        cmocka_unit_test(test_timer_cancel_in_callback),
        cmocka_unit_test(test_timer_zero_readd_no_spin),
        cmocka_unit_test(test_timers_10000),
        cmocka_unit_test(test_timer_real_clock),
        cmocka_unit_test(test_fd_pipe_events),
        cmocka_unit_test(test_fd_errors),
        cmocka_unit_test(test_fd_delete_other_in_batch),
        cmocka_unit_test(test_fd_many),
        cmocka_unit_test(test_two_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
