/*
 * mon_blob.c - the compiled filter (build/bpf/filter.bpf.o) embedded in the
 * library, so that loading it needs no file path at run time. mk/bpf.mk passes
 * the object's absolute path as MON_BPF_OBJ_PATH and orders the build.
 */
#include "mon/mon_internal.h"

#ifndef MON_BPF_OBJ_PATH
#error "MON_BPF_OBJ_PATH must name the built filter object (set by mk/bpf.mk)"
#endif

__asm__(".pushsection .rodata\n"
        ".balign 8\n"
        ".globl mon_bpf_obj\n"
        ".type mon_bpf_obj, @object\n"
        "mon_bpf_obj:\n"
        ".incbin \"" MON_BPF_OBJ_PATH "\"\n"
        ".globl mon_bpf_obj_end\n"
        ".type mon_bpf_obj_end, @object\n"
        "mon_bpf_obj_end:\n"
        ".byte 0\n"
        ".popsection\n");
