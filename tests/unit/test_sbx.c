/*
 * test_sbx.c - the domain sandbox, attacked for real: tests/tools/sbx_probe is
 * started through sbx_spawn (the path visorflowd uses), enters the sandbox and
 * makes one escape attempt; the test asserts the exact outcome: killed by
 * the seccomp filter (SIGSYS), by the CPU limit (SIGKILL), or a reported
 * "denied errno=...". Never "ALLOWED". "layer:" cases run the probe without
 * its seccomp layer to show what namespaces, limits and capabilities stop
 * on their own. Needs root and user namespaces; otherwise the cases skip.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/sock.h"
#include "sbx/sbx.h"
#include "sbx_probe_run.h"

/* ---- cases: one escape attempt each ------------------------------------ */

/* Expected end: killed by sig (0: exited 0 after reporting `report`, a
 * prefix of its last message). */
struct escape {
    const char *attempt;
    const char *mode; /* "filter" or "nofilter" (the "layer:" cases) */
    int sig;
    const char *report;
};

static const struct escape escapes[] = {
    {"read_shadow", "filter", SIGSYS, NULL},
    {"read_any", "filter", SIGSYS, NULL},
    {"list_root", "filter", SIGSYS, NULL},
    {"socket", "filter", SIGSYS, NULL},
    {"connect_out", "filter", SIGSYS, NULL},
    {"bind", "filter", SIGSYS, NULL},
    {"net_ifaces", "filter", SIGSYS, NULL},
    {"exec", "filter", SIGSYS, NULL},
    {"fork", "filter", SIGSYS, NULL},
    {"clone_thread", "filter", SIGSYS, NULL},
    {"ptrace_core", "filter", SIGSYS, NULL},
    {"kill_core", "filter", SIGSYS, NULL},
    {"wx_memory", "filter", SIGSYS, NULL},
    {"wx_mmap", "filter", SIGSYS, NULL},
    {"raise_limits", "filter", SIGSYS, NULL},
    {"setuid0_outside", "filter", SIGSYS, NULL},
    {"write_file", "filter", SIGSYS, NULL},
    {"io_uring_setup", "filter", SIGSYS, NULL},
    {"bpf", "filter", SIGSYS, NULL},
    {"perf_event_open", "filter", SIGSYS, NULL},
    {"userfaultfd", "filter", SIGSYS, NULL},
    {"keyctl", "filter", SIGSYS, NULL},
    {"personality", "filter", SIGSYS, NULL},
    {"chroot", "filter", SIGSYS, NULL},
    {"mount", "filter", SIGSYS, NULL},
    {"unshare", "filter", SIGSYS, NULL},
    {"setns", "filter", SIGSYS, NULL},
    {"open_by_handle_at", "filter", SIGSYS, NULL},
    {"ioctl", "filter", SIGSYS, NULL},
    {"prctl", "filter", SIGSYS, NULL},
    {"seccomp", "filter", SIGSYS, NULL},
    {"process_vm_readv", "filter", SIGSYS, NULL},
    {"memfd_create", "filter", SIGSYS, NULL},
    {"clone3", "filter", SIGSYS, NULL},
    {"setuid", "filter", SIGSYS, NULL},
    {"kill_self_group", "filter", SIGSYS, NULL},
    {"connect_fd3", "filter", SIGSYS, NULL},
    {"abort", "filter", SIGSYS, NULL},
    {"int80", "filter", SIGSYS, NULL},
    {"x32", "filter", SIGSYS, NULL},
    /* The layers under the filter, each on its own. */
    {"read_shadow", "nofilter", 0, "denied errno=ENOENT"}, /* empty root */
    {"read_any", "nofilter", 0, "denied errno=ENOENT"},    /* no /proc, /etc, /dev... */
    {"list_root", "nofilter", 0, "denied root is empty"},
    {"write_file", "nofilter", 0, "denied errno=EROFS, errno=ENOENT"}, /* read-only, no /tmp */
    {"exec", "nofilter", 0, "denied errno=ENOENT"},                    /* no /bin/sh */
    {"connect_out", "nofilter", 0, "denied errno=ENETUNREACH"},        /* own net namespace */
    {"bind", "nofilter", 0, "denied errno=EACCES"},                    /* no CAP_NET_BIND_SERVICE */
    {"net_ifaces", "nofilter", 0, "denied only lo"},
    {"fork", "nofilter", 0, "denied errno=EAGAIN"},           /* RLIMIT_NPROC 0 */
    {"clone_thread", "nofilter", 0, "denied errno=EAGAIN"},   /* RLIMIT_NPROC 0 */
    {"ptrace_core", "nofilter", 0, "denied errno=ESRCH"},     /* PID namespace */
    {"kill_core", "nofilter", 0, "denied errno=ESRCH"},       /* PID namespace */
    {"raise_limits", "nofilter", 0, "denied errno=EPERM"},    /* hard limits */
    {"setuid0_outside", "nofilter", 0, "denied errno=EPERM"}, /* no capabilities back */
    {"mount", "nofilter", 0, "denied errno=EPERM"},           /* no CAP_SYS_ADMIN */
    {"chroot", "nofilter", 0, "denied errno=EPERM"},          /* no CAP_SYS_CHROOT */
    {"setuid", "nofilter", 0, "denied errno=EINVAL"},         /* uid 1 is not mapped */
};

