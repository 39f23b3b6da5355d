/*
 * fuzz_msg.c - libFuzzer target for src/msg: what a hostile domain (or a
 * subverted core) can put in one datagram. Input: one control byte (bits
 * 0-2: fds that "came with it", 0..4; bits 3-4: sender kind), then the
 * datagram. It goes through msg_hdr_parse and msg_dispatch with full handler
 * tables whose handlers only parse, then the payload is decoded as every
 * type. Invariants (trap on violation):
 *   - every fd handed in is closed afterwards, whatever the outcome;
 *   - an accepted payload re-encodes to exactly the same bytes (one
 *     canonical form, so nothing a decoder ignores can hide in a message);
 *   - dispatch accepts only known types of the sender's direction whose
 *     payload msg_check accepts too, and every rejection has a reason.
 * The payload is copied to a buffer of its exact size so ASan sees any read
 * past its end. Seeds: tests/fuzz/corpus/msg (tests/tools/msg_corpus.c).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) __builtin_trap();                                                                \
    } while (0)

static struct msg_handler core_tab[32], dom_tab[32];
static uint8_t again[MSG_MAX_PAYLOAD];
static int devnull = -1;

/* Parse, re-encode, compare; keep (close) the fds on odd sequence numbers so
 * both "handler took it" and "dispatch closes it" paths run. */
static int h_parse(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    union msg_body body;
    struct msg_w w;
    (void)ctx;
    if (msg_decode(h->type, r, nfds, &body) != MSG_OK) return MSG_FATAL;
    msg_w_init(&w, again, sizeof(again));
    CHECK(msg_encode(h->type, &w, &body) == MSG_OK);
    CHECK(w.len == r->len && memcmp(again, r->p, w.len) == 0);
    if (h->id & 1) {
        for (int i = 0; i < nfds; i++) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
    return MSG_OK;
}

static void build_tables(void)
{
    size_t nc = 0, nd = 0;
    char err[MSG_ERR_MAX];
    for (size_t i = 0; msg_spec_at(i); i++) {
        const struct msg_spec *s = msg_spec_at(i);
        if (s->dir == MSG_DIR_C2D) {
            dom_tab[nd++] = (struct msg_handler){s->type, MSG_KBIT(MSG_KIND_CORE), h_parse};
        } else {
            uint32_t perm = MSG_KBIT(MSG_KIND_OF);
            if (s->type != MSG_SOCK_CONNECT && s->type != MSG_RECORD)
                perm |= MSG_KBIT(MSG_KIND_MGMT);
            core_tab[nc++] = (struct msg_handler){s->type, perm, h_parse};
        }
    }
    CHECK(msg_table_check(core_tab, err, sizeof(err)) == MSG_OK);
    CHECK(msg_table_check(dom_tab, err, sizeof(err)) == MSG_OK);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(devnull >= 0);
}

/* Decode the payload as every type: more decoder coverage per input. */
static void decode_as_all(const uint8_t *p, size_t len, int nfds)
{
    for (size_t i = 0; msg_spec_at(i); i++) {
        uint16_t type = msg_spec_at(i)->type;
        union msg_body body;
        struct msg_r r;
        struct msg_w w;
        msg_r_init(&r, p, len);
        int rc = msg_decode(type, &r, nfds, &body);
        CHECK((rc == MSG_OK) == !r.failed);
        CHECK(rc == MSG_OK || r.err[0]);
        if (rc != MSG_OK) continue;
        CHECK(r.pos == len);
        msg_w_init(&w, again, sizeof(again));
        CHECK(msg_encode(type, &w, &body) == MSG_OK);
        CHECK(w.len == len && memcmp(again, p, len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (devnull < 0) build_tables();
    if (size < 1) return 0;
    int nfds = (data[0] & 7) % (MSG_MAX_FDS + 1), kind = ((data[0] >> 3) & 3) % MSG_KIND_COUNT;
    int fds[MSG_MAX_FDS], orig[MSG_MAX_FDS];
    for (int i = 0; i < nfds; i++) {
        orig[i] = fds[i] = dup(devnull);
        CHECK(fds[i] >= 0);
    }
    data++, size--;

    char err[MSG_ERR_MAX] = "";
    struct msg_hdr h;
    if (msg_hdr_parse(data, size, nfds, &h, err, sizeof(err)) != MSG_OK) {
        CHECK(err[0]);
        msg_close_fds(fds, nfds); /* as msg_recv does */
    } else {
        CHECK(h.len == size - MSG_HDR_LEN && h.len <= MSG_MAX_PAYLOAD && h.flags == 0);
        uint8_t *p = malloc(h.len ? h.len : 1);
        CHECK(p);
        memcpy(p, data + MSG_HDR_LEN, h.len);
        const struct msg_handler *tab = kind == MSG_KIND_CORE ? dom_tab : core_tab;
        err[0] = '\0';
        int rc = msg_dispatch(tab, kind, NULL, &h, p, fds, nfds, err, sizeof(err));
        if (rc == MSG_OK) {
            const struct msg_spec *s = msg_spec_find(h.type);
            CHECK(s && s->dir == (kind == MSG_KIND_CORE ? MSG_DIR_C2D : MSG_DIR_D2C));
            CHECK(msg_check(h.type, p, h.len, nfds, err, sizeof(err)) == MSG_OK);
        } else {
            CHECK(rc == MSG_FATAL && err[0]);
        }
        decode_as_all(p, h.len, nfds);
        free(p);
    }
    for (int i = 0; i < nfds; i++)
        CHECK(fds[i] == -1 && fcntl(orig[i], F_GETFD) < 0);
    return 0;
}
