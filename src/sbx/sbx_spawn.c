/*
 * sbx_spawn.c - the core side: start a domain binary in fresh namespaces as
 * an unprivileged user, with only its socket on fd 3. The sequence and the
 * reasons for its order are at the top of sbx.h.
 *
 * Between clone3 and execve the child runs in a copy of the core's memory
 * that may have been cloned from a multi-threaded process: it calls only
 * plain system-call wrappers (no malloc, no stdio, no locks), and uses raw
 * syscall() for the id changes, because glibc's setresuid() would try to
 * broadcast the change to threads that do not exist in the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx/sbx_internal.h"

/* Namespaces created by clone3, owned by the core's user namespace. The
 * user and mount namespaces come later, from unshare in the child. */
#define SBX_CLONE_NS (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

/* First fd the child parks descriptors on while it rearranges 0..4. */
#define PARK_FD 10

/* The start of the kernel's struct clone_args (CLONE_ARGS_SIZE_VER0). Our
 * own copy: <linux/sched.h> does not mix well with glibc's <sched.h>. */
struct sbx_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* What the child reports through the close-on-exec pipe: STEP_READY (its
 * namespaces exist: write the id maps), or the step that failed and errno.
 * End of file on the pipe means execve succeeded. */
enum step {
    STEP_READY,
    STEP_GROUPS,
    STEP_UNSHARE,
    STEP_SYNC,
    STEP_SETGID,
    STEP_SETUID,
    STEP_PDEATHSIG,
    STEP_NNP,
    STEP_RLIMIT,
    STEP_FDS,
    STEP_SIGNALS,
    STEP_EXEC,
};
static const char *const step_names[] = {
    [STEP_READY] = "ready",
    [STEP_GROUPS] = "setgroups",
    [STEP_UNSHARE] = "unshare(CLONE_NEWUSER|CLONE_NEWNS)",
    [STEP_SYNC] = "waiting for the core",
    [STEP_SETGID] = "setresgid",
    [STEP_SETUID] = "setresuid",
    [STEP_PDEATHSIG] = "PR_SET_PDEATHSIG",
    [STEP_NNP] = "PR_SET_NO_NEW_PRIVS",
    [STEP_RLIMIT] = "setrlimit",
    [STEP_FDS] = "arranging fds",
    [STEP_SIGNALS] = "resetting signals",
    [STEP_EXEC] = "execve",
};

struct report {
    int32_t step;
    int32_t err;
};

/* Everything the child needs, prepared by the parent before clone3. */
struct child {
    const struct sbx_spec *spec;
    char *const *argv;
    char *const *envp;
    int report_w, go_r; /* our pipe ends */
    int report_r, go_w; /* the parent's ends, closed first */
    int null_fd;        /* /dev/null, for 0, 1 and (by default) 2 */
    int exe;            /* the binary, opened while the child is still root */
};

static void child_report(const struct child *c, enum step step, int err)
{
    struct report r = {.step = (int32_t)step, .err = err};
    ssize_t n;
    do
        n = write(c->report_w, &r, sizeof(r)); /* < PIPE_BUF: atomic */
    while (n < 0 && errno == EINTR);
}

__attribute__((noreturn)) static void child_die(const struct child *c, enum step step)
{
    child_report(c, step, errno);
    _exit(127);
}

/* Socket on 3, /dev/null (or stderr_fd) on 0..2, the report pipe on 4
 * (close-on-exec: execve closes it, which tells the parent), the binary on
 * 5 (close-on-exec too), nothing else.
 * Everything is first parked above PARK_FD so no dup2 overwrites a source. */
static int child_fds(struct child *c)
{
    int sock = fcntl(c->spec->fd, F_DUPFD_CLOEXEC, PARK_FD);
    int err2 =
        fcntl(c->spec->stderr_fd >= 0 ? c->spec->stderr_fd : c->null_fd, F_DUPFD_CLOEXEC, PARK_FD);
    int null = fcntl(c->null_fd, F_DUPFD_CLOEXEC, PARK_FD);
    int rep = fcntl(c->report_w, F_DUPFD_CLOEXEC, PARK_FD);
    int exe = fcntl(c->exe, F_DUPFD_CLOEXEC, PARK_FD);
    if (sock < 0 || err2 < 0 || null < 0 || rep < 0 || exe < 0) return -1;
    /* dup2 leaves the new fd without FD_CLOEXEC: these survive execve. */
    if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err2, 2) < 0 || dup2(sock, SBX_FD) < 0)
        return -1;
    if (dup3(rep, SBX_FD + 1, O_CLOEXEC) < 0 || dup3(exe, SBX_FD + 2, O_CLOEXEC) < 0) return -1;
    c->report_w = SBX_FD + 1;
    c->exe = SBX_FD + 2;
    return close_range(SBX_FD + 3, ~0u, 0);
}