/* Attempts whose target is a process of the core's side: a bystander with
 * the domain's own outside uid, so only the namespaces protect it. */
static int targets_bystander(const char *attempt)
{
    return !strcmp(attempt, "ptrace_core") || !strcmp(attempt, "kill_core");
}

static void test_escape(void **state)
{
    const struct escape *e = *state;
    PROBE_NEED_SANDBOX();
    pid_t bystander = probe_bystander();
    struct probe_run r;
    assert_int_equal(probe_start(&r, e->attempt, e->mode,
                                 targets_bystander(e->attempt) ? bystander : getpid(), NULL),
                     0);
    probe_finish(&r);
    char why[SBX_ERR_MAX];
    sbx_describe_exit(r.wstatus, why, sizeof(why));
    print_message("%-8s %-18s -> %s; %s\n", strcmp(e->mode, "filter") ? "layer" : "seccomp",
                  e->attempt, r.nmsg > 1 ? r.msg[1] : "(no report)", why);
    assert_true(r.nmsg >= 1);
    assert_string_equal(r.msg[0], "ready");
    for (int i = 0; i < r.nmsg; i++)
        assert_null(strstr(r.msg[i], "ALLOWED"));
    if (e->sig) {
        if (!strcmp(e->attempt, "int80") && WIFSIGNALED(r.wstatus) &&
            WTERMSIG(r.wstatus) == SIGSEGV)
            print_message("int80: kernel without IA-32 emulation: SIGSEGV\n");
        else
            assert_true(WIFSIGNALED(r.wstatus) && WTERMSIG(r.wstatus) == e->sig);
        assert_int_equal(r.nmsg, 1);
        if (e->sig == SIGSYS)
            assert_string_equal(why, "killed by SIGSYS (seccomp: forbidden system call)");
    } else {
        assert_int_equal(r.nmsg, 2);
        assert_true(strncmp(r.msg[1], e->report, strlen(e->report)) == 0);
        assert_true(WIFEXITED(r.wstatus) && WEXITSTATUS(r.wstatus) == 0);
    }
    /* The core and its other processes are untouched. */
    assert_int_equal(kill(bystander, 0), 0);
    assert_int_equal(waitpid(bystander, NULL, WNOHANG), 0);
    assert_int_equal(probe_tracer_pid(getpid()), 0);
    assert_int_equal(probe_tracer_pid(bystander), 0);
}

/* ---- limits -------------------------------------------------------------- */

static void test_memory_bomb(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
#if PROBE_ASAN
    print_message("skipped: AddressSanitizer build runs without RLIMIT_AS (shadow memory)\n");
    skip();
#endif
    struct probe_run r;
    assert_int_equal(probe_start(&r, "memory_bomb", "filter", getpid(), NULL), 0);
    probe_finish(&r);
    print_message("memory_bomb -> %s\n", r.nmsg > 1 ? r.msg[1] : "(no report)");
    assert_int_equal(r.nmsg, 2);
    unsigned mib = 0;
    assert_int_equal(sscanf(r.msg[1], "denied errno=ENOMEM after %u MiB", &mib), 1);
    assert_true(mib > 0 && mib < PROBE_AS_MIB);
    assert_true(WIFEXITED(r.wstatus) && WEXITSTATUS(r.wstatus) == 0);
}

