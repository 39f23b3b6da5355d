/*
 * sbx_probe.c - a stand-in protection domain for tests/unit/test_sbx.c.
 * Started through sbx_spawn like visorflow-domain, it calls sbx_enter, says
 * "ready" on fd 3, then makes ONE escape attempt and reports its outcome on
 * fd 3 ("denied errno=EPERM", "ALLOWED ...") if it is still alive.
 *
 *   sbx_probe ATTEMPT [CORE_PID [filter|nofilter]]
 *
 * "nofilter" enters the sandbox without its seccomp layer (SBX_TEST_NO_FILTER)
 * so the test can show what the layers below it stop on their own.
 * "accept" enters with SBX_EXTRA_ACCEPT, the group a serving domain asks for.
 * "noop" is the legitimate domain: it receives a pipe end by SCM_RIGHTS,
 * waits on it with epoll and writes to it; "accept" serves one client on a
 * listening socket it receives the same way; "tls" does what the of domain
 * does with TLS: OpenSSL set up before sbx_enter (tls_init), then, inside,
 * contexts built from PEM in memory and a mutually authenticated TLS
 * connection over a socketpair made before it entered. "lua_watch" starts the
 * Lua watchdog before sbx_enter, as visorflow-domain does, and shows that its
 * ticks keep coming and stop runaway scripts inside the sandbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "../unit/tls_fixtures.h"
#include "lib/sock.h"
#include "lua/vlua.h"
#include "sbx/sbx.h"

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's exit-time scan (prctl, then a tracer thread that ptraces
 * us) would make the filter kill every sanitized probe at exit (seen: SIGSYS
 * at prctl). Leaks are checked by the tests that run outside the sandbox. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

#define OUT_MAX 200
static pid_t core_pid; /* the test process, as the core would be */

static void say(const char *msg)
{
    if (write(SBX_FD, msg, strlen(msg)) < 0) _exit(3);
}

static void denied(char *out, int err)
{
    const char *name = strerrorname_np(err);
    snprintf(out, OUT_MAX, "denied errno=%s", name ? name : "?");
}

/* Result of a call returning -1/errno on failure: denied, or ALLOWED. */
static void outcome(char *out, long rc, const char *what)
{
    if (rc < 0)
        denied(out, errno);
    else
        snprintf(out, OUT_MAX, "ALLOWED %s", what);
}

static void try_open(char *out, const char *path, int flags)
{
    int fd = open(path, flags, 0600);
    outcome(out, fd, path);
}

static void a_read_shadow(char *out)
{
    try_open(out, "/etc/shadow", O_RDONLY);
}

/* Anything of the host's tree ("/" itself is list_root's business). */
static void a_read_any(char *out)
{
    static const char *const paths[] = {"/proc/self/status", "/etc/passwd", "/dev/null",
                                        "/sys/kernel", "/bin/sh"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        try_open(out, paths[i], O_RDONLY);
        if (strncmp(out, "denied", 6) != 0) return;
    }
}

static void a_list_root(char *out)
{
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    if (fd < 0) return denied(out, errno);
    char buf[4096], names[OUT_MAX] = "";
    long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    if (n < 0) return denied(out, errno);
    int others = 0;
    for (long off = 0; off < n;) {
        const char *name = buf + off + 19; /* d_ino 8, d_off 8, d_reclen 2, d_type 1 */
        unsigned short reclen;
        memcpy(&reclen, buf + off + 16, sizeof(reclen));
        if (strcmp(name, ".") && strcmp(name, "..")) {
            others++;
            strncat(names, name, sizeof(names) - strlen(names) - 2);
            strcat(names, " ");
        }
        off += reclen;
    }
    if (others)
        snprintf(out, OUT_MAX, "ALLOWED root lists: %.160s", names);
    else
        snprintf(out, OUT_MAX, "denied root is empty");
}

static int inet_socket_to(struct sockaddr_in *sa, const char *ip4, int port)
{
    *sa = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port)};
    unsigned a, b, c, d;
    sscanf(ip4, "%u.%u.%u.%u", &a, &b, &c, &d);
    sa->sin_addr.s_addr = htonl(a << 24 | b << 16 | c << 8 | d);
    return socket(AF_INET, SOCK_STREAM, 0);
}

