/*
 * ev.c - the epoll event loop: an fd-indexed table of callbacks and a binary
 * min-heap of timers. Level-triggered, so a callback that does a bounded
 * amount of work per call is simply called again next iteration: one busy or
 * slow peer cannot starve the others.
 */
#include "lib/ev.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* Events fetched per epoll_wait; the rest wait for the next iteration. */
#define EV_BATCH 256

/* An fd slot. gen changes on every delete: each epoll entry carries the gen
 * it was registered with, so events fetched in a batch for an fd that was
 * deleted (and perhaps re-added) by an earlier callback are recognised as
 * stale and dropped instead of reaching a freed context. */
struct ev_fdslot {
    ev_fd_cb *cb;
    void *ctx;
    uint32_t gen;
    uint8_t events; /* interest mask, EV_READ|EV_WRITE */
    bool used;
    bool in_epoll; /* a mask of 0 is kept out of epoll: no HUP busy loop */
};

/* heap_idx states besides a position in the heap. */
#define TIMER_FREE      UINT32_MAX
#define TIMER_RUNNING   (UINT32_MAX - 1)
#define TIMER_SLOTS_MAX (UINT32_MAX - 2)

/* A timer slot. Slots are recycled through a free list; the id handed out is
 * gen << 32 | (slot + 1), and gen is bumped at each reuse, so a stale id never
 * matches a newer timer. The heap stores slot numbers, never pointers, so the
 * slot array may be reallocated from inside a callback. */
struct ev_timer {
    uint64_t when;   /* due time, ms */
    uint64_t seq;    /* insertion order: ties and "added during this pass" */
    uint64_t repeat; /* 0: one-shot */
    ev_timer_cb *cb;
    void *ctx;
    uint32_t gen;
    uint32_t heap_idx; /* position in heap, or TIMER_FREE / TIMER_RUNNING */
    uint32_t next_free;
};

struct ev_loop {
    int epfd;
    bool stop;
    uint64_t now;
    ev_clock_fn *clock;
    void *clock_ctx;

    struct ev_fdslot *fds;
    int nfds;         /* table size: fds[0..nfds) */
    unsigned nactive; /* slots currently in epoll */

    struct ev_timer *timers;
    uint32_t *heap;   /* capacity ntimers: every live timer fits, always */
    uint32_t ntimers; /* slots allocated */
    uint32_t nheap;
    uint32_t free_head;
    uint64_t seq;

    struct epoll_event evs[EV_BATCH];
};

static uint64_t ev_real_clock(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct ev_loop *ev_loop_new(void)
{
    struct ev_loop *loop = calloc(1, sizeof(*loop));
    if (!loop) return NULL;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        int e = errno;
        free(loop);
        errno = e;
        return NULL;
    }
    loop->clock = ev_real_clock;
    loop->free_head = TIMER_FREE;
    loop->now = ev_real_clock(NULL);
    return loop;
}

void ev_loop_free(struct ev_loop *loop)
{
    if (!loop) return;
    close(loop->epfd);
    free(loop->fds);
    free(loop->timers);
    free(loop->heap);
    free(loop);
}

void ev_loop_set_clock(struct ev_loop *loop, ev_clock_fn *fn, void *ctx)
{
    loop->clock = fn ? fn : ev_real_clock;
    loop->clock_ctx = fn ? ctx : NULL;
    loop->now = loop->clock(loop->clock_ctx);
}

uint64_t ev_now_ms(const struct ev_loop *loop)
{
    return loop->now;
}

uint64_t ev_now_update(struct ev_loop *loop)
{
    return loop->now = loop->clock(loop->clock_ctx);
}

/* ---- fds ----------------------------------------------------------------- */

static struct ev_fdslot *ev_fd_slot(const struct ev_loop *loop, int fd)
{
    if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used) return NULL;
    return &loop->fds[fd];
}