static void test_cpu_spin(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
    struct probe_run r;
    assert_int_equal(probe_start(&r, "cpu_spin", "filter", getpid(), NULL), 0);
    probe_finish(&r);
    char why[SBX_ERR_MAX];
    sbx_describe_exit_usage(r.wstatus, &r.ru, PROBE_CPU_S, why, sizeof(why));
    double cpu = (double)r.ru.ru_utime.tv_sec + r.ru.ru_utime.tv_usec / 1e6 +
                 (double)r.ru.ru_stime.tv_sec + r.ru.ru_stime.tv_usec / 1e6;
    print_message("cpu_spin -> %s after %.2f s of CPU\n", why, cpu);
    assert_int_equal(r.nmsg, 1);
    /* pid 1 of its namespace ignores a default-action SIGXCPU: the hard
     * limit (soft = hard) SIGKILLs it. */
    assert_true(WIFSIGNALED(r.wstatus) && WTERMSIG(r.wstatus) == SIGKILL);
    assert_string_equal(why, "killed by SIGKILL (CPU time limit of 1 s reached)");
}

/* The Lua watchdog started before sbx_enter (as visorflow-domain starts
 * it) keeps ticking under the filter and the CPU limit: runaway scripts are
 * stopped by their budget, short calls stay unhooked, and the ticks'
 * rt_sigreturn is all the filter sees of it. */
static void test_lua_watch(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
    struct probe_run r;
    assert_int_equal(probe_start(&r, "lua_watch", "filter", getpid(), NULL), 0);
    probe_finish(&r);
    char why[SBX_ERR_MAX];
    sbx_describe_exit_usage(r.wstatus, &r.ru, PROBE_CPU_S, why, sizeof(why));
    print_message("lua_watch -> %s; %s\n", r.nmsg > 1 ? r.msg[1] : "(no report)", why);
    assert_int_equal(r.nmsg, 2);
    assert_string_equal(r.msg[0], "ready");
    assert_true(strncmp(r.msg[1], "ok lua stopped=3 trips=3 ", 25) == 0);
    assert_string_equal(why, "exited 0");
}

/* ---- legitimate work and the domain's view of itself --------------------- */

static void test_noop_works(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
    struct probe_run r;
    /* The core's supplementary groups (root's, here) must not follow. */
    gid_t groups[] = {0, 4};
    assert_int_equal(setgroups(2, groups), 0);
    int leak = fcntl(STDIN_FILENO, F_DUPFD, 10); /* not close-on-exec: must not reach the domain */
    assert_true(leak > SBX_FD);
    assert_int_equal(probe_start(&r, "noop", "filter", getpid(), NULL), 0);
    close(leak);
    assert_true(probe_next(&r) > 0);
    assert_string_equal(r.msg[0], "ready");
    /* Seen from outside while it runs: ids, capabilities, namespaces, fds. */
    probe_check_proc(r.pid);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(probe_send_fd(r.sock, p[1]), 0);
    close(p[1]);
    probe_finish(&r);
    char why[SBX_ERR_MAX];
    print_message("noop -> %s; %s\n", r.nmsg > 1 ? r.msg[1] : "(no report)",
                  sbx_describe_exit(r.wstatus, why, sizeof(why)));
    char got[64] = "";
    assert_true(read(p[0], got, sizeof(got) - 1) > 0);
    close(p[0]);
    assert_string_equal(got, "hello from domain\n");
    assert_int_equal(r.nmsg, 2);
    assert_string_equal(r.msg[1], "ok pid=1"); /* pid 1 of its own namespace */
    assert_string_equal(sbx_describe_exit(r.wstatus, why, sizeof(why)), "exited 0");
}

/* TLS as the of domain uses it: OpenSSL set up before sbx_enter, then
 * contexts from PEM in memory, a mutually authenticated handshake and data,
 * all under the filter (no file, no system call outside the allow-list). */