static void a_connect_out(char *out)
{
    struct sockaddr_in sa;
    int s = inet_socket_to(&sa, "192.0.2.1", 80); /* TEST-NET-1 */
    if (s < 0) return denied(out, errno);
    outcome(out, connect(s, (struct sockaddr *)&sa, sizeof(sa)), "connect 192.0.2.1:80");
}

static void a_bind(char *out)
{
    struct sockaddr_in sa;
    int s = inet_socket_to(&sa, "0.0.0.0", 80);
    if (s < 0) return denied(out, errno);
    outcome(out, bind(s, (struct sockaddr *)&sa, sizeof(sa)), "bind 0.0.0.0:80");
}

static void a_net_ifaces(char *out)
{
    struct if_nameindex *ifs = if_nameindex(); /* a netlink socket */
    if (!ifs) return denied(out, errno);
    char names[OUT_MAX] = "";
    int others = 0;
    for (struct if_nameindex *i = ifs; i->if_index; i++) {
        others += strcmp(i->if_name, "lo") != 0;
        strncat(names, i->if_name, sizeof(names) - strlen(names) - 2);
        strcat(names, " ");
    }
    if (others)
        snprintf(out, OUT_MAX, "ALLOWED interfaces: %.160s", names);
    else
        snprintf(out, OUT_MAX, "denied only lo");
}

static void a_exec(char *out)
{
    char *const argv[] = {"sh", "-c", "id", NULL};
    execve("/bin/sh", argv, (char *const[]){NULL});
    denied(out, errno);
}

static void a_fork(char *out)
{
    pid_t p = fork();
    if (p == 0) _exit(0);
    outcome(out, p, "fork");
}

static void *thread_main(void *arg)
{
    return arg;
}

static void a_clone_thread(char *out)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, thread_main, NULL);
    if (rc) return denied(out, rc);
    pthread_join(t, NULL);
    snprintf(out, OUT_MAX, "ALLOWED thread");
}

static void a_ptrace_core(char *out)
{
    outcome(out, ptrace(PTRACE_ATTACH, core_pid, NULL, NULL), "ptrace attach");
}

/* The core's pid, then every process the probe may signal. kill(1) is not
 * tried: in its namespace that is the probe itself. */
static void a_kill_core(char *out)
{
    outcome(out, kill(core_pid, SIGKILL), "kill core");
    if (strncmp(out, "denied", 6) == 0) outcome(out, kill(-1, SIGKILL), "kill -1");
}

static void a_wx_memory(char *out)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return denied(out, errno);
    memset(p, 0xc3, 4096); /* ret */
    outcome(out, mprotect(p, 4096, PROT_READ | PROT_EXEC), "mprotect PROT_EXEC");
}

static void a_raise_limits(char *out)
{
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r); /* prlimit64: kills under the filter */
    r.rlim_cur = r.rlim_max = r.rlim_max + 1000;
    outcome(out, setrlimit(RLIMIT_NOFILE, &r), "setrlimit");
}

/* Root outside is not mapped in the namespace at all (the test checks the
 * map from outside); what is left to try is getting capabilities back. */
static void a_setuid0_outside(char *out)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    memset(d, 0xff, sizeof(d));
    outcome(out, syscall(SYS_capset, &h, d), "capset all");
}

static void a_memory_bomb(char *out)
{
    size_t mib = 0;
    for (;;) {
        char *p = malloc(1 << 20);
        if (!p) break;
        memset(p, 1, 1 << 20);
        if (++mib > 1 << 16) { /* 64 GiB: no limit */
            snprintf(out, OUT_MAX, "ALLOWED 64 GiB");
            return;
        }
    }
    snprintf(out, OUT_MAX, "denied errno=ENOMEM after %zu MiB", mib);
}

static void a_cpu_spin(char *out)
{
    for (volatile unsigned long i = 0;; i++)
        ;
    snprintf(out, OUT_MAX, "ALLOWED spin");
}

/* Creating a file: in the (read-only) root, and in a /tmp that is not there. */
static void a_write_file(char *out)
{
    char tmp[OUT_MAX];
    try_open(out, "/pwned", O_CREAT | O_WRONLY);
    try_open(tmp, "/tmp/pwned", O_CREAT | O_WRONLY);
    if (strncmp(out, "denied", 6) == 0 && strncmp(tmp, "denied", 6) != 0)
        snprintf(out, OUT_MAX, "%s", tmp);
    else if (strncmp(out, "denied", 6) == 0)
        snprintf(out + strlen(out), OUT_MAX - strlen(out), ", %s", tmp + 7);
}

