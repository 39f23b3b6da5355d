/*
 * sbx_filter.c - the seccomp allow-list of a protection domain, as a table.
 *
 * Default action: kill the whole process (SIGSYS). The same for a system
 * call made through another ABI than the native one (int $0x80 on x86_64):
 * the table names native numbers only. A row may compare arguments; several
 * rows for one call are alternatives. A row with a group is only added when
 * the domain kind asked for that SBX_EXTRA_* group.
 *
 * What the domain does legitimately: wait on epoll, read and write the fds
 * it holds (its socket to the core on fd 3 and what the core passed it with
 * SCM_RIGHTS), allocate memory, read clocks, exit. What it must not do
 * includes everything that names a path, creates an fd from nothing
 * (socket, open, pipe, memfd), creates a process or thread, signals or
 * traces another process, changes its limits, ids, namespaces or mounts,
 * maps executable memory, or reaches large kernel attack surface (bpf,
 * io_uring, perf, userfaultfd, keyctl, ioctl).
 *
 * Decisions worth naming:
 *  - no threads: clone/clone3 are absent (and RLIMIT_NPROC is 0); a domain is
 *    one event loop. pthread_create dies at glibc's first rt_sigaction.
 *  - no kill/tkill/tgkill, not even towards itself. abort() therefore dies
 *    by SIGSYS at its tgkill, which ends the domain just as well; and as
 *    pid 1 of its namespace the kernel would drop a self-sent signal whose
 *    action is the default anyway, so allowing it would buy nothing.
 *  - no rt_sigaction: a domain installs any handler before sbx_enter.
 *  - personality is denied: READ_IMPLIES_EXEC would add PROT_EXEC inside
 *    the kernel, after this filter checked prot.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "sbx/sbx_internal.h"

struct rule {
    int nr;         /* native system-call number (SCMP_SYS) */
    unsigned group; /* 0: always; else an SBX_EXTRA_* flag */
    unsigned argc;  /* number of comparisons in arg, all must hold */
    struct scmp_arg_cmp arg[2];
};

/* argument i, compared with cmp against a (and b for SCMP_CMP_MASKED_EQ:
 * (arg & a) == b) */
/* clang-format off */
#define ARG(i, cmp, a, b) {.arg = (i), .op = (cmp), .datum_a = (a), .datum_b = (b)}
#define ALLOW(name)                    {SCMP_SYS(name), 0, 0, {{0}}}
#define ALLOW_IF(name, c)              {SCMP_SYS(name), 0, 1, {c}}
#define EXTRA(group, name)             {SCMP_SYS(name), (group), 0, {{0}}}
#define EXTRA_IF2(group, name, c1, c2) {SCMP_SYS(name), (group), 2, {c1, c2}}
/* clang-format on */

/* Argument 2 of mmap and mprotect is prot: no PROT_EXEC, so no memory ever
 * becomes executable after the loader mapped the libraries (W^X). */
#define NO_EXEC ARG(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)