static void test_tls_works(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
    struct probe_run r;
    assert_int_equal(probe_start(&r, "tls", "filter", getpid(), NULL), 0);
    assert_true(probe_next(&r) > 0);
    assert_string_equal(r.msg[0], "ready");
    probe_finish(&r);
    char why[SBX_ERR_MAX];
    print_message("tls -> %s; %s\n", r.nmsg > 1 ? r.msg[1] : "(no report)",
                  sbx_describe_exit(r.wstatus, why, sizeof(why)));
    assert_int_equal(r.nmsg, 2);
    assert_non_null(strstr(r.msg[1], "ok tls 65536 bytes TLSv1.3 TLS_AES_256_GCM_SHA384, peer "
                                     "CN=switch 1"));
    assert_string_equal(sbx_describe_exit(r.wstatus, why, sizeof(why)), "exited 0");
}

/* A listening socket handed over by the core: accept4 needs the
 * SBX_EXTRA_ACCEPT group, and kills without it. */
static void accept_case(const char *mode, int want_ok)
{
    int lfd = sock_listen("127.0.0.1:0", 4, NULL, 0);
    assert_true(lfd >= 0);
    char addr[SOCK_ADDR_MAX];
    assert_int_equal(sock_local_addr(lfd, addr, sizeof(addr)), 0);
    struct probe_run r;
    assert_int_equal(probe_start(&r, "accept", mode, getpid(), NULL), 0);
    assert_true(probe_next(&r) > 0);
    assert_int_equal(probe_send_fd(r.sock, lfd), 0);
    close(lfd);
    int c = sock_connect(addr, NULL, 0);
    assert_true(c >= 0);
    struct pollfd pc = {.fd = c, .events = POLLIN};
    char buf[8] = "";
    if (poll(&pc, 1, 5000) == 1 && read(c, buf, sizeof(buf) - 1) < 0) buf[0] = 0;
    close(c);
    probe_finish(&r);
    char why[SBX_ERR_MAX];
    sbx_describe_exit(r.wstatus, why, sizeof(why));
    print_message("accept (%s) -> %s; %s\n", mode, r.nmsg > 1 ? r.msg[1] : "(no report)", why);
    if (want_ok) {
        assert_string_equal(buf, "hi");
        assert_int_equal(r.nmsg, 2);
        assert_string_equal(r.msg[1], "ok accepted");
        assert_string_equal(why, "exited 0");
    } else {
        assert_int_equal(r.nmsg, 1);
        assert_string_equal(why, "killed by SIGSYS (seccomp: forbidden system call)");
    }
}

static void test_extra_accept(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
    accept_case("accept", 1);
    accept_case("filter", 0);
}

/* The core dies: its domains die with it (PR_SET_PDEATHSIG survives the
 * domain's execve), even while their socket peer is still open. */