static void a_mount(char *out)
{
    outcome(out, mount("none", "/", "tmpfs", 0, NULL), "mount");
}
static void a_chroot(char *out)
{
    outcome(out, chroot("/"), "chroot");
}

/* Calls that must never reach the kernel, made raw with harmless
 * arguments; BUF stands for a zeroed buffer. */
#define BUF (-4096L)
static const struct raw {
    const char *name;
    long nr;
    long a[6];
} raws[] = {
    {"socket", SYS_socket, {AF_INET, SOCK_STREAM, 0}},
    {"wx_mmap", SYS_mmap, {0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0}},
    {"io_uring_setup", SYS_io_uring_setup, {8, BUF}},
    {"bpf", SYS_bpf, {0 /* BPF_MAP_CREATE */, BUF, 128}},
    {"perf_event_open", SYS_perf_event_open, {BUF, 0, -1, -1}},
    {"userfaultfd", SYS_userfaultfd, {O_CLOEXEC}},
    {"keyctl", SYS_keyctl, {0 /* GET_KEYRING_ID */, -3 /* session keyring */}},
    /* READ_IMPLIES_EXEC would make PROT_READ mappings executable inside the
     * kernel, after the filter looked at prot. */
    {"personality", SYS_personality, {READ_IMPLIES_EXEC}},
    {"unshare", SYS_unshare, {CLONE_NEWUSER}},
    {"setns", SYS_setns, {SBX_FD, 0}},
    /* the "shocker" container escape */
    {"open_by_handle_at", SYS_open_by_handle_at, {SBX_FD, BUF, O_RDONLY}},
    {"ioctl", SYS_ioctl, {0, TIOCSTI, BUF}},
    {"prctl", SYS_prctl, {PR_SET_DUMPABLE, 1}},
    {"seccomp", SYS_seccomp, {1 /* SET_MODE_FILTER */, 0, BUF}},
    {"connect_fd3", SYS_connect, {SBX_FD, BUF, 16}}, /* connect on the socket it has */
    {"process_vm_readv", SYS_process_vm_readv, {1, BUF, 1, BUF}},
    {"memfd_create", SYS_memfd_create, {BUF, 0}},
    /* zeroed clone_args: a plain fork (pthread_create dies earlier, at
     * glibc's first rt_sigaction, so clone_thread never gets here) */
    {"clone3", SYS_clone3, {BUF, 64}},
    {"setuid", SYS_setuid, {1}}, /* a uid its namespace does not have */
    {"kill_self_group", SYS_kill, {0, 0}},
};

static void a_raw(char *out, const struct raw *r)
{
    static char zero[256];
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = r->a[i] == BUF ? (long)zero : r->a[i];
    outcome(out, syscall(r->nr, a[0], a[1], a[2], a[3], a[4], a[5]), r->name);
}

/* glibc's abort() raises SIGABRT with tgkill, which the filter denies even
 * towards the domain itself: abort() ends in SIGSYS, still at once. */
static void a_abort(char *out)
{
    abort();
    snprintf(out, OUT_MAX, "ALLOWED abort returned");
}

/* Foreign ABIs: the i386 entry (int $0x80, here getpid = 20) and x32
 * numbers. The filter names native x86_64 calls only. */
static void a_int80(char *out)
{
#if defined(__x86_64__)
    long r = 20;
    __asm__ volatile("int $0x80" : "+a"(r) : : "memory");
    outcome(out, r, "int $0x80 getpid");
#else
    snprintf(out, OUT_MAX, "denied not x86_64");
#endif
}

static void a_x32(char *out)
{
#if defined(__x86_64__)
    outcome(out, syscall(0x40000000L | SYS_getpid), "x32 getpid");
#else
    snprintf(out, OUT_MAX, "denied not x86_64");
#endif
}

/* One fd from the core by SCM_RIGHTS on fd 3, or -1. */
static int recv_fd(void)
{
    char data[16], ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {data, sizeof(data)};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    if (recvmsg(SBX_FD, &m, 0) <= 0) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
        errno = EBADMSG;
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(fd));
    return fd;
}

/* The legitimate domain: a pipe end arrives by SCM_RIGHTS on fd 3; wait for
 * it to be writable with epoll, write to it, answer. Along the way: stdio
 * (fstat), malloc, clocks, getrandom, fcntl. */
