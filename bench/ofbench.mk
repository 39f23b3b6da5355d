# bench/ofbench.mk - builds the controller benchmark tools, standalone or
# included: `make -f bench/ofbench.mk [B=build]` gives $(B)/bench/ofbench (the
# load generator) and $(B)/bench/ofecho (the trivial responder). They compile
# the codec and socket sources directly instead of linking libvisorflow.a, so
# they need neither Lua nor the rest of the tree to build (ofbench needs
# OpenSSL, for --tls).
B ?= build
OFB_CC ?= $(if $(filter default,$(origin CC)),gcc,$(CC))
OFB_CFLAGS ?= -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla -Isrc -I. -D_GNU_SOURCE
OFB_OF10 := $(wildcard src/of10/*.c)
OFB_DEPS := $(wildcard src/of10/*.h) src/lib/be.h src/lib/sock.h src/lib/sock.c
# --tls: the controller's own TLS code (src/tls), linked with OpenSSL.
OFB_TLS := src/tls/tls_ctx.c src/tls/tls_conn.c
OFB_TLS_LIBS := $(shell pkg-config --libs libssl libcrypto 2>/dev/null || echo -lssl -lcrypto)

.PHONY: ofbench
ofbench: $(B)/bench/ofbench $(B)/bench/ofecho

$(B)/bench/ofbench: bench/ofbench.c bench/ofbench_switch.c bench/ofbench_tls.c bench/ofbench.h \
                   $(OFB_OF10) $(OFB_DEPS) $(OFB_TLS) $(wildcard src/tls/*.h)
	@mkdir -p $(dir $@)
	$(OFB_CC) $(OFB_CFLAGS) bench/ofbench.c bench/ofbench_switch.c bench/ofbench_tls.c \
	    $(OFB_OF10) src/lib/sock.c $(OFB_TLS) -lm $(OFB_TLS_LIBS) -o $@

$(B)/bench/ofecho: bench/ofecho.c $(OFB_DEPS)
	@mkdir -p $(dir $@)
	$(OFB_CC) $(OFB_CFLAGS) bench/ofecho.c src/lib/sock.c -o $@