/* Ignored signals and the signal mask survive execve; handlers do not, but
 * reset them all anyway so nothing of the core's signal state leaks. */
static int child_signals(void)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    for (int s = 1; s < NSIG; s++)
        sigaction(s, &dfl, NULL); /* SIGKILL, SIGSTOP, glibc's own: EINVAL, fine */
    sigset_t none;
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL);
}

__attribute__((noreturn)) static void child_main(struct child *c)
{
    close(c->report_r);
    close(c->go_w);
    /* Still root in the initial user namespace: drop the core's groups now,
     * they could not be dropped after setgroups is "deny". */
    if (syscall(SYS_setgroups, 0, NULL) < 0) child_die(c, STEP_GROUPS);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) child_die(c, STEP_UNSHARE);
    child_report(c, STEP_READY, 0);
    char go;
    ssize_t n;
    do
        n = read(c->go_r, &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) { /* the core failed or died: nothing to report to */
        errno = n < 0 ? errno : EPIPE;
        child_die(c, STEP_SYNC);
    }
    /* The binary is opened now, while the kernel uid is still root's: the
     * domain's uid may not be allowed to walk the directories above it (a
     * build or an install under a directory of mode 0700). It is executed
     * through this fd, so only its own mode matters to the domain's uid. */
    c->exe = open(c->spec->path, O_PATH | O_CLOEXEC);
    if (c->exe < 0) child_die(c, STEP_EXEC);
    /* uid/gid 0 here is spec->uid/gid outside; the kernel uid changes now. */
    if (syscall(SYS_setresgid, 0, 0, 0) < 0) child_die(c, STEP_SETGID);
    if (syscall(SYS_setresuid, 0, 0, 0) < 0) child_die(c, STEP_SETUID);
    /* After the uid change, which clears the parent-death signal. If the
     * core died before this line, its end of the go pipe is closed. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) child_die(c, STEP_PDEATHSIG);
    struct pollfd pfd = {.fd = c->go_r, .events = POLLIN};
    if (poll(&pfd, 1, 0) != 0) _exit(127);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_die(c, STEP_NNP);
    const char *what;
    if (sbx_rlimits_apply(&c->spec->limits, 0, &what) < 0) child_die(c, STEP_RLIMIT);
    if (child_fds(c) < 0) child_die(c, STEP_FDS);
    if (child_signals() < 0) child_die(c, STEP_SIGNALS);
    syscall(SYS_execveat, c->exe, "", c->argv, c->envp, AT_EMPTY_PATH);
    child_die(c, STEP_EXEC);
}

static int write_proc(pid_t pid, const char *file, const char *text, char *err, size_t cap)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return sbx_fail(err, cap, "open %s: %s", path, strerror(errno));
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len); /* the kernel takes a map in one write */
    int e = errno;
    close(fd);
    if (n != (ssize_t)len)
        return sbx_fail(err, cap, "write %s: %s", path, n < 0 ? strerror(e) : "short write");
    return 0;
}

/* setgroups must be "deny" before gid_map is written, or it cannot be. */
static int write_id_maps(const struct sbx_spec *spec, pid_t pid, char *err, size_t cap)
{
    char uid_map[32], gid_map[32];
    snprintf(uid_map, sizeof(uid_map), "0 %u 1\n", (unsigned)spec->uid);
    snprintf(gid_map, sizeof(gid_map), "0 %u 1\n", (unsigned)spec->gid);
    if (write_proc(pid, "setgroups", "deny", err, cap) < 0 ||
        write_proc(pid, "uid_map", uid_map, err, cap) < 0 ||
        write_proc(pid, "gid_map", gid_map, err, cap) < 0)
        return -1;
    return 0;
}