static void a_noop(char *out)
{
    int fd = recv_fd();
    if (fd < 0) return denied(out, errno);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd}, got;
    if (ep < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 || epoll_wait(ep, &got, 1, 5000) != 1)
        return denied(out, errno);
    char *msg = malloc(64);
    struct timespec ts;
    unsigned rnd;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd)) return denied(out, errno);
    snprintf(msg, 64, "hello from domain\n");
    printf("stdout goes to /dev/null\n");
    fflush(stdout);
    if (write(got.data.fd, msg, strlen(msg)) < 0) return denied(out, errno);
    free(msg);
    close(fd);
    close(ep);
    snprintf(out, OUT_MAX, "ok pid=%d", (int)getpid());
}

/* A listening socket from the core; one client gets "hi" (lib/sock's
 * sock_accept: accept4, then TCP_NODELAY). */
static void a_accept(char *out)
{
    int lfd = recv_fd();
    if (lfd < 0) return denied(out, errno);
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    int c = poll(&p, 1, 5000) == 1 ? sock_accept(lfd, NULL, NULL) : -1;
    if (c < 0 || write(c, "hi", 2) != 2) return denied(out, errno);
    close(c);
    snprintf(out, OUT_MAX, "ok accepted");
}

/* ---- TLS inside the sandbox ---------------------------------------------------- */

static struct tlsfx_world tls_w;
static int tls_sv[2] = {-1, -1};

/* Before sbx_enter: what the domain does (tls_init), plus the test's own
 * certificates and the socketpair (the sandbox cannot make either). */
static int tls_prepare(void)
{
    char err[TLS_ERR_MAX];
    tlsfx_fixed_times = true; /* nothing but tls_init may prepare the clock */
    tlsfx_world_init(&tls_w);
    if (tls_init(err, sizeof(err)) != 0) return -1;
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, tls_sv);
}

static void a_tls(char *out)
{
    struct tls_settings ss = tlsfx_settings(&tls_w.server, &tls_w.ca, TLS_V13);
    struct tls_settings cs = tlsfx_settings(&tls_w.client, &tls_w.ca, TLS_V13);
    char err[TLS_ERR_MAX] = "";
    struct tls_ctx *xs = tls_ctx_new(&ss, TLS_SERVER, NULL, err, sizeof(err));
    struct tls_ctx *xc = xs ? tls_ctx_new(&cs, TLS_CLIENT, NULL, err, sizeof(err)) : NULL;
    if (!xc) {
        snprintf(out, OUT_MAX, "context: %.150s", err);
        return;
    }
    struct tls_conn *s = tls_conn_new(xs, tls_sv[0]), *c = tls_conn_new(xc, tls_sv[1]);
    int rs = TLS_AGAIN, rc = TLS_AGAIN;
    for (int i = 0; i < 50 && (rs == TLS_AGAIN || rc == TLS_AGAIN); i++) {
        if (rc == TLS_AGAIN) rc = tls_conn_handshake(c);
        if (rs == TLS_AGAIN) rs = tls_conn_handshake(s);
    }
    if (rs != TLS_OK || rc != TLS_OK) {
        snprintf(out, OUT_MAX, "handshake: %.80s / %.80s", tls_conn_error(s), tls_conn_error(c));
        return;
    }
    static char buf[65536];
    memset(buf, 'x', sizeof(buf));
    size_t sent = 0, got = 0;
    for (int i = 0; i < 10000 && got < sizeof(buf); i++) {
        if (sent < sizeof(buf)) {
            ssize_t w = tls_conn_write(c, buf + sent, sizeof(buf) - sent);
            if (w > 0) sent += (size_t)w;
        } else {
            tls_conn_flush(c);
        }
        ssize_t r = tls_conn_read(s, buf, sizeof(buf) - got);
        if (r > 0) got += (size_t)r;
    }
    char d[200];
    tls_conn_describe(s, d, sizeof(d));
    snprintf(out, OUT_MAX, "ok tls %zu bytes %.150s", got, d);
    tls_conn_free(s);
    tls_conn_free(c);
    tls_ctx_free(xs);
    tls_ctx_free(xc);
}

/* Inside the sandbox with the watchdog started before it: three runaway
 * calls are each stopped by their budget (the hook armed by a tick), then
 * short calls run unhooked while ticks keep coming. */
