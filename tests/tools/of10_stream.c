/*
 * of10_stream.c - decode captured OpenFlow 1.0 TCP streams with the of10 codec.
 * Input: lines "DIR HEX", one TCP segment payload per line, in capture order;
 * DIR is any token naming one direction of one connection. Output: one line per
 * message, "DIR <of10_print text>" or "DIR ERROR <error name> <hex prefix>".
 * With -k each decoded line carries a stable kind after DIR, "[OFPT_HELLO]" or
 * "[OFPT_STATS_REPLY/OFPST_FLOW]", for scripts that must not depend on the
 * printer's wording. Exit 0 when every message decoded, 1 when one did not,
 * 2 on malformed input or usage.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "of10/of10.h"

#define MAX_DIRS   256
#define HEX_PREFIX 32 /* bytes of a failed message shown in its ERROR line */

/* One direction of one connection: bytes received but not yet framed. */
struct dir {
    char *name;
    unsigned char *buf;
    size_t len, cap;
    bool dead; /* framing lost (length field < 8): the rest is not decodable */
};

static struct dir dirs[MAX_DIRS];
static size_t n_dirs;
static unsigned char arena_mem[OF10_ARENA_SIZE];
static bool show_kind;

static void die_input(unsigned long lineno, const char *why)
{
    fprintf(stderr, "of10_stream: line %lu: %s\n", lineno, why);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "of10_stream: out of memory\n");
        exit(2);
    }
    return q;
}

static struct dir *dir_get(const char *name)
{
    for (size_t i = 0; i < n_dirs; i++)
        if (!strcmp(dirs[i].name, name)) return &dirs[i];
    if (n_dirs == MAX_DIRS) return NULL;
    struct dir *d = &dirs[n_dirs++];
    memset(d, 0, sizeof *d);
    d->name = strdup(name);
    if (!d->name) {
        fprintf(stderr, "of10_stream: out of memory\n");
        exit(2);
    }
    return d;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Append the hex digits of s to d; ':' separators (older tshark) are skipped.
 * Returns false on a non-hex character or an odd number of digits. */
static bool dir_append_hex(struct dir *d, const char *s)
{
    int hi = -1;
    for (; *s; s++) {
        if (*s == ':' || isspace((unsigned char)*s)) continue;
        int v = hexval((unsigned char)*s);
        if (v < 0) return false;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (d->len == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 4096;
            d->buf = xrealloc(d->buf, d->cap);
        }
        d->buf[d->len++] = (unsigned char)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0;
}

static void print_hex_prefix(const unsigned char *p, size_t len)
{
    size_t n = len < HEX_PREFIX ? len : HEX_PREFIX;
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    if (n < len) printf("...");
}

/* Decode and print one framed message; returns false when it did not decode. */
static bool emit(const struct dir *d, const unsigned char *p, size_t len)
{
    static char small[4096];
    struct of10_arena arena;
    struct of10_msg m;

    of10_arena_init(&arena, arena_mem, sizeof arena_mem);
    uint32_t err = of10_decode(p, len, &m, &arena);
    if (err != OF10_OK) {
        printf("%s ERROR %s ", d->name, of10_err_name(err));
        print_hex_prefix(p, len);
        printf("\n");
        return false;
    }
    printf("%s ", d->name);
    if (show_kind) {
        printf("[%s", of10_type_name(m.type));
        if (m.type == OFPT10_STATS_REQUEST)
            printf("/%s", of10_stats_type_name(m.u.stats_request.type));
        else if (m.type == OFPT10_STATS_REPLY)
            printf("/%s", of10_stats_type_name(m.u.stats_reply.type));
        printf("] ");
    }
    size_t want = of10_print(&m, small, sizeof small);
    if (want < sizeof small) {
        printf("%s\n", small);
        return true;
    }
    char *big = xrealloc(NULL, want + 1);
    of10_print(&m, big, want + 1);
    printf("%s\n", big);
    free(big);
    return true;
}

/* Frame and decode every whole message buffered in d. */
static bool dir_drain(struct dir *d)
{
    bool ok = true;
    size_t off = 0;
    while (!d->dead && d->len - off >= OFP10_HEADER_LEN) {
        size_t mlen = of10_frame_len(d->buf + off);
        if (mlen == 0) {
            printf("%s ERROR %s ", d->name, of10_err_name(OF10_E_BAD_LEN));
            print_hex_prefix(d->buf + off, d->len - off);
            printf(" (framing lost)\n");
            d->dead = true;
            ok = false;
            break;
        }
        if (d->len - off < mlen) break;
        ok &= emit(d, d->buf + off, mlen);
        off += mlen;
    }
    if (d->dead) off = d->len;
    if (off) {
        memmove(d->buf, d->buf + off, d->len - off);
        d->len -= off;
    }
    return ok;
}

int main(int argc, char **argv)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    bool ok = true;

    if (argc == 2 && !strcmp(argv[1], "-k")) {
        show_kind = true;
    } else if (argc != 1) {
        fprintf(stderr, "usage: of10_stream [-k] < \"DIR HEX\" lines\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '\0' || *s == '#') continue;
        char *name = s;
        while (*s && !isspace((unsigned char)*s))
            s++;
        if (*s == '\0') die_input(lineno, "expected \"DIR HEX\"");
        *s++ = '\0';
        struct dir *d = dir_get(name);
        if (!d) die_input(lineno, "too many directions");
        if (!dir_append_hex(d, s)) die_input(lineno, "bad hex payload");
        ok &= dir_drain(d);
    }
    free(line);
    for (size_t i = 0; i < n_dirs; i++) {
        if (dirs[i].len && !dirs[i].dead) {
            printf("%s ERROR INCOMPLETE %zu bytes left at end of input: ", dirs[i].name,
                   dirs[i].len);
            print_hex_prefix(dirs[i].buf, dirs[i].len);
            printf("\n");
            ok = false;
        }
        free(dirs[i].buf);
        free(dirs[i].name);
    }
    return ok ? 0 : 1;
}
