/*
 * sbx_probe_run.h - test_sbx.c's harness: start tests/tools/sbx_probe through
 * sbx_spawn on a SOCK_SEQPACKET socketpair, collect its reports and its wait
 * status, and look at it from outside through /proc while it runs.
 */
#ifndef VF_TEST_SBX_PROBE_RUN_H
#define VF_TEST_SBX_PROBE_RUN_H

#include <dirent.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "sbx/sbx.h"

#if defined(__SANITIZE_ADDRESS__)
#define PROBE_ASAN 1
#else
#define PROBE_ASAN 0
#endif

/* Limits the "core" gives every probe. */
#define PROBE_AS_MIB  64
#define PROBE_NOFILE  32
#define PROBE_CPU_S   1
#define PROBE_MSGS    4
#define PROBE_WAIT_MS 15000

static const char *probe_skip; /* why the sandbox cases cannot run here */
static char probe_path[PATH_MAX];

#define PROBE_NEED_SANDBOX()                                                                       \
    do {                                                                                           \
        if (probe_skip) {                                                                          \
            print_message("skipped: %s\n", probe_skip);                                            \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static int probe_group_setup(void **state)
{
    (void)state;
    const char *b = getenv("VF_BUILD");
    char rel[PATH_MAX];
    snprintf(rel, sizeof(rel), "%s/tools/sbx_probe", b && *b ? b : "build");
    /* sbx_spawn wants an absolute path */
    if (!realpath(rel, probe_path)) snprintf(probe_path, sizeof(probe_path), "%s", rel);
    if (geteuid() != 0) {
        probe_skip = "needs root (id maps of a new user namespace, clone3 with namespaces)";
        return 0;
    }
    pid_t p = fork();
    if (p == 0) _exit(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : 1);
    int st = -1;
    if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        probe_skip = "user namespaces unavailable (unshare(CLONE_NEWUSER) failed)";
    else if (probe_path[0] != '/' || access(probe_path, X_OK) != 0)
        probe_skip = "sbx_probe not built ($VF_BUILD/tools/sbx_probe)";
    return 0;
}

struct probe_run {
    pid_t pid;
    int sock; /* the core's end of the socketpair */
    int wstatus;
    struct rusage ru;
    char msg[PROBE_MSGS][256];
    int nmsg;
};

static int probe_start(struct probe_run *r, const char *attempt, const char *mode, pid_t core,
                       const struct sbx_limits *lim)
{
    memset(r, 0, sizeof(*r));
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    char core_s[16];
    snprintf(core_s, sizeof(core_s), "%d", (int)core);
    char *const argv[] = {"sbx_probe", (char *)attempt, core_s, (char *)mode, NULL};
    struct sbx_spec spec;
    sbx_spec_init(&spec, "probe", probe_path, sv[1]);
    spec.argv = argv;
    spec.stderr_fd = STDERR_FILENO;
    if (lim) {
        spec.limits = *lim;
    } else {
        spec.limits.as_bytes = (uint64_t)PROBE_AS_MIB << 20;
        spec.limits.nofile = PROBE_NOFILE;
        spec.limits.cpu_seconds = PROBE_CPU_S;
    }
    char err[SBX_ERR_MAX];
    int rc = sbx_spawn(&spec, &r->pid, err, sizeof(err));
    close(sv[1]);
    if (rc < 0) {
        print_message("sbx_spawn: %s\n", err);
        close(sv[0]);
        return -1;
    }
    r->sock = sv[0];
    return 0;
}

/* Next report into r->msg: its length, 0 at end (the probe is gone), -1 on
 * a timeout. */
static int probe_next(struct probe_run *r)
{
    struct pollfd p = {.fd = r->sock, .events = POLLIN};
    if (poll(&p, 1, PROBE_WAIT_MS) != 1) return -1;
    char buf[256];
    ssize_t n = recv(r->sock, buf, sizeof(buf) - 1, 0);
    if (n <= 0) return 0;
    buf[n] = 0;
    if (r->nmsg < PROBE_MSGS) memcpy(r->msg[r->nmsg++], buf, (size_t)n + 1);
    return (int)n;
}

/* Collect the remaining reports, then the wait status and usage. */
static void probe_finish(struct probe_run *r)
{
    int n;
    while ((n = probe_next(r)) > 0)
        ;
    if (n < 0) {
        print_message("probe hung: killed\n");
        kill(r->pid, SIGKILL);
    }
    close(r->sock);
    while (wait4(r->pid, &r->wstatus, 0, &r->ru) < 0 && errno == EINTR)
        ;
    assert_true(n == 0);
}

static int probe_send_fd(int sock, int fd)
{
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {"fd", 2};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(fd));
    return sendmsg(sock, &m, 0) == 2 ? 0 : -1;
}

/* A process beside the core with the domain's own outside uid: only the
 * namespaces keep the domain from signalling or tracing it. */
static pid_t probe_bystander_pid;

static pid_t probe_bystander(void)
{
    pid_t p = fork();
    if (p == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDOUT_FILENO); /* keep no pipe of the test runner open */
        dup2(null, STDERR_FILENO);
        if (syscall(SYS_setgroups, 0, NULL) == 0 &&
            syscall(SYS_setresgid, SBX_NOBODY, SBX_NOBODY, SBX_NOBODY) == 0 &&
            syscall(SYS_setresuid, SBX_NOBODY, SBX_NOBODY, SBX_NOBODY) == 0 &&
            prctl(PR_SET_PDEATHSIG, SIGKILL) == 0) /* after the uid change that clears it */
            for (;;)
                pause();
        _exit(1);
    }
    assert_true(p > 0);
    return probe_bystander_pid = p;
}

