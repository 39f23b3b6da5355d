# mk/bpf.mk - the eBPF filter (src/bpf/filter.bpf.c) and what depends on it.
# Included by the top-level Makefile after B, CC, CFLAGS_ALL and LIB are set.
# The object is embedded into the library (src/mon/mon_blob.c, .incbin), so a
# program using libvisorflow needs no path to it at run time.

# Keep `all` the default goal wherever this file is included.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

BPF_CLANG ?= clang
BPF_ARCH_INC ?= /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
BPF_CFLAGS ?= -O2 -g -target bpf -Wall -Wextra -Werror -I$(BPF_ARCH_INC) -Isrc/bpf
BPF_OBJ := $(B)/bpf/filter.bpf.o
BPF_HDRS := $(wildcard src/bpf/*.h)

$(BPF_OBJ): src/bpf/filter.bpf.c $(BPF_HDRS)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

# The blob's object file includes the BPF object by absolute path.
$(B)/obj/mon/mon_blob.o: $(BPF_OBJ)
$(B)/obj/mon/mon_blob.o: CFLAGS_ALL += -DMON_BPF_OBJ_PATH='"$(abspath $(BPF_OBJ))"'

# bench/overhead.sh's baseline: the same redirect between G and U, no filter.
BENCH_BPF_OBJ := $(B)/bpf/passthru.bpf.o
$(BENCH_BPF_OBJ): bench/passthru.bpf.c
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/bench/passthru: bench/passthru.c $(BENCH_BPF_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< $(LDFLAGS_ALL) $(PKG_LIBS) -o $@

.PHONY: bpf
bpf: $(BPF_OBJ) $(BENCH_BPF_OBJ) $(B)/bench/passthru
all: bpf