static int ev_fd_grow(struct ev_loop *loop, int fd)
{
    int n = loop->nfds ? loop->nfds : 64;
    while (n <= fd)
        n *= 2;
    struct ev_fdslot *p = realloc(loop->fds, (size_t)n * sizeof(*p));
    if (!p) return EV_ERR;
    memset(p + loop->nfds, 0, (size_t)(n - loop->nfds) * sizeof(*p));
    loop->fds = p;
    loop->nfds = n;
    return EV_OK;
}

/* Bring the kernel's view of fd in line with its slot. */
static int ev_fd_sync(struct ev_loop *loop, int fd, struct ev_fdslot *s)
{
    struct epoll_event ee = {0};
    if (s->events == 0) {
        if (s->in_epoll && epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != ENOENT &&
            errno != EBADF)
            return EV_ERR;
        if (s->in_epoll) loop->nactive--;
        s->in_epoll = false;
        return EV_OK;
    }
    ee.events = ((s->events & EV_READ) ? EPOLLIN : 0u) | ((s->events & EV_WRITE) ? EPOLLOUT : 0u);
    ee.data.u64 = (uint64_t)s->gen << 32 | (uint32_t)fd;
    if (epoll_ctl(loop->epfd, s->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ee) < 0)
        return EV_ERR;
    if (!s->in_epoll) loop->nactive++;
    s->in_epoll = true;
    return EV_OK;
}

int ev_fd_add(struct ev_loop *loop, int fd, int events, ev_fd_cb *cb, void *ctx)
{
    if (fd < 0 || fd >= EV_FD_MAX || !cb || (events & ~(EV_READ | EV_WRITE))) {
        errno = EINVAL;
        return EV_ERR;
    }
    if (fd >= loop->nfds && ev_fd_grow(loop, fd) < 0) return EV_ERR;
    struct ev_fdslot *s = &loop->fds[fd];
    if (s->used) {
        errno = EEXIST;
        return EV_ERR;
    }
    s->cb = cb;
    s->ctx = ctx;
    s->events = (uint8_t)events;
    s->in_epoll = false;
    if (ev_fd_sync(loop, fd, s) < 0) return EV_ERR;
    s->used = true;
    return EV_OK;
}

int ev_fd_mod(struct ev_loop *loop, int fd, int events)
{
    struct ev_fdslot *s = ev_fd_slot(loop, fd);
    if (!s || (events & ~(EV_READ | EV_WRITE))) {
        errno = s ? EINVAL : ENOENT;
        return EV_ERR;
    }
    if (s->events == events) return EV_OK;
    uint8_t old = s->events;
    s->events = (uint8_t)events;
    if (ev_fd_sync(loop, fd, s) < 0) {
        s->events = old;
        return EV_ERR;
    }
    return EV_OK;
}

int ev_fd_del(struct ev_loop *loop, int fd)
{
    struct ev_fdslot *s = ev_fd_slot(loop, fd);
    if (!s) {
        errno = ENOENT;
        return EV_ERR;
    }
    /* An fd closed too early is already gone from epoll: not an error. */
    if (s->in_epoll) {
        epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
        loop->nactive--;
    }
    s->used = false;
    s->in_epoll = false;
    s->events = 0;
    s->cb = NULL;
    s->ctx = NULL;
    s->gen++;
    return EV_OK;
}

int ev_fd_events(const struct ev_loop *loop, int fd)
{
    const struct ev_fdslot *s = ev_fd_slot(loop, fd);
    return s ? s->events : -1;
}

/* ---- timer heap ---------------------------------------------------------- */

static bool ev_timer_before(const struct ev_loop *loop, uint32_t a, uint32_t b)
{
    const struct ev_timer *ta = &loop->timers[a], *tb = &loop->timers[b];
    return ta->when < tb->when || (ta->when == tb->when && ta->seq < tb->seq);
}

static void ev_heap_set(struct ev_loop *loop, uint32_t i, uint32_t slot)
{
    loop->heap[i] = slot;
    loop->timers[slot].heap_idx = i;
}