static void a_lua_watch(char *out)
{
    struct vlua_limits lim = {.instr_budget = 1000000};
    struct vlua *v = vlua_new(&lim, NULL, NULL);
    if (!v) return (void)snprintf(out, OUT_MAX, "failed: vlua_new");
    lua_State *L = vlua_state(v);
    char err[1024];
    int stopped = 0, left_hooked = 0;
    for (int i = 0; i < 3; i++) {
        const char *src = "while true do end";
        if (vlua_load(v, "spin.lua", src, strlen(src), err, sizeof err) == 0 &&
            vlua_pcall(v, 0, 0, err, sizeof err) != 0 && strstr(err, "instruction budget exceeded"))
            stopped++;
    }
    uint64_t t0, a0, t1, a1;
    vlua_watch_counts(&t0, &a0);
    const char *src = "local s = 0 for i = 1, 2000 do s = s + i end return s";
    for (int i = 0; i < 5000; i++) {
        if (vlua_load(v, "short.lua", src, strlen(src), err, sizeof err) != 0 ||
            vlua_pcall(v, 0, 1, err, sizeof err) != 0)
            break;
        lua_pop(L, 1);
        left_hooked += lua_gethookmask(L) != 0; /* after the call */
    }
    vlua_watch_counts(&t1, &a1);
    snprintf(out, OUT_MAX,
             "%s lua stopped=%d trips=%llu arms=%llu ticks=%llu short_arms=%llu left_hooked=%d",
             stopped == 3 && a0 >= 3 && t1 > t0 && a1 == a0 && !left_hooked ? "ok" : "failed",
             stopped, (unsigned long long)vlua_budget_trips(v), (unsigned long long)a0,
             (unsigned long long)t1, (unsigned long long)(a1 - a0), left_hooked);
    vlua_free(v);
}

/* Blocks until the core closes its end (pdeathsig and /proc tests). */
static void a_wait(char *out)
{
    char b;
    while (read(SBX_FD, &b, 1) > 0)
        ;
    snprintf(out, OUT_MAX, "done");
}

static const struct attempt {
    const char *name;
    void (*fn)(char *out);
} attempts[] = {
    {"noop", a_noop},
    {"lua_watch", a_lua_watch},
    {"wait", a_wait},
    {"accept", a_accept},
    {"tls", a_tls},
    {"read_shadow", a_read_shadow},
    {"read_any", a_read_any},
    {"list_root", a_list_root},
    {"connect_out", a_connect_out},
    {"bind", a_bind},
    {"net_ifaces", a_net_ifaces},
    {"exec", a_exec},
    {"fork", a_fork},
    {"clone_thread", a_clone_thread},
    {"ptrace_core", a_ptrace_core},
    {"kill_core", a_kill_core},
    {"wx_memory", a_wx_memory},
    {"raise_limits", a_raise_limits},
    {"setuid0_outside", a_setuid0_outside},
    {"memory_bomb", a_memory_bomb},
    {"cpu_spin", a_cpu_spin},
    {"write_file", a_write_file},
    {"mount", a_mount},
    {"chroot", a_chroot},
    {"abort", a_abort},
    {"int80", a_int80},
    {"x32", a_x32},
};

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    core_pid = argc > 2 ? atoi(argv[2]) : 0;
    const struct attempt *a = NULL;
    const struct raw *raw = NULL;
    for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++)
        if (strcmp(argv[1], attempts[i].name) == 0) a = &attempts[i];
    for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
        if (strcmp(argv[1], raws[i].name) == 0) raw = &raws[i];
    if (!a && !raw) {
        say("unknown attempt");
        return 2;
    }
    struct sbx_limits lim;
    sbx_limits_default(&lim);
    const char *mode = argc > 3 ? argv[3] : "filter";
    if (strcmp(mode, "nofilter") == 0)
        lim.extra |= SBX_TEST_NO_FILTER;
    else if (strcmp(mode, "accept") == 0)
        lim.extra |= SBX_EXTRA_ACCEPT;
    char err[SBX_ERR_MAX], out[OUT_MAX];
    if (a && a->fn == a_tls && tls_prepare() != 0) {
        say("tls set-up failed");
        return 2;
    }
    if (a && a->fn == a_lua_watch && vlua_watch_start(err, sizeof(err)) < 0) {
        say("watchdog failed:");
        say(err);
        return 2;
    }
    if (sbx_enter(&lim, err, sizeof(err)) < 0) {
        say("enter failed:");
        say(err);
        return 2;
    }
    say("ready");
    if (a)
        a->fn(out);
    else
        a_raw(out, raw);
    say(out);
    return 0;
}
