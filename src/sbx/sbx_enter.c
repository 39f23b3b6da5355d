/*
 * sbx_enter.c - the domain side: what a freshly exec'd domain does to itself
 * before it reads any untrusted input. Empty read-only root, limits, no
 * capabilities, no new privileges, not dumpable, then the seccomp filter.
 *
 * The order matters: the filesystem steps need the capabilities the domain
 * has in its own user namespace (it is uid 0 there), the bounding set and
 * securebits need CAP_SETPCAP, so capabilities go after them; seccomp is last
 * because it forbids every call made before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sbx/sbx_internal.h"

/* The new root: empty, read-only from the moment it is mounted (nothing is
 * ever written to it: pivot_root(".", ".") needs no directory for the old
 * root), no devices, no set-uid, no exec. 64 KiB bounds what a bug could
 * store there if it were ever made writable. */
#define ROOT_FS_SIZE "64k"
#define ROOT_ATTRS   (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int fs_step_failed(char *err, size_t cap, const char *step)
{
    return sbx_fail(err, cap, "%s: %s", step, strerror(errno));
}

/* Build the tmpfs with the mount API (fsopen/fsmount): it needs no existing
 * directory to mount on, so nothing is assumed about the host's tree. It
 * is stacked on "/", entered through its fd, and pivot_root(".", ".")
 * makes it the root with the old root stacked on top of it, which
 * umount2(MNT_DETACH) then removes from this namespace. */
static int enter_fs(char *err, size_t cap)
{
    /* Nothing we (un)mount may propagate back to the core's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return fs_step_failed(err, cap, "making mounts private");
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) return fs_step_failed(err, cap, "fsopen tmpfs");
    int mnt = -1, rc = -1;
    if (fsconfig(fs, FSCONFIG_SET_STRING, "size", ROOT_FS_SIZE, 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        fs_step_failed(err, cap, "configuring tmpfs");
        goto out;
    }
    mnt = fsmount(fs, FSMOUNT_CLOEXEC, ROOT_ATTRS);
    if (mnt < 0) {
        fs_step_failed(err, cap, "fsmount");
        goto out;
    }
    if (move_mount(mnt, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        fs_step_failed(err, cap, "move_mount onto /");
        goto out;
    }
    if (fchdir(mnt) < 0) {
        fs_step_failed(err, cap, "entering the new root");
        goto out;
    }
    if (syscall(SYS_pivot_root, ".", ".") < 0) {
        fs_step_failed(err, cap, "pivot_root");
        goto out;
    }
    if (umount2(".", MNT_DETACH) < 0) {
        fs_step_failed(err, cap, "detaching the old root");
        goto out;
    }
    if (chdir("/") < 0) {
        fs_step_failed(err, cap, "chdir /");
        goto out;
    }
    rc = 0;
out:
    if (mnt >= 0) close(mnt);
    close(fs);
    return rc;
}

/* Uid 0 in its namespace gives the domain every capability over what that
 * namespace owns (its mount namespace). Remove them for good:
 *  - securebits, locked: exec as uid 0 grants nothing (NOROOT), uid changes
 *    do not touch capabilities (NO_SETUID_FIXUP), no ambient raise; KEEP_CAPS
 *    locked off;
 *  - ambient set cleared, bounding set emptied (needs CAP_SETPCAP, so before
 *    capset), then permitted/effective/inheritable set to nothing. */
static int drop_caps(char *err, size_t cap)
{
    const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                               SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                               SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
        return sbx_fail(err, cap, "PR_SET_SECUREBITS: %s", strerror(errno));
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return sbx_fail(err, cap, "clearing ambient capabilities: %s", strerror(errno));
    /* Every capability the running kernel knows: it answers EINVAL past
     * the last one, whatever our headers' CAP_LAST_CAP says. */
    for (unsigned long c = 0; c < 64; c++) {
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0) continue;
        if (errno == EINVAL && c > 0) break;
        return sbx_fail(err, cap, "PR_CAPBSET_DROP %lu: %s", c, strerror(errno));
    }
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) < 0)
        return sbx_fail(err, cap, "capset: %s", strerror(errno));
    return 0;
}

int sbx_enter(const struct sbx_limits *lim, char *err, size_t errcap)
{
    struct sbx_limits def;
    if (!lim) {
        sbx_limits_default(&def);
        lim = &def;
    }
    if (sbx_limits_check(lim, err, errcap) < 0) return -1;
    if (enter_fs(err, errcap) < 0) return -1;
    const char *what;
    if (sbx_rlimits_apply(lim, 1, &what) < 0)
        return sbx_fail(err, errcap, "setrlimit %s: %s", what, strerror(errno));
    if (drop_caps(err, errcap) < 0) return -1;
    /* The filter needs NO_NEW_PRIVS without CAP_SYS_ADMIN anyway; set it
     * ourselves so it holds even in the test mode without a filter. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return sbx_fail(err, errcap, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    /* Not dumpable: no core file, no ptrace or /proc/PID/mem access by
     * processes of the same outside uid (other domains run as nobody too),
     * /proc/PID files owned by root. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return sbx_fail(err, errcap, "PR_SET_DUMPABLE: %s", strerror(errno));
    if (lim->extra & SBX_TEST_NO_FILTER) return 0;
    return sbx_filter_load(lim->extra, err, errcap);
}
