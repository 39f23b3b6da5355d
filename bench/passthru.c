/*
 * passthru.c - attaches bench/passthru.bpf.c on a guest port G and its uplink U
 * (tc ingress of both, the monitor's handle and priority) or removes it.
 *   passthru attach G U [OBJ]    passthru detach G U
 * OBJ defaults to ../bpf/passthru.bpf.o beside this program's build directory.
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

int main(int argc, char **argv)
{
    char obj_path[PATH_MAX], exe[PATH_MAX];
    if (argc < 4 || (strcmp(argv[1], "attach") && strcmp(argv[1], "detach"))) {
        fprintf(stderr, "usage: passthru attach|detach G U [OBJ]\n");
        return 2;
    }
    int g = (int)if_nametoindex(argv[2]), u = (int)if_nametoindex(argv[3]);
    if (!g || !u) {
        fprintf(stderr, "passthru: no interface %s\n", !g ? argv[2] : argv[3]);
        return 1;
    }
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
