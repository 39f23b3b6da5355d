# visorflow - plain GNU make. `make` builds, `make test` runs every test,
# `make demo` runs the main job. Both install their own Debian packages first.
#
#   make test              unit tests (plain + ASan/UBSan build), fuzz smoke, integration
#   make test SANITIZE=1   the whole suite with the ASan/UBSan build only
#   make fuzz              libFuzzer targets (clang) into build/fuzz/

SHELL := /bin/bash
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
FUZZ_CC ?= clang

PKGS := lua5.4 cmocka libseccomp libbpf libssl libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wformat=2 -Wvla
BASE_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Isrc -D_GNU_SOURCE $(PKG_CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

ifeq ($(SANITIZE),1)
B ?= build/asan
CFLAGS_ALL := $(BASE_CFLAGS) -O1 $(SAN_FLAGS)
LDFLAGS_ALL := $(SAN_FLAGS)
else
B ?= build
CFLAGS_ALL := $(BASE_CFLAGS)
LDFLAGS_ALL :=
endif

# Library code: every module below src/ except the programs' own mains.
LIB_DIRS := src/lib src/msg src/of10 src/pkt src/lua src/conf src/ofc src/lof src/sbx src/brk
LIB_DIRS += src/mon src/hc src/tls src/mgmt
LIB_DIRS += src/etcd
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(patsubst src/%.c,$(B)/obj/%.o,$(LIB_SRCS))
LIB := $(B)/libvisorflow.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(B)/tools/%,$(TOOL_SRCS))

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
# Fuzz targets exercise the parsers of external bytes; they need no Lua.
FUZZ_LIB_SRCS := $(foreach d,src/lib src/msg src/of10 src/pkt,$(wildcard $(d)/*.c))
# The hypercall codec and server (not hc_mon.c: it needs libbpf).
FUZZ_LIB_SRCS += src/hc/hc_wire.c src/hc/hc_text.c src/hc/hc_server.c
# The management API's request parser and the rule text it uses.
FUZZ_LIB_SRCS += $(wildcard src/mgmt/*.c) src/mon/mon_rule_text.c
# The etcd gateway codec (src/etcd): pure, no Lua, no libbpf.
FUZZ_LIB_SRCS += $(wildcard src/etcd/*.c)

# Programs: one folder each, linked against the library.
DAEMON_OBJS := $(patsubst src/%.c,$(B)/obj/%.o,$(wildcard src/daemon/*.c))
CTL_OBJS := $(patsubst src/%.c,$(B)/obj/%.o,$(wildcard src/ctl/*.c))
DOMAIN_OBJS := $(patsubst src/%.c,$(B)/obj/%.o,$(wildcard src/domain/*.c))
PROGS := $(B)/visorflowd $(B)/visorflowctl $(B)/visorflow-domain

.PHONY: all deps test unit fuzz demo clean format asan
include mk/bpf.mk
all: $(LIB) $(PROGS) $(UNIT_BINS) $(TOOL_BINS)

# The core links no Lua and no seccomp: it parses neither (--as-needed drops
# what no object of it references).
$(B)/visorflowd: $(DAEMON_OBJS) $(LIB)
	$(CC) $(DAEMON_OBJS) $(LIB) $(LDFLAGS_ALL) -Wl,--as-needed $(PKG_LIBS) -o $@

# A protection domain: the controller engine, the Lua apps, the sandbox.
$(B)/visorflow-domain: $(DOMAIN_OBJS) $(LIB)
	$(CC) $(DOMAIN_OBJS) $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS) -o $@

# The management API's client takes the frame code from the library and
# OpenSSL; --as-needed leaves out the rest.
$(B)/visorflowctl: $(CTL_OBJS) $(LIB)
	$(CC) $(CTL_OBJS) $(LIB) $(LDFLAGS_ALL) -Wl,--as-needed $(PKG_LIBS) -o $@

# vfguest: the guest's hypercall tool, a static binary to copy into any guest.
# It links src/hc's codec and nothing else; musl keeps it small and free of
# glibc's static-NSS caveats (plain gcc -static when musl-gcc is missing).
VFGUEST_CC ?= $(shell command -v musl-gcc >/dev/null 2>&1 && echo musl-gcc || echo $(CC))
VFGUEST_SRCS := src/vfguest/vfguest.c src/hc/hc_wire.c src/hc/hc_text.c
$(B)/vfguest: $(VFGUEST_SRCS) src/hc/hc.h
	@mkdir -p $(dir $@)
	$(VFGUEST_CC) -std=gnu11 -O2 $(WARN) -Isrc -D_GNU_SOURCE -static $(VFGUEST_SRCS) -o $@
all: $(B)/vfguest

deps:
	@bash scripts/deps.sh

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit $< $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS) -o $@

# Unit tests of the core's own files (test_vfd_*.c) link its objects, less its main.
VFD_TEST_OBJS := $(filter-out $(B)/obj/daemon/vfd_main.o,$(DAEMON_OBJS))
$(B)/tests/test_vfd_%: tests/unit/test_vfd_%.c $(wildcard tests/unit/*.h) $(VFD_TEST_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit $< $(VFD_TEST_OBJS) $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS) -o $@

$(B)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS) -o $@

# libFuzzer needs clang; the library is compiled again with coverage hooks.
FUZZ_FLAGS := -std=gnu11 -O1 -g -Isrc -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=all
build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(FUZZ_LIB_SRCS) -o $@

fuzz: $(FUZZ_BINS)

unit: $(UNIT_BINS) $(TOOL_BINS)

# The test runner prints the single closing line "N passed, N failed, N skipped".
# The builds run on every CPU (the tests themselves run one at a time: they
# share Open vSwitch and measure time).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(SANITIZE),1)
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=1 all
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz
	@bash tests/run.sh --build build/asan
else
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=1 all
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz
	@bash tests/run.sh --build build --also-unit build/asan
endif

asan:
	@$(MAKE) --no-print-directory SANITIZE=1 all

demo: deps all
	@bash scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(DAEMON_OBJS:.o=.d) $(CTL_OBJS:.o=.d) $(DOMAIN_OBJS:.o=.d)
