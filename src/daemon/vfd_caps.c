/*
 * vfd_caps.c - the core's privileges after start-up. The core starts as root
 * because it binds the listeners, creates the control socket, raises its own
 * file limit and opens the monitor below the guests (loading the eBPF
 * programs, attaching the configured ports with tc: CAP_BPF, CAP_NET_ADMIN,
 * CAP_SYS_ADMIN for bpffs); once that is done (and before the first domain
 * runs) it keeps only what starting a domain needs, for as long as it runs:
 *
 *   CAP_SYS_ADMIN  clone3 with new PID, network, IPC, UTS and cgroup
 *                  namespaces (sbx_spawn: they belong to the core's user
 *                  namespace, so the domain holds no capability over them)
 *   CAP_SETUID     writing the child's uid_map "0 65534 1" (a uid that is not
 *                  the core's own needs CAP_SETUID in the parent namespace)
 *   CAP_SETGID     the child's setgroups(0) before its user namespace exists,
 *                  and its gid_map
 *   CAP_KILL       SIGKILL to a domain: it runs as nobody, not as the core
 *
 * The monitor needs none of them after start: adding, deleting and listing
 * rules, reading counters and drop events are operations on map and ring
 * descriptors the core already holds (the kernel checks capabilities when a
 * program is loaded or a map is created or opened, not on each update
 * through an fd), and its configuration flags live in a map mmap-ed at open.
 * Ports are attached only at start, from the configuration; a port added
 * later needs a restart of the core (tc needs CAP_NET_ADMIN, which is gone).
 *
 * Gone for good: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (the core reads
 * and writes its files as their owner, root), CAP_NET_BIND_SERVICE (held
 * listeners were bound before; a domain cannot get a port below 1024 later),
 * CAP_NET_ADMIN (msg_sock_setup falls back to SO_SNDBUF within wmem_max),
 * CAP_SYS_RESOURCE (the file limit is raised before), CAP_SYS_PTRACE, and
 * every other. The bounding set is cut to the four, so nothing the core
 * might exec regains more; securebits make exec as root grant nothing at
 * all (they are reset in a domain's new user namespace, so sbx_enter still
 * has its in-namespace capabilities); NO_NEW_PRIVS is set as well.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/vfd.h"

static const int keep[] = {CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID, CAP_KILL};

static int kept(unsigned long c)
{
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        if ((unsigned long)keep[i] == c) return 1;
    return 0;
}

int vfd_caps_drop(struct log *log, char *err, size_t errcap)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) != 0) {
        snprintf(err, errcap, "capget: %s", strerror(errno));
        return -1;
    }
    /* Not root (tests of configuration errors, --check by a user): there is
     * nothing to drop, and sbx_spawn will say what is missing. */
    if (!(data[0].effective & (1u << CAP_SETPCAP))) {
        log_warn(log, "core", "running without CAP_SETPCAP: capabilities left as they are");
        return 0;
    }
    const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                               SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0 ||
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
        snprintf(err, errcap, "securebits: %s", strerror(errno));
        return -1;
    }
    /* The bounding set needs CAP_SETPCAP, which goes with the capset below. */
    for (unsigned long c = 0; c < 64; c++) {
        if (kept(c)) continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0) continue;
        if (errno == EINVAL && c > 0) break; /* past the kernel's last capability */
        snprintf(err, errcap, "PR_CAPBSET_DROP %lu: %s", c, strerror(errno));
        return -1;
    }
    uint32_t want[2] = {0, 0};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        want[keep[i] / 32] |= 1u << (keep[i] % 32);
    for (int i = 0; i < 2; i++) {
        data[i].effective = data[i].permitted = want[i];
        data[i].inheritable = 0;
    }
    if (syscall(SYS_capset, &hdr, data) != 0) {
        snprintf(err, errcap, "capset: %s", strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errcap, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
        return -1;
    }
    log_info(log, "core",
             "capabilities dropped; kept CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID, "
             "CAP_KILL (to start and stop domains)");
    return 0;
}

/* The core holds a copy of every socket it brokers (max_socks per domain)
 * plus its listeners and clients; a domain's own RLIMIT_NOFILE can only be
 * as high as the core's hard limit, which it inherits. */
void vfd_raise_nofile(const struct vfd_config *cfg, struct log *log)
{
    rlim_t need = 256, dom_max = 0;
    for (size_t i = 0; i < cfg->n_domains; i++) {
        need += cfg->domains[i].max_socks + BRK_HELD_MAX;
        if (cfg->domains[i].limits.nofile > dom_max) dom_max = cfg->domains[i].limits.nofile;
    }
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
    rlim_t hard = r.rlim_max;
    if (hard != RLIM_INFINITY && (hard < need || hard < dom_max))
        hard = need > dom_max ? need : dom_max;
    struct rlimit want = {.rlim_cur = need > r.rlim_cur ? need : r.rlim_cur, .rlim_max = hard};
    if (want.rlim_cur > hard) want.rlim_cur = hard;
    if (setrlimit(RLIMIT_NOFILE, &want) != 0)
        log_warn(log, "core", "cannot raise the open-file limit to %llu (hard %llu): %s",
                 (unsigned long long)want.rlim_cur, (unsigned long long)hard, strerror(errno));
}