/* Next record from the child: 1 record, 0 end of file (execve done), -1. */
static int read_report(int fd, struct report *r)
{
    ssize_t n;
    do
        n = read(fd, r, sizeof(*r));
    while (n < 0 && errno == EINTR);
    if (n == 0) return 0;
    if (n != (ssize_t)sizeof(*r)) {
        *r = (struct report){.step = STEP_SYNC, .err = n < 0 ? errno : EPROTO};
        return -1;
    }
    return 1;
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Parent half once the child exists: maps, release, wait for execve. */
static int parent_run(const struct sbx_spec *spec, pid_t pid, int report_r, int go_w, char *err,
                      size_t cap)
{
    char why[SBX_ERR_MAX];
    struct report r;
    int got = read_report(report_r, &r);
    if (got == 1 && r.step == STEP_READY) {
        if (write_id_maps(spec, pid, why, sizeof(why)) < 0) {
            reap(pid);
            return sbx_fail(err, cap, "domain %s: %s", spec->name, why);
        }
        if (write(go_w, "g", 1) != 1) {
            reap(pid);
            return sbx_fail(err, cap, "domain %s: releasing the child: %s", spec->name,
                            strerror(errno));
        }
        got = read_report(report_r, &r);
    }
    if (got == 0) return 0;
    reap(pid);
    if (got < 0 || r.step <= STEP_READY || r.step > STEP_EXEC)
        return sbx_fail(err, cap, "domain %s: child died while starting", spec->name);
    const char *step = step_names[r.step];
    if (r.step == STEP_EXEC)
        return sbx_fail(err, cap, "domain %s: execve %s: %s", spec->name, spec->path,
                        strerror(r.err));
    return sbx_fail(err, cap, "domain %s: %s: %s", spec->name, step, strerror(r.err));
}

static int check_spec(const struct sbx_spec *spec, char *err, size_t cap)
{
    const char *name = spec->name ? spec->name : "?";
    char why[SBX_ERR_MAX];
    if (!spec->path || spec->path[0] != '/')
        return sbx_fail(err, cap, "domain %s: binary path must be absolute", name);
    if (spec->fd < 0) return sbx_fail(err, cap, "domain %s: no socket fd", name);
    if (spec->uid == 0 || spec->gid == 0)
        return sbx_fail(err, cap, "domain %s: uid/gid 0 would be root outside", name);
    if (sbx_limits_check(&spec->limits, why, sizeof(why)) < 0)
        return sbx_fail(err, cap, "domain %s: %s", name, why);
    return 0;
}

static pid_t clone_child(void)
{
    struct sbx_clone_args ca = {.flags = SBX_CLONE_NS, .exit_signal = SIGCHLD};
    /* No stack given: the child continues on a copy of ours, like fork. */
    long r = syscall(SYS_clone3, &ca, sizeof(ca));
    if (r < 0 && errno == ENOSYS) /* before Linux 5.3 */
        r = syscall(SYS_clone, SBX_CLONE_NS | SIGCHLD, NULL, NULL, NULL, NULL);
    return (pid_t)r;
}

int sbx_spawn(const struct sbx_spec *spec, pid_t *pid, char *err, size_t errcap)
{
    if (check_spec(spec, err, errcap) < 0) return -1;
    char *const default_argv[] = {(char *)spec->path, NULL};
    char *const empty_env[] = {NULL};
    int report[2], go[2];
    if (pipe2(report, O_CLOEXEC) < 0)
        return sbx_fail(err, errcap, "domain %s: pipe: %s", spec->name, strerror(errno));
    if (pipe2(go, O_CLOEXEC) < 0) {
        int e = errno;
        close(report[0]);
        close(report[1]);
        return sbx_fail(err, errcap, "domain %s: pipe: %s", spec->name, strerror(e));
    }
    struct child c = {
        .spec = spec,
        .argv = spec->argv ? spec->argv : default_argv,
        .envp = spec->envp ? spec->envp : empty_env,
        .report_w = report[1],
        .go_r = go[0],
        .report_r = report[0],
        .go_w = go[1],
        .null_fd = open("/dev/null", O_RDWR | O_CLOEXEC),
        .exe = -1,
    };
    int rc = -1;
    if (c.null_fd < 0) {
        sbx_fail(err, errcap, "domain %s: open /dev/null: %s", spec->name, strerror(errno));
        goto out;
    }
    pid_t child = clone_child();
    if (child == 0) child_main(&c);
    if (child < 0) {
        sbx_fail(err, errcap, "domain %s: clone3: %s", spec->name, strerror(errno));
        goto out;
    }
    close(report[1]);
    close(go[0]);
    report[1] = go[0] = -1;
    rc = parent_run(spec, child, report[0], go[1], err, errcap);
    if (rc == 0) *pid = child;
out:
    for (int i = 0; i < 2; i++) {
        if (report[i] >= 0) close(report[i]);
        if (go[i] >= 0) close(go[i]);
    }
    if (c.null_fd >= 0) close(c.null_fd);
    return rc;
}

void sbx_spec_init(struct sbx_spec *spec, const char *name, const char *path, int fd)
{
    *spec = (struct sbx_spec){
        .name = name,
        .path = path,
        .fd = fd,
        .stderr_fd = -1,
        .uid = SBX_NOBODY,
        .gid = SBX_NOBODY,
    };
    sbx_limits_default(&spec->limits);
}
