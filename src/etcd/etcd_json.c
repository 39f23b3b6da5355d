/*
 * etcd_json.c - a strict, bounded JSON tokenizer for one message from etcd.
 *
 * Decisions:
 * - RFC 8259 and nothing more: no comments, no trailing commas, no leading
 *   zeros, no control characters in strings, every escape checked (\u with
 *   four hex digits; a high surrogate must be followed by a low one, a low
 *   one never stands alone). Raw bytes >= 0x80 are passed through unchecked:
 *   base64 and names never carry them, and UTF-8 validity is not ours to
 *   enforce.
 * - One pass, O(n), no recursion: open containers sit on a fixed stack of
 *   ETCD_DEPTH_MAX entries, tokens in the caller's array (at most
 *   ETCD_TOKENS_MAX). A failure names what was wrong and the byte offset.
 * - Duplicate member names are refused here, once for every walker: two
 *   "succeeded" fields must never mean whichever a reader happens to see
 *   first. Names compare after unescaping ("\u0061" is "a").
 */
#include <stdio.h>
#include <string.h>

#include "etcd/etcd_internal.h"

#define ETCD_STR_(x) #x
#define ETCD_STR(x)  ETCD_STR_(x)

int etcd_err(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s (n bytes left): the value or -1. */
static long hex4(const char *s, size_t n)
{
    if (n < 4) return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(s[k]);
        if (h < 0) return -1;
        v = v << 4 | h;
    }
    return v;
}

/* ---- the string reader shared by comparisons and copies ----------------------------- */

/* Yields a string token's decoded bytes one at a time (escapes become UTF-8). */
struct sit {
    const char *p;
    size_t i, end;
    uint8_t pend[4];
    int npend, ipend;
};

static void sit_init(struct sit *s, const struct etcd_json *j, size_t t)
{
    s->p = j->src;
    s->i = j->t[t].pos;
    s->end = s->i + j->t[t].len;
    s->npend = s->ipend = 0;
}

