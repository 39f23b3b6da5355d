/*
 * sbx_limits.c - resource limits of a domain: defaults, sanity checks, and
 * applying them (by the core's child before execve, by the domain itself in
 * sbx_enter). The reasons for each value are on struct sbx_limits in sbx.h.
 */
#include <errno.h>
#include <sys/resource.h>

#include "sbx/sbx_internal.h"

void sbx_limits_default(struct sbx_limits *lim)
{
    *lim = (struct sbx_limits){
        .as_bytes = 256u << 20,
        .nofile = 256,
        .cpu_seconds = SBX_UNLIMITED,
        .fsize_bytes = 0,
        .extra = 0,
    };
}

int sbx_limits_check(const struct sbx_limits *lim, char *err, size_t cap)
{
    if (lim->as_bytes < SBX_MIN_AS_BYTES)
        return sbx_fail(err, cap, "address-space limit %llu below %u bytes",
                        (unsigned long long)lim->as_bytes, SBX_MIN_AS_BYTES);
    if (lim->nofile < SBX_MIN_NOFILE)
        return sbx_fail(err, cap, "open-file limit %llu below %u", (unsigned long long)lim->nofile,
                        SBX_MIN_NOFILE);
    /* RLIMIT_CPU 0 would kill at once: spell "none" as SBX_UNLIMITED. */
    if (lim->cpu_seconds == 0)
        return sbx_fail(err, cap, "CPU limit 0 s (use SBX_UNLIMITED for none)");
    return 0;
}

static rlim_t to_rlim(uint64_t v)
{
    return v == SBX_UNLIMITED ? RLIM_INFINITY : (rlim_t)v;
}

/* Set soft = hard = min(v, current hard). Lowering a hard limit needs no
 * privilege; the min keeps a stricter limit the core set. */
static int set_one(int resource, rlim_t v)
{
    struct rlimit cur;
    if (getrlimit(resource, &cur) < 0) return -1;
    if (cur.rlim_max != RLIM_INFINITY && (v == RLIM_INFINITY || v > cur.rlim_max)) v = cur.rlim_max;
    struct rlimit r = {.rlim_cur = v, .rlim_max = v};
    return setrlimit(resource, &r);
}

/* The zero limits marked domain_only wait for sbx_enter: RLIMIT_NPROC 0 set
 * before the child's uid change would make the kernel refuse its execve
 * (PF_NPROC_EXCEEDED). */
int sbx_rlimits_apply(const struct sbx_limits *lim, int domain_side, const char **what)
{
    const struct {
        int resource;
        const char *name;
        rlim_t value;
        int domain_only;
    } t[] = {
        /* skipped below under ASan, see sbx_internal.h */
        {RLIMIT_AS, "RLIMIT_AS", to_rlim(lim->as_bytes), 0},
        {RLIMIT_NOFILE, "RLIMIT_NOFILE", to_rlim(lim->nofile), 0},
        {RLIMIT_CPU, "RLIMIT_CPU", to_rlim(lim->cpu_seconds), 0},
        {RLIMIT_FSIZE, "RLIMIT_FSIZE", to_rlim(lim->fsize_bytes), 0},
        {RLIMIT_CORE, "RLIMIT_CORE", 0, 0},
        {RLIMIT_NPROC, "RLIMIT_NPROC", 0, 1},
        {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 0, 1},
        {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 0, 1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i].domain_only && !domain_side) continue;
        if (SBX_ASAN && t[i].resource == RLIMIT_AS) continue;
        if (set_one(t[i].resource, t[i].value) < 0) {
            *what = t[i].name;
            return -1;
        }
    }
    return 0;
}
