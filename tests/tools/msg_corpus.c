/*
 * msg_corpus.c - write the seed corpus of tests/fuzz/fuzz_msg.c: every
 * message type in each fixture variant (tests/unit/msg_fixtures.h), encoded
 * and checked with the real codec, as fuzz_msg reads its input: one control
 * byte (fd count | sender kind << 3) then the datagram.
 *   usage: msg_corpus DIR      (files named TYPE_vN; existing ones replaced)
 * Seeds over 8 KiB are skipped: libFuzzer sizes its inputs from the largest
 * seed, and a 200 KiB APP_SOURCES would slow every run for no new coverage.
 */
#include <stdio.h>
#include <string.h>

#include "../unit/msg_fixtures.h"

#define SEED_MAX 8192

static uint8_t payload[MSG_MAX_PAYLOAD];

static int write_seed(const char *dir, const struct msg_spec *s, int v)
{
    union msg_body b;
    struct msg_w w;
    char err[MSG_ERR_MAX], path[512];
    int nfds = msgfx_fill(s->type, v, &b);
    msg_w_init(&w, payload, sizeof(payload));
    if (msg_encode(s->type, &w, &b) != MSG_OK ||
        msg_check(s->type, payload, w.len, nfds, err, sizeof(err)) != MSG_OK) {
        fprintf(stderr, "msg_corpus: %s v%d does not encode: %s\n", s->name, v, err);
        return -1;
    }
    if (w.len + MSG_HDR_LEN + 1 > SEED_MAX) return 0;
    int kind = s->dir == MSG_DIR_C2D ? MSG_KIND_CORE : MSG_KIND_OF;
    uint8_t ctl = (uint8_t)(nfds | kind << 3), hdr[MSG_HDR_LEN];
    struct msg_hdr h = {s->type, 0, (uint32_t)w.len, (uint32_t)(v + 1)};
    msg_hdr_put(hdr, &h);
    snprintf(path, sizeof(path), "%s/%s_v%d", dir, s->name, v);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(&ctl, 1, 1, f) != 1 || fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr) ||
        fwrite(payload, 1, w.len, f) != w.len || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: msg_corpus DIR\n");
        return 2;
    }
    int n = 0;
    for (size_t i = 0; msg_spec_at(i); i++) {
        for (int v = 0; v < MSGFX_VARIANTS; v++) {
            int rc = write_seed(argv[1], msg_spec_at(i), v);
            if (rc < 0) return 1;
            n += rc;
        }
    }
    printf("msg_corpus: %d seeds in %s\n", n, argv[1]);
    return 0;
}
