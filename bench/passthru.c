/*
 * passthru.c - attaches bench/passthru.bpf.c on a guest port G and its uplink U
 * (tc ingress of both, the monitor's handle and priority) or removes it.
 *   passthru attach G U [OBJ]    passthru detach G U    passthru progstats G U
 * OBJ defaults to ../bpf/passthru.bpf.o beside this program's build directory.
 * progstats prints the kernel's statistics of the program on G's and U's tc
 * ingress (found by handle and priority; the program is not pinned) in monctl
 * progstats's form: NAME ID RUN_CNT RUN_TIME_NS, one line per distinct program.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define TC_HANDLE 0x5646u
#define TC_PRIO   1u

static int hook(int ifindex, int fd)
{
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = TC_PRIO, .prog_fd = fd,
                .flags = BPF_TC_F_REPLACE);
    int rc = bpf_tc_hook_create(&h);
    if (rc && rc != -EEXIST) return rc;
    return bpf_tc_attach(&h, &o);
}

static void unhook(int ifindex)
{
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
    bpf_tc_hook_destroy(&h); /* the whole clsact qdisc: bench ports are ours */
}

static int progstats(int g, int u)
{
    __u32 seen = 0;
    int ifs[2] = {g, u};
    for (int i = 0; i < 2; i++) {
        LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifs[i], .attach_point = BPF_TC_INGRESS);
        LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = TC_PRIO);
        struct bpf_prog_info info;
        __u32 len = sizeof(info);
        if (bpf_tc_query(&h, &o) != 0) {
            fprintf(stderr, "passthru: progstats: nothing attached on %s ingress\n", i ? "U" : "G");
            return 1;
        }
        if (o.prog_id == seen) continue; /* the same program on both hooks */
        int fd = bpf_prog_get_fd_by_id(o.prog_id);
        memset(&info, 0, sizeof(info));
        int rc = fd < 0 ? -1 : bpf_obj_get_info_by_fd(fd, &info, &len);
        if (fd >= 0) close(fd);
        if (rc) {
            fprintf(stderr, "passthru: progstats: program %u: %s\n", o.prog_id, strerror(errno));
            return 1;
        }
        printf("passthru %u %llu %llu\n", info.id, (unsigned long long)info.run_cnt,
               (unsigned long long)info.run_time_ns);
        seen = o.prog_id;
    }
    return 0;
}

int main(int argc, char **argv)
{
    char obj_path[PATH_MAX], exe[PATH_MAX];
    if (argc < 4 ||
        (strcmp(argv[1], "attach") && strcmp(argv[1], "detach") && strcmp(argv[1], "progstats"))) {
        fprintf(stderr, "usage: passthru attach|detach|progstats G U [OBJ]\n");
        return 2;
    }
    int g = (int)if_nametoindex(argv[2]), u = (int)if_nametoindex(argv[3]);
    if (!g || !u) {
        fprintf(stderr, "passthru: no interface %s\n", !g ? argv[2] : argv[3]);
        return 1;
    }
    if (strcmp(argv[1], "progstats") == 0) return progstats(g, u);
    if (strcmp(argv[1], "detach") == 0) {
        unhook(g);
        unhook(u);
        return 0;
    }
    if (argc > 4) {
        snprintf(obj_path, sizeof(obj_path), "%s", argv[4]);
    } else {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0) {
            perror("passthru: /proc/self/exe");
            return 1;
        }
        exe[n] = '\0';
        snprintf(obj_path, sizeof(obj_path), "%s/../bpf/passthru.bpf.o", dirname(exe));
    }
    struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
    if (!obj) {
        fprintf(stderr, "passthru: cannot open %s: %s\n", obj_path, strerror(errno));
        return 1;
    }
    struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata");
    __u32 vals[2] = {(__u32)g, (__u32)u};
    if (!ro || bpf_map__set_initial_value(ro, vals, sizeof(vals)) || bpf_object__load(obj)) {
        fprintf(stderr, "passthru: cannot load %s\n", obj_path);
        return 1;
    }
    int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "passthru"));
    int rc = hook(g, fd);
    if (!rc) rc = hook(u, fd);
    if (rc) {
        fprintf(stderr, "passthru: attach: %s\n", strerror(-rc));
        unhook(g);
        unhook(u);
    }
    bpf_object__close(obj); /* the tc filters keep the program */
    return rc ? 1 : 0;
}
