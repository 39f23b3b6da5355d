/*
 * mon_open.c - opening the monitor: the bpf filesystem, the writer lock, loading
 * the embedded filter object with its maps pinned by name, keeping the pinned
 * programs when the code is unchanged, and tearing everything down.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mon/mon_internal.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#define BPFFS_ROOT "/sys/fs/bpf"

static const char *const map_names[] = {
    "mon_ports", "mon_exact",  "mon_prefix", "mon_counters", "mon_pstats",
    "mon_cfg",   "mon_events", "mon_rules",  "mon_hc",       "mon_hc_tb",
};
static const char *const prog_pins[] = {"prog_ingress", "prog_guard"};
static const char *const prog_names[] = {"mon_ingress", "mon_guard"};

int mon_fail(struct mon *m, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err, sizeof(m->err), fmt, ap);
    va_end(ap);
    return rc;
}

const char *mon_error(const struct mon *m)
{
    return m->err;
}

int mon_pin_path(const struct mon *m, const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/%s", m->pin_dir, name);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

const void *mon_zeros(struct mon *m, size_t vsize)
{
    size_t need = ((vsize + 7) & ~(size_t)7) * (size_t)m->ncpus;
    if (need > m->zeros_len) {
        void *p = calloc(1, need);
        if (!p) return NULL;
        free(m->zeros);
        m->zeros = p;
        m->zeros_len = need;
    }
    return m->zeros;
}

static int *map_fd_slot(struct mon *m, size_t i)
{
    int *slots[] = {&m->fd_ports, &m->fd_exact,  &m->fd_prefix, &m->fd_counters, &m->fd_pstats,
                    &m->fd_cfg,   &m->fd_events, &m->fd_rules,  &m->fd_hc,       &m->fd_hc_tb};
    return slots[i];
}

static int is_bpffs(const char *path)
{
    struct statfs st;
    return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* The pin directory must live on a bpf filesystem; mount the usual one when
 * it is missing (a fresh boot without systemd's mount unit). */
static int prepare_dir(struct mon *m)
{
    char parent[sizeof(m->pin_dir)];
    snprintf(parent, sizeof(parent), "%s", m->pin_dir);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent)
        return mon_fail(m, -EINVAL, "pin directory %s must be below a bpf filesystem", m->pin_dir);
    *slash = '\0';
    if (!is_bpffs(parent) && strcmp(parent, BPFFS_ROOT) == 0 && !is_bpffs(BPFFS_ROOT)) {
        if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700") != 0)
            return mon_fail(m, -errno, "cannot mount the bpf filesystem on %s: %s", BPFFS_ROOT,
                            strerror(errno));
    }
    if (!is_bpffs(parent)) return mon_fail(m, -ENOTSUP, "%s is not on a bpf filesystem", parent);
    if (mkdir(m->pin_dir, 0700) != 0 && errno != EEXIST)
        return mon_fail(m, -errno, "cannot create %s: %s", m->pin_dir, strerror(errno));
    return 0;
}

/* One writer at a time: the rule table and the presence bits are kept in the
 * writer's memory and would go stale under a second writer. */
