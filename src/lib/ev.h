/*
 * ev.h - a single-threaded epoll event loop: fd readiness callbacks and timers.
 *
 * Everything hangs off a struct ev_loop; there is no global state, so several
 * loops can live in one process (tests, several engines). Only epoll_* and
 * clock_gettime are called while running, which suits a seccomp sandbox.
 *
 * Returns: EV_OK (0) on success, EV_ERR (-1) on failure with errno set, unless
 * a function says otherwise. Callbacks may add, modify and delete any fd or
 * timer, including their own; they must not free the loop.
 */
#ifndef VF_LIB_EV_H
#define VF_LIB_EV_H

#include <stdint.h>

#define EV_OK  0
#define EV_ERR (-1)

/* Interest and readiness bits. An error or hang-up on the fd is reported as
 * both bits (masked by the interest set): the handler's read or write then
 * returns the actual condition. */
#define EV_READ  1
#define EV_WRITE 2

/* Largest fd the table accepts; a guard against absurd allocations. */
#define EV_FD_MAX (1 << 24)

struct ev_loop;

typedef void ev_fd_cb(struct ev_loop *loop, int fd, int events, void *ctx);
/* id is the value ev_timer_add returned; cancelling it from here is allowed. */
typedef void ev_timer_cb(struct ev_loop *loop, uint64_t id, void *ctx);
/* Monotonic milliseconds; see ev_loop_set_clock. */
typedef uint64_t ev_clock_fn(void *ctx);

/* NULL on failure (errno set). */
struct ev_loop *ev_loop_new(void);
void ev_loop_free(struct ev_loop *loop);

/* Replace CLOCK_MONOTONIC by fn(ctx) (NULL restores the real clock), for
 * deterministic tests. The cached time is refreshed at once. epoll_wait still
 * sleeps in real time, so tests with a fake clock call ev_run_once(loop, 0). */
void ev_loop_set_clock(struct ev_loop *loop, ev_clock_fn *fn, void *ctx);

/* Register fd (not yet registered) with an interest mask (may be 0).
 * EEXIST if already registered, EINVAL for a bad fd or NULL cb. */
int ev_fd_add(struct ev_loop *loop, int fd, int events, ev_fd_cb *cb, void *ctx);
/* Change the interest mask of a registered fd (ENOENT otherwise). */
int ev_fd_mod(struct ev_loop *loop, int fd, int events);
/* Forget fd. Pending events of this batch for it are dropped, even if the fd
 * number is registered again before they would have been delivered. Call it
 * BEFORE close(fd). Deleting an unregistered fd is EV_ERR with ENOENT. */
int ev_fd_del(struct ev_loop *loop, int fd);
/* The interest mask of fd, or -1 if not registered. */
int ev_fd_events(const struct ev_loop *loop, int fd);

/* Fire cb after after_ms, then every repeat_ms if repeat_ms > 0. Returns a
 * nonzero id, or 0 on allocation failure. Ids are never reused in practice
 * (a 32-bit generation per slot), so a stale id cannot cancel another timer.
 * Timers due at the same time fire in the order they were added. */
uint64_t ev_timer_add(struct ev_loop *loop, uint64_t after_ms, uint64_t repeat_ms, ev_timer_cb *cb,
                      void *ctx);
/* EV_OK if id was pending (or running, which stops its repetition);
 * EV_ERR with ENOENT if it already fired or was cancelled. */
int ev_timer_cancel(struct ev_loop *loop, uint64_t id);
/* Number of pending timers. */
unsigned ev_timer_count(const struct ev_loop *loop);

/* Time of the current iteration, cached (refreshed after each wait). */
uint64_t ev_now_ms(const struct ev_loop *loop);
/* Re-read the clock now (for long callbacks that need a fresh time). */
uint64_t ev_now_update(struct ev_loop *loop);

/* One iteration: wait up to timeout_ms (-1: until an event or the next timer,
 * 0: poll) then run the ready fd callbacks and the due timers. Returns the
 * number of callbacks run, or EV_ERR if epoll_wait failed (EINTR counts as 0). */
int ev_run_once(struct ev_loop *loop, int timeout_ms);
/* Iterate until ev_stop, or until no fd and no timer is left. EV_OK/EV_ERR. */
int ev_run(struct ev_loop *loop);
/* Make ev_run return after the current iteration. */
void ev_stop(struct ev_loop *loop);

#endif
