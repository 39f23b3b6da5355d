/*
 * sbx_status.c - words for what happened: error messages and one-line
 * descriptions of how a domain ended, for the core's log and its restart
 * decisions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "sbx/sbx_internal.h"

int sbx_fail(char *err, size_t cap, const char *fmt, ...)
{
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Why the sandbox itself would send a signal; NULL for the others. */
static const char *signal_reason(int sig)
{
    switch (sig) {
    case SIGSYS:
        return "seccomp: forbidden system call";
    case SIGXCPU:
        return "CPU time limit";
    case SIGXFSZ:
        return "file size limit";
    default:
        return NULL;
    }
}

const char *sbx_describe_exit(int wstatus, char *buf, size_t cap)
{
    if (!cap) return buf;
    if (WIFEXITED(wstatus)) {
        snprintf(buf, cap, "exited %d", WEXITSTATUS(wstatus));
    } else if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        const char *abbrev = sigabbrev_np(sig);
        const char *why = signal_reason(sig);
        char name[16];
        if (abbrev)
            snprintf(name, sizeof(name), "SIG%s", abbrev);
        else
            snprintf(name, sizeof(name), "signal %d", sig);
        const char *core = WCOREDUMP(wstatus) ? "core dumped" : NULL;
        if (why && core)
            snprintf(buf, cap, "killed by %s (%s, %s)", name, why, core);
        else if (why || core)
            snprintf(buf, cap, "killed by %s (%s)", name, why ? why : core);
        else
            snprintf(buf, cap, "killed by %s", name);
    } else if (WIFSTOPPED(wstatus)) {
        snprintf(buf, cap, "stopped by signal %d", WSTOPSIG(wstatus));
    } else {
        snprintf(buf, cap, "unknown wait status 0x%x", (unsigned)wstatus);
    }
    return buf;
}

/* The kernel SIGKILLs at the hard RLIMIT_CPU when its tick-sampled CPU
 * clock reaches the limit; that clock and the rusage wait4 reports differ:
 * on a VM under load the rusage reads up to a quarter less (measured:
 * 0.73 s for a 1 s limit). So a SIGKILL after at least half the limit is
 * attributed to it. The core knows the SIGKILLs it sent itself; other
 * senders (the OOM killer, an administrator) are rare for a domain under
 * RLIMIT_AS. */
const char *sbx_describe_exit_usage(int wstatus, const struct rusage *ru, uint64_t cpu_seconds,
                                    char *buf, size_t cap)
{
    if (ru && cpu_seconds != SBX_UNLIMITED && WIFSIGNALED(wstatus) &&
        WTERMSIG(wstatus) == SIGKILL && cap) {
        uint64_t us = (uint64_t)ru->ru_utime.tv_sec * 1000000u + (uint64_t)ru->ru_utime.tv_usec +
                      (uint64_t)ru->ru_stime.tv_sec * 1000000u + (uint64_t)ru->ru_stime.tv_usec;
        if (us >= cpu_seconds * 500000u) {
            snprintf(buf, cap, "killed by SIGKILL (CPU time limit of %llu s reached)",
                     (unsigned long long)cpu_seconds);
            return buf;
        }
    }
    return sbx_describe_exit(wstatus, buf, cap);
}