static int take_lock(struct mon *m)
{
    m->lock_fd = open(m->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m->lock_fd < 0)
        return mon_fail(m, -errno, "cannot open %s: %s", m->pin_dir, strerror(errno));
    if (flock(m->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        return mon_fail(m, e == EWOULDBLOCK ? -EBUSY : -e,
                        "%s is in use by another writer (the core, or another monctl): %s",
                        m->pin_dir, strerror(e));
    }
    return 0;
}

static int same_prog(int a, int b)
{
    struct bpf_prog_info ia, ib;
    __u32 la = sizeof(ia), lb = sizeof(ib);
    memset(&ia, 0, sizeof(ia));
    memset(&ib, 0, sizeof(ib));
    if (bpf_obj_get_info_by_fd(a, &ia, &la) || bpf_obj_get_info_by_fd(b, &ib, &lb)) return 0;
    /* The tag hashes the instructions with map references blanked out. */
    return memcmp(ia.tag, ib.tag, sizeof(ia.tag)) == 0;
}

/* Keep the pinned program when it is the same code (the ports stay attached to
 * it untouched); otherwise pin the new one and report that ports must move. */
static int adopt_prog(struct mon *m, size_t i, int *changed)
{
    char path[256];
    struct bpf_program *p = bpf_object__find_program_by_name(m->obj, prog_names[i]);
    int nfd = p ? bpf_program__fd(p) : -1;
    int *slot = i == 0 ? &m->fd_ingress : &m->fd_guard;

    if (nfd < 0)
        return mon_fail(m, -ENOENT, "program %s missing from the filter object", prog_names[i]);
    if (mon_pin_path(m, prog_pins[i], path, sizeof(path)))
        return mon_fail(m, -ENAMETOOLONG, "pin path too long");
    int ofd = bpf_obj_get(path);
    if (ofd >= 0) {
        if (same_prog(ofd, nfd)) {
            *slot = ofd;
            return 0;
        }
        close(ofd);
        unlink(path);
        *changed = 1;
    }
    if (bpf_obj_pin(nfd, path) != 0)
        return mon_fail(m, -errno, "cannot pin %s: %s", path, strerror(errno));
    *slot = fcntl(nfd, F_DUPFD_CLOEXEC, 3);
    return *slot < 0 ? mon_fail(m, -errno, "dup: %s", strerror(errno)) : 0;
}

static int load_writer(struct mon *m)
{
    LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "visorflow_filter",
                .pin_root_path = m->pin_dir);
    size_t size = (size_t)(mon_bpf_obj_end - mon_bpf_obj);

    m->obj = bpf_object__open_mem(mon_bpf_obj, size, &oo);
    if (!m->obj) {
        int e = errno;
        return mon_fail(m, -e, "cannot open the embedded filter object: %s", strerror(e));
    }
    int rc = bpf_object__load(m->obj);
    if (rc)
        return mon_fail(m, rc,
                        "cannot load the filter (maps pinned under %s may be from another "
                        "version: remove them with monctl destroy): %s",
                        m->pin_dir, strerror(-rc));
    for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
        int fd = bpf_object__find_map_fd_by_name(m->obj, map_names[i]);
        if (fd < 0)
            return mon_fail(m, -ENOENT, "map %s missing from the filter object", map_names[i]);
        *map_fd_slot(m, i) = fd;
    }
    int changed = 0;
    for (size_t i = 0; i < 2; i++)
        if ((rc = adopt_prog(m, i, &changed))) return rc;
    return changed ? mon_ports_reattach(m) : 0;
}

/* Read-only: the pins alone, nothing loaded. */
static int load_reader(struct mon *m)
{
    char path[256];
    for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
        if (mon_pin_path(m, map_names[i], path, sizeof(path)))
            return mon_fail(m, -ENAMETOOLONG, "pin path too long");
        int fd = bpf_obj_get(path);
        if (fd < 0)
            return mon_fail(m, -errno, "no monitor pinned at %s (%s: %s)", m->pin_dir, path,
                            strerror(errno));
        *map_fd_slot(m, i) = fd;
    }
    for (size_t i = 0; i < 2; i++) {
        if (mon_pin_path(m, prog_pins[i], path, sizeof(path)))
            return mon_fail(m, -ENAMETOOLONG, "pin path too long");
        *(i == 0 ? &m->fd_ingress : &m->fd_guard) = bpf_obj_get(path);
    }
    return 0;
}

static int map_cfg(struct mon *m)
{
    int ro = m->flags & MON_OPEN_RDONLY;
    long page = sysconf(_SC_PAGESIZE);
    void *p =
        mmap(NULL, (size_t)page, ro ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, m->fd_cfg, 0);
    if (p == MAP_FAILED)
        return mon_fail(m, -errno, "cannot map the configuration: %s", strerror(errno));
    m->cfg = p;
    uint32_t layout = __atomic_load_n(&m->cfg->layout, __ATOMIC_ACQUIRE);
    if (layout == 0 && !ro) { /* freshly created */
        m->cfg->ev_rate = 100;
        m->cfg->ev_burst = 20;
        m->cfg->hc_rate = 50;
        m->cfg->hc_burst = 20;
        m->cfg->hc_mark = MON_HC_MARK_DEFAULT;
        __atomic_store_n(&m->cfg->layout, MON_LAYOUT_VERSION, __ATOMIC_RELEASE);
        layout = MON_LAYOUT_VERSION;
    }
    if (layout != MON_LAYOUT_VERSION)
        return mon_fail(m, -EPROTO,
                        "the monitor pinned at %s has layout %u, this library %u: "
                        "remove it (monctl destroy) and attach again",
                        m->pin_dir, layout, MON_LAYOUT_VERSION);
    return 0;
}