/* Teardown of the cases that start one (also after a failed assertion). */
static int probe_bystander_end(void **state)
{
    (void)state;
    if (probe_bystander_pid > 0) {
        kill(probe_bystander_pid, SIGKILL);
        waitpid(probe_bystander_pid, NULL, 0);
    }
    probe_bystander_pid = 0;
    return 0;
}

static size_t probe_read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);
    if (fd >= 0) close(fd);
    buf[n > 0 ? n : 0] = 0;
    return n > 0 ? (size_t)n : 0;
}

/* The value after "Key:" in /proc/PID/status, up to the newline. */
static void probe_status(pid_t pid, const char *key, char *out, size_t cap)
{
    char path[64], buf[8192];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    probe_read_file(path, buf, sizeof(buf));
    char k[32];
    snprintf(k, sizeof(k), "\n%s:", key);
    const char *s = strstr(buf, k);
    out[0] = 0;
    if (!s) return;
    s += strlen(k);
    while (*s == '\t' || *s == ' ')
        s++;
    size_t n = strcspn(s, "\n");
    snprintf(out, cap, "%.*s", (int)n, s);
}

static int probe_tracer_pid(pid_t pid)
{
    char v[32];
    probe_status(pid, "TracerPid", v, sizeof(v));
    return atoi(v);
}

/* "Max open files  32  32  files" -> soft, hard (-1 for unlimited). */
static void probe_limit(const char *limits, const char *name, long long *soft, long long *hard)
{
    const char *s = strstr(limits, name);
    assert_non_null(s);
    s += strlen(name);
    char a[32], b[32];
    assert_int_equal(sscanf(s, "%31s %31s", a, b), 2);
    *soft = strcmp(a, "unlimited") ? atoll(a) : -1;
    *hard = strcmp(b, "unlimited") ? atoll(b) : -1;
}

static void probe_check_limit(const char *limits, const char *name, long long want)
{
    long long soft, hard;
    probe_limit(limits, name, &soft, &hard);
    print_message("  %-22s %lld / %lld\n", name, soft, hard);
    assert_true(soft == want && hard == want);
}

static void probe_check_ids_caps(pid_t pid)
{
    static const char *const zero_caps[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
    char path[64], buf[256], v[128];
    unsigned in, out, cnt;
    snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
    probe_read_file(path, buf, sizeof(buf));
    assert_int_equal(sscanf(buf, "%u %u %u", &in, &out, &cnt), 3);
    assert_true(in == 0 && out == SBX_NOBODY && cnt == 1);
    assert_true(strchr(buf, '\n') == buf + strlen(buf) - 1); /* one line only */
    snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
    probe_read_file(path, buf, sizeof(buf));
    assert_int_equal(sscanf(buf, "%u %u %u", &in, &out, &cnt), 3);
    assert_true(in == 0 && out == SBX_NOBODY && cnt == 1);
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
    probe_read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "deny\n");
    probe_status(pid, "Uid", v, sizeof(v));
    assert_string_equal(v, "65534\t65534\t65534\t65534");
    probe_status(pid, "Gid", v, sizeof(v));
    assert_string_equal(v, "65534\t65534\t65534\t65534");
    probe_status(pid, "Groups", v, sizeof(v));
    assert_string_equal(v, ""); /* the core's groups are gone */
    for (size_t i = 0; i < 5; i++) {
        probe_status(pid, zero_caps[i], v, sizeof(v));
        assert_string_equal(v, "0000000000000000");
    }
    probe_status(pid, "NoNewPrivs", v, sizeof(v));
    assert_string_equal(v, "1");
    probe_status(pid, "Seccomp", v, sizeof(v));
    assert_string_equal(v, "2");
    char want[32];
    snprintf(want, sizeof(want), "%d\t1", (int)pid); /* pid 1 inside */
    probe_status(pid, "NSpid", v, sizeof(v));
    assert_string_equal(v, want);
}

