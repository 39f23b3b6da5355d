/*
 * sbx.h - the protection-domain sandbox: the core starts a domain with
 * sbx_spawn, the domain locks itself in with sbx_enter before it reads any
 * untrusted byte, and the core reports the domain's death with
 * sbx_describe_exit. docs/security.md ("The domain sandbox") has the layers.
 *
 * Core side, sbx_spawn:
 *   - clone3 with new PID, network, IPC, UTS and cgroup namespaces, all owned
 *     by the core's (initial) user namespace, so the domain holds no
 *     capability over them; the domain is pid 1 of its PID namespace and sees
 *     no other process.
 *   - in the child, still root outside: drop the supplementary groups, then
 *     unshare(CLONE_NEWUSER | CLONE_NEWNS). The mount namespace is the only one
 *     the domain owns: it needs that to replace its root in sbx_enter.
 *     (Creating the user namespace in clone3 itself would freeze the core's
 *     supplementary groups, gid 0 included, into the domain: once setgroups
 *     is "deny" nothing can drop them.)
 *   - the core writes /proc/PID/setgroups "deny", uid_map "0 UID 1",
 *     gid_map "0 GID 1", then releases the child through a pipe. The child
 *     becomes uid/gid 0 in its namespace = spec.uid/spec.gid outside.
 *   - the child sets PR_SET_PDEATHSIG(SIGKILL) (after its uid changed: a uid
 *     change clears it), NO_NEW_PRIVS and the rlimits of spec.limits, puts the
 *     socket on fd 3 and /dev/null (or spec.stderr_fd) on 0..2, closes every
 *     other fd, resets signal dispositions and mask, and execve()s spec.path
 *     with spec.envp (empty by default).
 *   - any failure up to and including execve is sent back through a
 *     close-on-exec pipe as (step, errno); sbx_spawn reaps the child and
 *     returns "domain NAME: execve /path: No such file or directory".
 *   Call sbx_spawn from a long-lived thread: PR_SET_PDEATHSIG fires when the
 *   spawning *thread* exits. It blocks until the execve succeeded or failed.
 *
 * Domain side, sbx_enter (first thing in main, single-threaded, before any
 * untrusted input; shared libraries are mapped, nothing is dlopen'ed later):
 *   1. filesystem: mounts private; a read-only, empty 64 KiB tmpfs becomes
 *      the root (pivot_root); the old root is detached; cwd "/".
 *   2. rlimits (see struct sbx_limits): never above what the core set.
 *   3. capabilities: securebits locked, ambient cleared, bounding set emptied,
 *      capset to nothing.
 *   4. PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0.
 *   5. a seccomp allow-list (sbx_filter.c); any other system call, and any
 *      call through a foreign ABI (int $0x80, x32), kills the whole process
 *      with SIGSYS.
 *   Threads are not allowed (clone/clone3 are not in the list; RLIMIT_NPROC
 *   is 0): a domain is one event loop.
 *
 * Returns: 0, or -1 with a one-line reason in err (err may be NULL).
 */
#ifndef VF_SBX_H
#define VF_SBX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rusage;

/* Outside uid/gid of a domain unless the spec names others ("nobody"). */
#define SBX_NOBODY 65534u
/* A limit that is not set (RLIM_INFINITY). */
#define SBX_UNLIMITED UINT64_MAX
/* The fd a domain finds its socketpair end on. */
#define SBX_FD 3
/* A buffer that holds any sbx error or exit description. */
#define SBX_ERR_MAX 256

/* Optional system-call groups a domain kind may need on top of the base
 * list (flags for sbx_limits.extra; rows of the table in sbx_filter.c). */
enum {
    /* accept4 on listening sockets the core passed in, and
     * setsockopt(IPPROTO_TCP, TCP_NODELAY) on what it returns (sock_accept). */
    SBX_EXTRA_ACCEPT = 1u << 0,
    /* Tests only: skip the seccomp layer so the test suite can show what the
     * layers below it stop on their own. visorflowd never sets it. */
    SBX_TEST_NO_FILTER = 1u << 31,
};