static const struct rule rules[] = {
    /* Data on the fds the domain holds: its socket (fd 3) and passed fds. */
    ALLOW(read),
    ALLOW(write),
    ALLOW(readv),
    ALLOW(writev),
    /* The message interface: fixed-layout messages, fds by SCM_RIGHTS. */
    ALLOW(recvmsg),
    ALLOW(sendmsg),
    /* glibc's recv() and send() are these on x86_64. sendto only without a
     * destination (argument 4 NULL): with one, an unconnected datagram
     * socket could reach any address. */
    ALLOW(recvfrom),
    ALLOW_IF(sendto, ARG(4, SCMP_CMP_EQ, 0, 0)),
    /* Giving fds back; half-closing a connection. */
    ALLOW(close),
    ALLOW(shutdown),
    /* SO_ERROR after a non-blocking connect the core started, SO_TYPE:
     * reads only, setsockopt is not allowed. */
    ALLOW(getsockopt),
    /* The event loop (lib/ev) and single-fd waits in libraries. */
    ALLOW(epoll_create1),
    ALLOW(epoll_ctl),
    ALLOW(epoll_wait),
    ALLOW(epoll_pwait),
    ALLOW(poll),
    ALLOW(ppoll),
    /* Clocks: usually answered by the vDSO without a system call; these
     * are the fallback and the only way to CPU-time clocks (clock()). */
    ALLOW(clock_gettime),
    ALLOW(clock_getres),
    ALLOW(gettimeofday),
    /* Back-off sleeps. */
    ALLOW(nanosleep),
    ALLOW(clock_nanosleep),
    /* After SIGSTOP/SIGCONT (the core may pause a domain) the kernel
     * resumes an interrupted sleep or poll through this call. */
    ALLOW(restart_syscall),
    /* The allocator (malloc, the Lua allocator): heap, anonymous mappings,
     * returning memory. Never executable (NO_EXEC); mremap and madvise
     * cannot add PROT_EXEC. */
    ALLOW(brk),
    ALLOW_IF(mmap, NO_EXEC),
    ALLOW_IF(mprotect, NO_EXEC),
    ALLOW(munmap),
    ALLOW(mremap),
    ALLOW(madvise),
    /* glibc's internal locks (stdio, malloc) wait and wake through futex
     * when contended. No other process shares memory with the domain. */
    ALLOW(futex),
    /* Return from a signal handler; glibc masks signals around some of its
     * own work. Installing handlers (rt_sigaction) is done before
     * sbx_enter if a domain needs one. */
    ALLOW(rt_sigreturn),
    ALLOW(rt_sigprocmask),
    /* Ids for log lines (in its namespace the domain is pid 1). */
    ALLOW(getpid),
    ALLOW(gettid),
    /* Hash seeds, request ids and nonces. */
    ALLOW(getrandom),
    ALLOW(exit),
    ALLOW(exit_group),
    /* O_NONBLOCK and FD_CLOEXEC on received fds; no F_DUPFD (new fds),
     * F_SETOWN/F_SETSIG (signals to others), locks or pipe sizes. */
    ALLOW_IF(fcntl, ARG(1, SCMP_CMP_EQ, F_GETFL, 0)),
    ALLOW_IF(fcntl, ARG(1, SCMP_CMP_EQ, F_SETFL, 0)),
    ALLOW_IF(fcntl, ARG(1, SCMP_CMP_EQ, F_GETFD, 0)),
    ALLOW_IF(fcntl, ARG(1, SCMP_CMP_EQ, F_SETFD, 0)),
    /* stdio fstat()s a stream's fd on first use to choose its buffering;
     * glibc 2.33+ does it as newfstatat(fd, "", AT_EMPTY_PATH). The filter
     * cannot read the path argument; with an empty root there is nothing
     * to find by path anyway. */
    ALLOW(fstat),
    ALLOW_IF(newfstatat, ARG(3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH)),
    /* ... and when that fd is a character device (/dev/null on 0..2) it
     * asks isatty(), which is ioctl(TCGETS): read-only, ENOTTY for all the
     * domain holds. No other ioctl (TIOCSTI pushes input into a terminal). */
    ALLOW_IF(ioctl, ARG(1, SCMP_CMP_EQ, TCGETS, 0)),
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer builds only: __asan_handle_no_return, run on every
     * longjmp (every Lua error) and at exit, asks sigaltstack whether it is
     * on the alternate signal stack. It concerns the caller's own thread
     * and nothing else; a normal build never calls it. */
    ALLOW(sigaltstack),
#endif

    /* SBX_EXTRA_ACCEPT: a domain that serves clients on listening sockets
     * the core created for it (lib/sock: sock_accept = accept4, then
     * TCP_NODELAY on the new connection). */
    EXTRA(SBX_EXTRA_ACCEPT, accept4),
    EXTRA_IF2(SBX_EXTRA_ACCEPT, setsockopt, ARG(1, SCMP_CMP_EQ, IPPROTO_TCP, 0),
              ARG(2, SCMP_CMP_EQ, TCP_NODELAY, 0)),
};

int sbx_filter_load(unsigned extra, char *err, size_t cap)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) return sbx_fail(err, cap, "seccomp_init failed");
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    /* Apply to every thread, should a domain have started one by mistake
     * before sbx_enter (the load fails if that is impossible). */
    if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc < 0) {
        seccomp_release(ctx);
        return sbx_fail(err, cap, "seccomp attributes: %s", strerror(-rc));
    }
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const struct rule *r = &rules[i];
        if (r->group && !(extra & r->group)) continue;
        rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r->nr, r->argc, r->arg);
        if (rc == -EDOM) /* no such call on this architecture */
            continue;
        if (rc < 0) {
            char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r->nr);
            sbx_fail(err, cap, "seccomp rule for %s: %s", name ? name : "?", strerror(-rc));
            free(name);
            seccomp_release(ctx);
            return -1;
        }
    }
    rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) return sbx_fail(err, cap, "seccomp_load: %s", strerror(-rc));
    return 0;
}