static void ev_heap_up(struct ev_loop *loop, uint32_t i)
{
    uint32_t slot = loop->heap[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!ev_timer_before(loop, slot, loop->heap[parent])) break;
        ev_heap_set(loop, i, loop->heap[parent]);
        i = parent;
    }
    ev_heap_set(loop, i, slot);
}

static void ev_heap_down(struct ev_loop *loop, uint32_t i)
{
    uint32_t slot = loop->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= loop->nheap) break;
        if (c + 1 < loop->nheap && ev_timer_before(loop, loop->heap[c + 1], loop->heap[c])) c++;
        if (!ev_timer_before(loop, loop->heap[c], slot)) break;
        ev_heap_set(loop, i, loop->heap[c]);
        i = c;
    }
    ev_heap_set(loop, i, slot);
}

static void ev_heap_push(struct ev_loop *loop, uint32_t slot)
{
    loop->heap[loop->nheap] = slot;
    ev_heap_up(loop, loop->nheap++);
}

/* Remove the entry at i: the last entry takes its place and moves up or down. */
static void ev_heap_remove(struct ev_loop *loop, uint32_t i)
{
    uint32_t last = loop->heap[--loop->nheap];
    if (i == loop->nheap) return;
    ev_heap_set(loop, i, last);
    ev_heap_up(loop, i);
    ev_heap_down(loop, loop->timers[last].heap_idx);
}

/* Double the slot array and the heap together (heap capacity == slot count). */
static int ev_timer_grow(struct ev_loop *loop)
{
    uint32_t n = loop->ntimers ? loop->ntimers * 2 : 64;
    if (loop->ntimers >= TIMER_SLOTS_MAX / 2) return EV_ERR;
    struct ev_timer *t = realloc(loop->timers, n * sizeof(*t));
    if (!t) return EV_ERR;
    loop->timers = t;
    uint32_t *h = realloc(loop->heap, n * sizeof(*h));
    if (!h) return EV_ERR; /* the larger slot array is kept; harmless */
    loop->heap = h;
    /* New slots join the free list, lowest index first. */
    for (uint32_t i = n; i-- > loop->ntimers;) {
        memset(&t[i], 0, sizeof(t[i]));
        t[i].heap_idx = TIMER_FREE;
        t[i].next_free = loop->free_head;
        loop->free_head = i;
    }
    loop->ntimers = n;
    return EV_OK;
}

static void ev_timer_release(struct ev_loop *loop, uint32_t slot)
{
    struct ev_timer *t = &loop->timers[slot];
    t->heap_idx = TIMER_FREE;
    t->cb = NULL;
    t->ctx = NULL;
    t->next_free = loop->free_head;
    loop->free_head = slot;
}

uint64_t ev_timer_add(struct ev_loop *loop, uint64_t after_ms, uint64_t repeat_ms, ev_timer_cb *cb,
                      void *ctx)
{
    if (!cb) {
        errno = EINVAL;
        return 0;
    }
    if (loop->free_head == TIMER_FREE && ev_timer_grow(loop) < 0) {
        errno = ENOMEM;
        return 0;
    }
    uint32_t slot = loop->free_head;
    struct ev_timer *t = &loop->timers[slot];
    loop->free_head = t->next_free;
    if (++t->gen == 0) t->gen = 1;
    t->when = after_ms > UINT64_MAX - loop->now ? UINT64_MAX : loop->now + after_ms;
    t->seq = loop->seq++;
    t->repeat = repeat_ms;
    t->cb = cb;
    t->ctx = ctx;
    ev_heap_push(loop, slot);
    return (uint64_t)t->gen << 32 | (slot + 1u);
}