/* What a domain may consume. Set by the core in the spec (applied before
 * execve, so they hold from the domain's first instruction) and again by the
 * domain in sbx_enter, which can only lower them: a value above the hard
 * limit the core set is clamped to it (raising a hard limit needs
 * CAP_SYS_RESOURCE in the initial user namespace, which a domain never has).
 * sbx_enter also sets, whatever this says: RLIMIT_NPROC 0 (no fork, no
 * threads), RLIMIT_CORE 0 (no core file with Lua state or keys in it),
 * RLIMIT_MEMLOCK 0, RLIMIT_MSGQUEUE 0. */
struct sbx_limits {
    /* RLIMIT_AS. Default 256 MiB: the Lua state is capped at 64 MiB by its
     * allocator, the OpenFlow engine buffers a few MiB per switch, libraries
     * and the 8 MiB main stack need the rest. Minimum 16 MiB. Not applied in
     * AddressSanitizer builds (ASan reserves terabytes of shadow memory). */
    uint64_t as_bytes;
    /* RLIMIT_NOFILE. Default 256: fds 0..3, the epoll fd, and the sockets
     * the core hands over (one per switch or client). Minimum 8. */
    uint64_t nofile;
    /* RLIMIT_CPU, soft = hard, in seconds. Default SBX_UNLIMITED: the limit
     * is cumulative over the process's life, so for a long-running domain
     * it is a recycling policy, not a spin detector (the Lua instruction
     * budget and the core's liveness checks are). Soft = hard because the
     * domain is pid 1 of its namespace, and the kernel does not deliver a
     * default-action SIGXCPU to such a process: the hard limit's SIGKILL is
     * what ends it. sbx_describe_exit_usage names that case. */
    uint64_t cpu_seconds;
    /* RLIMIT_FSIZE. Default 0: a domain writes no regular file, even one it
     * was handed; writing one fails with EFBIG. */
    uint64_t fsize_bytes;
    /* SBX_EXTRA_* flags: optional system-call groups for sbx_enter. */
    unsigned extra;
};

/* How the core starts one domain. sbx_spec_init fills the defaults. */
struct sbx_spec {
    const char *name;  /* domain name for messages ("of", "ctl") */
    const char *path;  /* absolute path of the domain binary */
    char *const *argv; /* its argv (NULL: { path, NULL }) */
    char *const *envp; /* its environment (NULL: empty) */
    int fd;            /* socketpair end that becomes fd 3 (SBX_FD) */
    int stderr_fd;     /* becomes fd 2 (tests, debugging); -1: /dev/null */
    uid_t uid;         /* outside uid, not 0 (default SBX_NOBODY) */
    gid_t gid;         /* outside gid, not 0 (default SBX_NOBODY) */
    struct sbx_limits limits;
};

/* Defaults as documented on struct sbx_limits. */
void sbx_limits_default(struct sbx_limits *lim);
/* name, path and fd as given; argv/envp NULL, stderr to /dev/null,
 * uid/gid SBX_NOBODY, default limits. */
void sbx_spec_init(struct sbx_spec *spec, const char *name, const char *path, int fd);

/* Start the domain; *pid receives its pid (as the core sees it). spec->fd
 * is not closed: the caller closes its copy once this returned. The caller
 * reaps the domain (waitpid/wait4). Needs root (CAP_SYS_ADMIN, CAP_SETUID,
 * CAP_SETGID) in the initial user namespace. */
int sbx_spawn(const struct sbx_spec *spec, pid_t *pid, char *err, size_t errcap);

/* Lock the calling domain in (see the top of this file). lim NULL: the
 * defaults. On failure the process may be half-sandboxed: exit. On success
 * only the allowed system calls remain. */
int sbx_enter(const struct sbx_limits *lim, char *err, size_t errcap);

/* One line for a wait status: "exited 3", "killed by SIGKILL",
 * "killed by SIGSYS (seccomp: forbidden system call)",
 * "killed by SIGXCPU (CPU time limit)", "killed by SIGSEGV (core dumped)".
 * Returns buf. */
const char *sbx_describe_exit(int wstatus, char *buf, size_t cap);
/* The same, with the rusage from wait4 and the CPU limit the domain had:
 * a SIGKILL after at least half that much CPU time (the kernel's own CPU
 * clock and the rusage differ, see sbx_status.c) reads
 * "killed by SIGKILL (CPU time limit of 1 s reached)". A SIGKILL the core
 * sent itself, it should describe itself. */
const char *sbx_describe_exit_usage(int wstatus, const struct rusage *ru, uint64_t cpu_seconds,
                                    char *buf, size_t cap);

#endif