static struct mon *mon_new(void)
{
    struct mon *m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    m->lock_fd = m->fd_ingress = m->fd_guard = m->hc_sock = -1;
    for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
        *map_fd_slot(m, i) = -1;
    m->next_id = 1;
    return m;
}

int mon_open(struct mon **out, const char *pin_dir, unsigned flags, char *err, size_t errlen)
{
    struct mon *m = mon_new();
    int rc;

    *out = NULL;
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    m->flags = flags;
    if (!pin_dir) pin_dir = MON_PIN_DIR_DEFAULT;
    size_t n = strlen(pin_dir);
    while (n > 1 && pin_dir[n - 1] == '/')
        n--;
    if (pin_dir[0] != '/' || n >= sizeof(m->pin_dir)) {
        rc = mon_fail(m, -EINVAL, "pin directory must be an absolute path below %zu bytes",
                      sizeof(m->pin_dir));
        goto fail;
    }
    memcpy(m->pin_dir, pin_dir, n);
    m->ncpus = libbpf_num_possible_cpus();
    if (m->ncpus <= 0) {
        rc = mon_fail(m, m->ncpus ? m->ncpus : -EINVAL, "cannot count the possible CPUs");
        goto fail;
    }
    if (flags & MON_OPEN_RDONLY)
        rc = load_reader(m);
    else if (!(rc = prepare_dir(m)) && !(rc = take_lock(m)))
        rc = load_writer(m);
    if (!rc) rc = map_cfg(m);
    if (!rc) rc = mon_rules_recover(m);
    if (rc) goto fail;
    *out = m;
    return 0;
fail:
    snprintf(err, errlen, "%s", m->err[0] ? m->err : strerror(-rc));
    mon_close(m);
    return rc;
}

void mon_close(struct mon *m)
{
    if (!m) return;
    if (m->rb) ring_buffer__free(m->rb);
    if (m->hc_rb) ring_buffer__free(m->hc_rb);
    if (m->hc_sock >= 0) close(m->hc_sock);
    if (m->cfg) munmap(m->cfg, (size_t)sysconf(_SC_PAGESIZE));
    if (m->fd_ingress >= 0) close(m->fd_ingress);
    if (m->fd_guard >= 0) close(m->fd_guard);
    if (m->obj) /* owns the map descriptors */
        bpf_object__close(m->obj);
    else
        for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
            if (*map_fd_slot(m, i) >= 0) close(*map_fd_slot(m, i));
    if (m->lock_fd >= 0) close(m->lock_fd);
    free(m->zeros);
    free(m->recs);
    free(m->used);
    free(m);
}

int mon_destroy(struct mon *m)
{
    char path[256];
    int rc = 0;

    if (m->flags & MON_OPEN_RDONLY) return mon_fail(m, -EROFS, "opened read-only");
    /* Collect first: detaching edits the port map being walked. */
    uint16_t ids[MON_PORT_ID_MAX];
    int n = mon_port_ids(m, ids, MON_PORT_ID_MAX);
    for (int i = 0; i < n; i++) {
        int r = mon_detach_port(m, ids[i]);
        if (r && r != -ENOENT && !rc) rc = r;
    }
    for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
        if (!mon_pin_path(m, map_names[i], path, sizeof(path))) unlink(path);
    for (size_t i = 0; i < 2; i++)
        if (!mon_pin_path(m, prog_pins[i], path, sizeof(path))) unlink(path);
    if (rmdir(m->pin_dir) != 0 && errno != ENOENT && !rc) rc = -errno;
    mon_close(m);
    return rc;
}

int mon_prog_fd(const struct mon *m, enum mon_prog which)
{
    return which == MON_PROG_INGRESS ? m->fd_ingress : m->fd_guard;
}