int ev_timer_cancel(struct ev_loop *loop, uint64_t id)
{
    uint32_t slot = (uint32_t)id - 1u;
    if ((uint32_t)id == 0 || slot >= loop->ntimers || loop->timers[slot].gen != id >> 32 ||
        loop->timers[slot].heap_idx == TIMER_FREE) {
        errno = ENOENT;
        return EV_ERR;
    }
    /* A running timer is not in the heap: releasing its slot is enough, the
     * dispatcher sees the change and neither repeats nor frees it again. */
    if (loop->timers[slot].heap_idx != TIMER_RUNNING)
        ev_heap_remove(loop, loop->timers[slot].heap_idx);
    ev_timer_release(loop, slot);
    return EV_OK;
}

unsigned ev_timer_count(const struct ev_loop *loop)
{
    return loop->nheap;
}

/* Run every timer due at loop->now. Timers added (or re-armed) during this
 * pass have seq >= limit and wait for the next iteration, so a callback that
 * re-adds a 0 ms timer cannot spin here forever. */
static int ev_timers_run(struct ev_loop *loop)
{
    uint64_t limit = loop->seq;
    int n = 0;
    while (loop->nheap > 0) {
        uint32_t slot = loop->heap[0];
        struct ev_timer *t = &loop->timers[slot];
        if (t->when > loop->now || t->seq >= limit) break;
        ev_heap_remove(loop, 0);
        t->heap_idx = TIMER_RUNNING;
        uint32_t gen = t->gen;
        t->cb(loop, (uint64_t)gen << 32 | (slot + 1u), t->ctx);
        n++;
        t = &loop->timers[slot]; /* the callback may have grown the array */
        if (t->gen != gen || t->heap_idx != TIMER_RUNNING) continue; /* cancelled */
        if (t->repeat == 0) {
            ev_timer_release(loop, slot);
            continue;
        }
        /* Keep the cadence; after a stall skip the missed ticks, no burst. */
        t->when = t->when + t->repeat > loop->now ? t->when + t->repeat : loop->now + t->repeat;
        t->seq = loop->seq++;
        ev_heap_push(loop, slot);
    }
    return n;
}

/* ---- running ------------------------------------------------------------- */

static int ev_wait_ms(const struct ev_loop *loop, int timeout_ms)
{
    if (loop->nheap == 0) return timeout_ms;
    uint64_t due = loop->timers[loop->heap[0]].when;
    uint64_t d = due > loop->now ? due - loop->now : 0;
    if (d > INT_MAX) d = INT_MAX;
    return timeout_ms < 0 || (uint64_t)timeout_ms > d ? (int)d : timeout_ms;
}

static int ev_events_of(uint32_t re)
{
    int got = 0;
    if (re & EPOLLIN) got |= EV_READ;
    if (re & EPOLLOUT) got |= EV_WRITE;
    if (re & (EPOLLERR | EPOLLHUP)) got |= EV_READ | EV_WRITE;
    return got;
}

int ev_run_once(struct ev_loop *loop, int timeout_ms)
{
    ev_now_update(loop);
    int n = epoll_wait(loop->epfd, loop->evs, EV_BATCH, ev_wait_ms(loop, timeout_ms));
    if (n < 0 && errno != EINTR) return EV_ERR;
    ev_now_update(loop);
    int ran = 0;
    for (int i = 0; i < n; i++) {
        uint64_t d = loop->evs[i].data.u64;
        int fd = (int)(uint32_t)d;
        /* Re-index every time: a callback may have grown (moved) the table. */
        if (fd >= loop->nfds) continue;
        struct ev_fdslot *s = &loop->fds[fd];
        if (!s->used || s->gen != (uint32_t)(d >> 32)) continue; /* deleted meanwhile */
        int got = ev_events_of(loop->evs[i].events) & s->events;
        if (!got) continue;
        s->cb(loop, fd, got, s->ctx);
        ran++;
    }
    return ran + ev_timers_run(loop);
}

int ev_run(struct ev_loop *loop)
{
    loop->stop = false;
    while (!loop->stop && (loop->nactive > 0 || loop->nheap > 0))
        if (ev_run_once(loop, -1) < 0) return EV_ERR;
    loop->stop = false;
    return EV_OK;
}

void ev_stop(struct ev_loop *loop)
{
    loop->stop = true;
}
