/*
 * vlua_watch.c - the watchdog that lets Lua calls run without a count hook.
 * Lua 5.4 calls out of its interpreter loop before every VM instruction while
 * a count hook is set, which cost ~13% of the controller's throughput. So a
 * call starts unhooked, and a CPU-time timer of the calling thread looks
 * every VLUA_WATCH_MS at which call is running: a call it finds running at
 * two ticks in a row (at least one period of CPU time) gets its count hook
 * armed from the signal handler (lua_sethook is safe there: lua.c's own
 * Ctrl-C handling does the same), and the budget is enforced from then on.
 *
 * No system call is made per call: the bookkeeping is three stores to
 * variables the handler reads. One thread per process is watched (the
 * domain has only one); calls in any other thread run hooked from their
 * first instruction, as every call did before the watchdog.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lua/vlua.h"
#include "lua/vlua_internal.h"

/* glibc 2.36 has the field but not the name POSIX-style code uses. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* Written by the watched thread between Lua calls, read by the handler that
 * interrupts that same thread: lock-free atomics, relaxed (plain moves on
 * x86-64), ordered against the handler by signal fences. */
static _Atomic(struct vlua *) watch_cur; /* innermost state in a call, NULL between calls */
static atomic_ulong watch_gen;           /* +1 when an outermost call starts */
static atomic_ulong watch_ticks, watch_arms;
static unsigned long watch_seen; /* watch_gen at the previous tick (handler only) */
static int watch_depth;          /* vlua calls nested in the watched thread */
static bool watch_started;
static _Thread_local bool watch_here; /* this thread is the watched one */

static void watch_tick(int sig)
{
    (void)sig;
    int saved = errno;
    struct vlua *v = atomic_load_explicit(&watch_cur, memory_order_relaxed);
    unsigned long g = atomic_load_explicit(&watch_gen, memory_order_relaxed);
    atomic_fetch_add_explicit(&watch_ticks, 1, memory_order_relaxed);
    /* Same outermost call as at the previous tick: it has run at least one
     * period. A call that ended and another that started since carry a new
     * generation. */
    if (v && g == watch_seen && vlua_arm(v))
        atomic_fetch_add_explicit(&watch_arms, 1, memory_order_relaxed);
    watch_seen = g;
    errno = saved;
}

/* A forked child has no timer (POSIX timers are not inherited): its calls
 * must run hooked from the start. */
static void watch_forget(void)
{
    watch_here = false;
    watch_started = false;
    watch_depth = 0;
    atomic_store_explicit(&watch_cur, NULL, memory_order_relaxed);
}

int vlua_watch_start(char *err, size_t errcap)
{
    if (watch_here) return 0;
    if (watch_started) {
        snprintf(err, errcap, "vlua watchdog: another thread of this process is watched");
        return -1;
    }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watch_tick;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* reads and writes resume; epoll_wait returns EINTR */
    if (sigaction(SIGPROF, &sa, &old) != 0) {
        snprintf(err, errcap, "vlua watchdog: sigaction(SIGPROF): %s", strerror(errno));
        return -1;
    }
    sigset_t prof;
    sigemptyset(&prof);
    sigaddset(&prof, SIGPROF);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGPROF;
    sev.sigev_notify_thread_id = gettid();
    timer_t t;
    const long ns = VLUA_WATCH_MS * 1000000L;
    struct itimerspec its = {{0, ns}, {0, ns}};
    const char *step = "pthread_sigmask";
    int rc = pthread_sigmask(SIG_UNBLOCK, &prof, NULL); /* a blocked tick would never come */
    if (rc == 0) {
        step = "timer_create(CLOCK_THREAD_CPUTIME_ID)";
        rc = timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &t) == 0 ? 0 : errno;
    }
    if (rc == 0) {
        step = "timer_settime";
        rc = timer_settime(t, 0, &its, NULL) == 0 ? 0 : errno;
        if (rc == 0) rc = pthread_atfork(NULL, NULL, watch_forget);
        if (rc != 0) timer_delete(t);
    }
    if (rc != 0) {
        sigaction(SIGPROF, &old, NULL);
        snprintf(err, errcap, "vlua watchdog: %s: %s", step, strerror(rc));
        return -1;
    }
    watch_started = true;
    watch_here = true;
    return 0;
}

void vlua_watch_counts(uint64_t *ticks, uint64_t *arms)
{
    *ticks = atomic_load_explicit(&watch_ticks, memory_order_relaxed);
    *arms = atomic_load_explicit(&watch_arms, memory_order_relaxed);
}

bool vlua_watch_here(void)
{
    return watch_here;
}

struct vlua *vlua_watch_enter(struct vlua *v)
{
    struct vlua *prev = atomic_load_explicit(&watch_cur, memory_order_relaxed);
    if (watch_depth++ == 0)
        atomic_store_explicit(&watch_gen,
                              atomic_load_explicit(&watch_gen, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst); /* the new generation before the state */
    atomic_store_explicit(&watch_cur, v, memory_order_relaxed);
    return prev;
}

void vlua_watch_leave(struct vlua *prev)
{
    atomic_store_explicit(&watch_cur, prev, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst); /* before the caller disarms */
    watch_depth--;
}