static void test_pdeathsig(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
    int wstatus = probe_orphan_status();
    char why[SBX_ERR_MAX];
    print_message("domain of a dead core -> %s\n", sbx_describe_exit(wstatus, why, sizeof(why)));
    assert_true(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
}

static void test_exec_failure(void **state)
{
    (void)state;
    PROBE_NEED_SANDBOX();
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    struct sbx_spec spec;
    sbx_spec_init(&spec, "probe", "/nonexistent/visorflow-domain", sv[1]);
    char err[SBX_ERR_MAX] = "";
    pid_t pid = -1;
    assert_int_equal(sbx_spawn(&spec, &pid, err, sizeof(err)), -1);
    assert_string_equal(err, "domain probe: execve /nonexistent/visorflow-domain: "
                             "No such file or directory");
    assert_int_equal(pid, -1);
    /* The failed child was reaped. */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    close(sv[0]);
    close(sv[1]);
}

/* ---- no privileges needed ------------------------------------------------ */

static void test_bad_spec(void **state)
{
    (void)state;
    struct sbx_spec spec;
    char err[SBX_ERR_MAX];
    pid_t pid;
    static const struct {
        int field;
        const char *err;
    } cases[] = {
        {0, "domain d: binary path must be absolute"},
        {1, "domain d: no socket fd"},
        {2, "domain d: uid/gid 0 would be root outside"},
        {3, "domain d: open-file limit 2 below 8"},
        {4, "domain d: address-space limit 4096 below 16777216 bytes"},
        {5, "domain d: CPU limit 0 s (use SBX_UNLIMITED for none)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sbx_spec_init(&spec, "d", "/bin/true", 5);
        switch (cases[i].field) {
        case 0:
            spec.path = "bin/true";
            break;
        case 1:
            spec.fd = -1;
            break;
        case 2:
            spec.gid = 0;
            break;
        case 3:
            spec.limits.nofile = 2;
            break;
        case 4:
            spec.limits.as_bytes = 4096;
            break;
        case 5:
            spec.limits.cpu_seconds = 0;
            break;
        }
        assert_int_equal(sbx_spawn(&spec, &pid, err, sizeof(err)), -1);
        assert_string_equal(err, cases[i].err);
    }
}

static void test_describe_exit(void **state)
{
    (void)state;
    char b[SBX_ERR_MAX];
    struct rusage ru = {.ru_utime = {.tv_sec = 0, .tv_usec = 600000}};
    assert_string_equal(sbx_describe_exit(W_EXITCODE(0, 0), b, sizeof(b)), "exited 0");
    assert_string_equal(sbx_describe_exit(W_EXITCODE(3, 0), b, sizeof(b)), "exited 3");
    assert_string_equal(sbx_describe_exit(W_EXITCODE(0, SIGKILL), b, sizeof(b)),
                        "killed by SIGKILL");
    assert_string_equal(sbx_describe_exit(W_EXITCODE(0, SIGSYS), b, sizeof(b)),
                        "killed by SIGSYS (seccomp: forbidden system call)");
    assert_string_equal(sbx_describe_exit(W_EXITCODE(0, SIGXCPU), b, sizeof(b)),
                        "killed by SIGXCPU (CPU time limit)");
    assert_string_equal(sbx_describe_exit(W_EXITCODE(0, SIGSEGV) | WCOREFLAG, b, sizeof(b)),
                        "killed by SIGSEGV (core dumped)");
    assert_string_equal(sbx_describe_exit(W_STOPCODE(SIGSTOP), b, sizeof(b)),
                        "stopped by signal 19");
    assert_string_equal(sbx_describe_exit_usage(W_EXITCODE(0, SIGKILL), &ru, 1, b, sizeof(b)),
                        "killed by SIGKILL (CPU time limit of 1 s reached)");
    assert_string_equal(sbx_describe_exit_usage(W_EXITCODE(0, SIGKILL), &ru, 2, b, sizeof(b)),
                        "killed by SIGKILL");
    assert_string_equal(sbx_describe_exit_usage(W_EXITCODE(0, SIGSYS), &ru, 1, b, sizeof(b)),
                        "killed by SIGSYS (seccomp: forbidden system call)");
    assert_string_equal(
        sbx_describe_exit_usage(W_EXITCODE(0, SIGKILL), &ru, SBX_UNLIMITED, b, sizeof(b)),
        "killed by SIGKILL");
    char tiny[8];
    assert_string_equal(sbx_describe_exit(W_EXITCODE(0, SIGSYS), tiny, sizeof(tiny)), "killed ");
}

int main(void)
{
    enum { N_ESC = sizeof(escapes) / sizeof(escapes[0]) };
    static struct CMUnitTest tests[N_ESC + 10];
    static char names[N_ESC][48];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_describe_exit);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_spec);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_exec_failure);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_noop_works);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_tls_works);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_extra_accept);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_pdeathsig);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_memory_bomb);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cpu_spin);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lua_watch);
    for (size_t i = 0; i < N_ESC; i++) {
        snprintf(names[i], sizeof(names[i]), "%s:%s",
                 strcmp(escapes[i].mode, "filter") ? "layer" : "escape", escapes[i].attempt);
        tests[n++] = (struct CMUnitTest){names[i], test_escape, NULL, probe_bystander_end,
                                         (void *)&escapes[i]};
    }
    const char *only = getenv("SBX_TESTS"); /* e.g. SBX_TESTS='layer:*' */
    if (only && *only) cmocka_set_test_filter(only);
    return _cmocka_run_group_tests("sbx", tests, n, probe_group_setup, NULL);
}