static void utf8_put(struct sit *s, uint32_t cp)
{
    s->ipend = 0;
    if (cp < 0x80) {
        s->pend[0] = (uint8_t)cp;
        s->npend = 1;
    } else if (cp < 0x800) {
        s->pend[0] = (uint8_t)(0xc0 | cp >> 6);
        s->pend[1] = (uint8_t)(0x80 | (cp & 0x3f));
        s->npend = 2;
    } else if (cp < 0x10000) {
        s->pend[0] = (uint8_t)(0xe0 | cp >> 12);
        s->pend[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        s->pend[2] = (uint8_t)(0x80 | (cp & 0x3f));
        s->npend = 3;
    } else {
        s->pend[0] = (uint8_t)(0xf0 | cp >> 18);
        s->pend[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
        s->pend[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        s->pend[3] = (uint8_t)(0x80 | (cp & 0x3f));
        s->npend = 4;
    }
}

/* The next byte, or -1 at the end. Escapes were validated by the tokenizer. */
static int sit_next(struct sit *s)
{
    if (s->ipend < s->npend) return s->pend[s->ipend++];
    if (s->i >= s->end) return -1;
    char c = s->p[s->i++];
    if (c != '\\') return (uint8_t)c;
    c = s->p[s->i++];
    switch (c) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'u':
        break;
    default:
        return (uint8_t)c; /* " \ / */
    }
    uint32_t cp = (uint32_t)hex4(s->p + s->i, 4);
    s->i += 4;
    if (cp >= 0xd800 && cp < 0xdc00) { /* the tokenizer saw the low half follow */
        uint32_t lo = (uint32_t)hex4(s->p + s->i + 2, 4);
        s->i += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    utf8_put(s, cp);
    return s->pend[s->ipend++];
}

long etcd_json_str(const struct etcd_json *j, size_t i, char *dst, size_t cap)
{
    struct sit s;
    size_t n = 0;
    int c;
    sit_init(&s, j, i);
    while ((c = sit_next(&s)) >= 0) {
        if (n >= cap) return -1;
        dst[n++] = (char)c;
    }
    return (long)n;
}

int etcd_json_str_eq(const struct etcd_json *j, size_t i, const char *name)
{
    const struct etcd_tok *t = &j->t[i];
    size_t nl = strlen(name);
    /* The common case, no escapes: a plain comparison. */
    if (t->len == nl && !memchr(j->src + t->pos, '\\', t->len))
        return memcmp(j->src + t->pos, name, nl) == 0;
    struct sit s;
    size_t k = 0;
    int c;
    sit_init(&s, j, i);
    while ((c = sit_next(&s)) >= 0)
        if (k >= nl || (uint8_t)name[k++] != c) return 0;
    return k == nl;
}

int etcd_json_str_same(const struct etcd_json *j, size_t a, size_t b)
{
    struct sit x, y;
    int c, d;
    sit_init(&x, j, a);
    sit_init(&y, j, b);
    do {
        c = sit_next(&x);
        d = sit_next(&y);
        if (c != d) return 0;
    } while (c >= 0);
    return 1;
}

/* ---- the tokenizer ------------------------------------------------------------------ */

struct jp {
    struct etcd_json *j;
    const char *s;
    size_t n, i;
    char *err;
    size_t errcap;
};

static int jp_fail(struct jp *p, const char *what)
{
    if (p->i >= p->n)
        return etcd_err(p->err, p->errcap, "JSON: %s at offset %zu (truncated)", what, p->i);
    return etcd_err(p->err, p->errcap, "JSON: %s at offset %zu", what, p->i);
}

static void jp_ws(struct jp *p)
{
    while (p->i < p->n && is_ws(p->s[p->i]))
        p->i++;
}

static long jp_tok(struct jp *p, int type, size_t pos, size_t len)
{
    struct etcd_json *j = p->j;
    size_t cap = j->cap < ETCD_TOKENS_MAX ? j->cap : ETCD_TOKENS_MAX;
    if (j->n >= cap) return etcd_err(p->err, p->errcap, "JSON: more than %zu tokens", cap);
    struct etcd_tok *t = &j->t[j->n];
    t->type = (uint8_t)type;
    t->pos = (uint32_t)pos;
    t->len = (uint32_t)len;
    t->size = 0;
    t->next = (uint32_t)(j->n + 1);
    return (long)j->n++;
}

/* A string at p->i (its opening quote): the token index, or -1. */
static long jp_string(struct jp *p)
{
    size_t start = ++p->i;
    while (p->i < p->n) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') {
            long t = jp_tok(p, ETCD_T_STR, start, p->i - start);
            p->i++;
            return t;
        }
        if (c < 0x20) return jp_fail(p, "control character in string");
        if (c != '\\') {
            p->i++;
            continue;
        }
        if (p->i + 1 >= p->n) return jp_fail(p, "unterminated escape");
        c = (unsigned char)p->s[p->i + 1];
        if (strchr("\"\\/bfnrt", c) && c) {
            p->i += 2;
            continue;
        }
        if (c != 'u') return jp_fail(p, "bad escape");
        long cp = hex4(p->s + p->i + 2, p->n - p->i - 2);
        if (cp < 0) return jp_fail(p, "bad \\u escape");
        if (cp >= 0xdc00 && cp < 0xe000) return jp_fail(p, "lone low surrogate");
        if (cp >= 0xd800 && cp < 0xdc00) {
            size_t k = p->i + 6;
            long lo = (k + 1 < p->n && p->s[k] == '\\' && p->s[k + 1] == 'u')
                          ? hex4(p->s + k + 2, p->n - k - 2)
                          : -1;
            if (lo < 0xdc00 || lo >= 0xe000)
                return jp_fail(p, "high surrogate without low surrogate");
            p->i += 6;
        }
        p->i += 6;
    }
    return jp_fail(p, "unterminated string");
}

static long jp_number(struct jp *p)
{
    size_t start = p->i;
    const char *s = p->s;
    if (p->i < p->n && s[p->i] == '-') p->i++;
    if (p->i >= p->n) return jp_fail(p, "bad number");
    if (s[p->i] == '0') {
        p->i++;
        if (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            return jp_fail(p, "leading zero in number");
    } else if (s[p->i] >= '1' && s[p->i] <= '9') {
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    } else {
        return jp_fail(p, "bad number");
    }
    if (p->i < p->n && s[p->i] == '.') {
        p->i++;
        if (p->i >= p->n || s[p->i] < '0' || s[p->i] > '9') return jp_fail(p, "bad fraction");
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    }
    if (p->i < p->n && (s[p->i] == 'e' || s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (s[p->i] == '+' || s[p->i] == '-')) p->i++;
        if (p->i >= p->n || s[p->i] < '0' || s[p->i] > '9') return jp_fail(p, "bad exponent");
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    }
    return jp_tok(p, ETCD_T_NUM, start, p->i - start);
}

static long jp_literal(struct jp *p, const char *word, int type)
{
    size_t l = strlen(word);
    if (p->n - p->i < l || memcmp(p->s + p->i, word, l) != 0)
        return jp_fail(p, "unexpected character");
    long t = jp_tok(p, type, p->i, l);
    p->i += l;
    return t;
}

/* A member name of object obj, then its colon; refuses a repeated name. */
static int jp_key(struct jp *p, uint32_t obj)
{
    jp_ws(p);
    if (p->i >= p->n || p->s[p->i] != '"') return jp_fail(p, "expected a member name");
    struct etcd_json *j = p->j;
    if (j->t[obj].size >= ETCD_JSON_KEYS_MAX)
        return jp_fail(p, "object with more than " ETCD_STR(ETCD_JSON_KEYS_MAX) " members");
    long k = jp_string(p);
    if (k < 0) return -1;
    /* Earlier names of this object: name, value, name, ... (values skipped whole). */
    for (uint32_t e = obj + 1; e < (uint32_t)k; e = j->t[e + 1].next)
        if (etcd_json_str_same(j, e, (size_t)k)) {
            p->i = j->t[k].pos;
            return jp_fail(p, "duplicate member name");
        }
    jp_ws(p);
    if (p->i >= p->n || p->s[p->i] != ':') return jp_fail(p, "expected ':'");
    p->i++;
    return 0;
}

int etcd_json_parse(struct etcd_json *j, const char *s, size_t len, char *err, size_t errcap)
{
    struct jp p = {.j = j, .s = s, .n = len, .i = 0, .err = err, .errcap = errcap};
    uint32_t stack[ETCD_DEPTH_MAX];
    int depth = 0;
    j->src = s;
    j->n = 0;
    if (len > ETCD_MSG_MAX)
        return etcd_err(err, errcap, "JSON: message of %zu bytes over %u", len, ETCD_MSG_MAX);
    for (;;) {
        /* A value. */
        jp_ws(&p);
        if (p.i >= p.n) return jp_fail(&p, "expected a value");
        if (depth > 0) j->t[stack[depth - 1]].size++;
        char c = s[p.i];
        long t;
        if (c == '{' || c == '[') {
            if (depth >= ETCD_DEPTH_MAX) return jp_fail(&p, "nesting deeper than 16");
            if ((t = jp_tok(&p, c == '{' ? ETCD_T_OBJ : ETCD_T_ARR, p.i, 1)) < 0) return -1;
            stack[depth++] = (uint32_t)t;
            p.i++;
            jp_ws(&p);
            if (p.i < p.n && s[p.i] == (c == '{' ? '}' : ']')) {
                p.i++;
                j->t[t].len = (uint32_t)(p.i - j->t[t].pos);
                depth--;
                j->t[t].next = (uint32_t)j->n;
            } else {
                if (c == '{' && jp_key(&p, (uint32_t)t) < 0) return -1;
                continue;
            }
        } else if (c == '"') {
            t = jp_string(&p);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            t = jp_number(&p);
        } else if (c == 't') {
            t = jp_literal(&p, "true", ETCD_T_TRUE);
        } else if (c == 'f') {
            t = jp_literal(&p, "false", ETCD_T_FALSE);
        } else if (c == 'n') {
            t = jp_literal(&p, "null", ETCD_T_NULL);
        } else {
            return jp_fail(&p, "unexpected character");
        }
        if (t < 0) return -1;
        /* After a value: close containers, or a comma and the next one. */
        for (;;) {
            jp_ws(&p);
            if (depth == 0) {
                if (p.i != p.n) return jp_fail(&p, "bytes after the JSON value");
                return 0;
            }
            uint32_t top = stack[depth - 1];
            int obj = j->t[top].type == ETCD_T_OBJ;
            if (p.i >= p.n) return jp_fail(&p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            c = s[p.i];
            if (c == (obj ? '}' : ']')) {
                p.i++;
                depth--;
                j->t[top].next = (uint32_t)j->n;
                j->t[top].len = (uint32_t)(p.i - j->t[top].pos);
                continue;
            }
            if (c != ',') return jp_fail(&p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            p.i++;
            if (obj && jp_key(&p, top) < 0) return -1;
            break;
        }
    }
}

/* ---- integers ----------------------------------------------------------------------- */

/* The magnitude of digits s[0..n) when it fits lim. */
static int digits(const char *s, size_t n, uint64_t lim, uint64_t *out, const char **why)
{
    uint64_t v = 0;
    if (n == 0) return *why = "not an integer", -1;
    if (n > 1 && s[0] == '0') return *why = "leading zero", -1;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') return *why = "not an integer", -1;
        unsigned d = (unsigned)(s[k] - '0');
        if (v > (lim - d) / 10) return *why = "out of range", -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int etcd_int64(const char *s, size_t n, int64_t *out, const char **why)
{
    uint64_t v;
    if (n > 0 && s[0] == '-') {
        if (digits(s + 1, n - 1, (uint64_t)INT64_MAX + 1, &v, why) < 0) return -1;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
        return 0;
    }
    if (digits(s, n, INT64_MAX, &v, why) < 0) return -1;
    *out = (int64_t)v;
    return 0;
}

int etcd_uint64(const char *s, size_t n, uint64_t *out, const char **why)
{
    if (n > 0 && s[0] == '-') return *why = "negative", -1;
    return digits(s, n, UINT64_MAX, out, why);
}