static void probe_check_ns_fs(pid_t pid)
{
    static const char *const ns[] = {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup"};
    char path[64], mine[64], its[64];
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
        ssize_t a = readlink(path, mine, sizeof(mine) - 1);
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i]);
        ssize_t b = readlink(path, its, sizeof(its) - 1);
        assert_true(a > 0 && b > 0);
        mine[a] = its[b] = 0;
        assert_string_not_equal(mine, its);
    }
    /* Its root: an empty, read-only tmpfs. */
    snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
    struct statfs sf;
    struct statvfs sv;
    assert_int_equal(statfs(path, &sf), 0);
    assert_int_equal(statvfs(path, &sv), 0);
    assert_true(sf.f_type == 0x01021994); /* TMPFS_MAGIC */
    assert_true(sv.f_flag & ST_RDONLY);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        assert_true(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."));
    closedir(d);
}

/* Only fds 0..3; 0 and 1 are /dev/null; no environment. */
static void probe_check_fds_env(pid_t pid)
{
    char path[64], link[128], buf[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        assert_true(atoi(de->d_name) <= SBX_FD);
        n++;
    }
    closedir(d);
    assert_int_equal(n, 4);
    for (int fd = 0; fd <= 1; fd++) {
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t k = readlink(path, link, sizeof(link) - 1);
        assert_true(k > 0);
        link[k] = 0;
        assert_string_equal(link, "/dev/null");
    }
    snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
    assert_int_equal(probe_read_file(path, buf, sizeof(buf)), 0);
}

static void probe_check_proc(pid_t pid)
{
    char path[64], limits[4096];
    probe_check_ids_caps(pid);
    probe_check_ns_fs(pid);
    probe_check_fds_env(pid);
    snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
    probe_read_file(path, limits, sizeof(limits));
    probe_check_limit(limits, "Max cpu time", PROBE_CPU_S);
    probe_check_limit(limits, "Max file size", 0);
    probe_check_limit(limits, "Max processes", 0);
    probe_check_limit(limits, "Max open files", PROBE_NOFILE);
    probe_check_limit(limits, "Max core file size", 0);
    probe_check_limit(limits, "Max locked memory", 0);
    if (PROBE_ASAN)
        print_message("  address space: not checked (AddressSanitizer build)\n");
    else
        probe_check_limit(limits, "Max address space", (long long)PROBE_AS_MIB << 20);
}

/* Status of a domain whose core died while the domain was blocked on its
 * socket (the peer kept open here). We are its subreaper meanwhile. */
static int probe_orphan_status(void)
{
    int sv[2], pp[2], st = W_EXITCODE(99, 0);
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
    pid_t mid = fork();
    if (mid == 0) { /* the short-lived "core" */
        char *const argv[] = {"sbx_probe", "wait", "0", "filter", NULL}, ok[8];
        struct sbx_spec spec;
        sbx_spec_init(&spec, "orphan", probe_path, sv[1]);
        spec.argv = argv;
        pid_t pid = -1;
        if (sbx_spawn(&spec, &pid, NULL, 0) < 0 || recv(sv[0], ok, sizeof(ok), 0) != 5) pid = -1;
        _exit(write(pp[1], &pid, sizeof(pid)) == sizeof(pid) ? 0 : 1);
    }
    close(sv[1]);
    close(pp[1]);
    pid_t pid = -1;
    assert_int_equal(read(pp[0], &pid, sizeof(pid)), sizeof(pid));
    close(pp[0]);
    waitpid(mid, NULL, 0);
    assert_true(pid > 0);
    for (int i = 0; i < 500; i++) { /* 5 s */
        if (waitpid(pid, &st, WNOHANG) == pid) break;
        usleep(10000);
        if (i == 499) {
            print_message("orphaned domain still alive: killing it\n");
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
    }
    close(sv[0]);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    return st;
}

#endif
