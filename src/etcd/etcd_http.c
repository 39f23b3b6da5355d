/*
 * etcd_http.c - HTTP/1.1 to etcd's gateway: the request line and headers out,
 * responses in, cut into JSON messages.
 *
 * Decisions:
 * - One buffer per connection, worked in place. Raw bytes are appended at
 *   the end; the parser walks them once and writes the body bytes it keeps
 *   (de-chunked, and in stream mode without the whitespace between values)
 *   back over the framing it consumed, so a finished message is one
 *   contiguous span and the write position never passes the read position.
 *   Finished messages stay where they are until taken; the buffer is
 *   compacted at the next feed. What is held is bounded: a partial message
 *   (<= ETCD_MSG_MAX), a partial header or chunk line, the messages not yet
 *   taken and the new bytes; a feed that would hold more than
 *   2 * ETCD_MSG_MAX + ETCD_HDRS_MAX is refused (feed at most ETCD_MSG_MAX
 *   at a time and take what is complete after each feed).
 * - Strict framing, since ambiguity is how requests get smuggled: CRLF line
 *   ends, exactly one Content-Length (digits only) or Transfer-Encoding:
 *   chunked, never both. A 200 with neither is an error (we speak 1.1 and
 *   Go's server always frames). Another status with neither gives an empty
 *   message carrying the status (the reader says "etcd: HTTP N") and ends the
 *   connection's use: its body runs to the close and is dropped unread.
 * - Stream mode (a watch): the body of a 200 is a sequence of JSON objects or
 *   arrays, found by a small brace/quote scanner whatever the chunk
 *   boundaries are; the full check is etcd_json_parse's, later. Between
 *   values only whitespace may appear. A response of another status is one
 *   message, as in unary mode.
 * - Keep-alive: responses follow each other on a connection in both modes,
 *   until one says Connection: close; a byte after that one is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd/etcd_internal.h"

#define HTTP_LINE_MAX 1024 /* a chunk-size line, extensions included */
#define HTTP_HOLD_MAX (2 * (size_t)ETCD_MSG_MAX + ETCD_HDRS_MAX)

enum http_state {
    HS_HEAD,    /* status line and headers */
    HS_CL,      /* a Content-Length body */
    HS_CSIZE,   /* a chunk-size line */
    HS_CDATA,   /* chunk data */
    HS_CCRLF,   /* the CRLF after chunk data */
    HS_TRAILER, /* trailer lines after the last chunk */
    HS_DISCARD, /* an unframed error body, read until the close */
    HS_CLOSED,  /* after the response of a Connection: close */
    HS_DEAD,    /* after a failure */
};

struct http_msg {
    int status;
    size_t off, len;
};

struct etcd_http {
    int stream;
    enum http_state st;
    char *buf;
    size_t cap;
    size_t q_end;    /* end of the finished messages */
    size_t body_end; /* end of the message being assembled */
    size_t rd, wr;   /* raw bytes not yet parsed */
    size_t scan;     /* where the search for the header end resumes */
    struct http_msg *q;
    size_t qhead, qn, qcap;
    /* the response being read */
    int status, close, split;
    size_t left;     /* of the Content-Length body or the chunk */
    size_t body_len; /* bytes of body so far (unary mode) */
    size_t trailer;  /* bytes of trailer lines so far */
    /* stream mode's value scanner */
    int in_val, in_str, esc;
    long depth;
};

struct etcd_http *etcd_http_new(int stream)
{
    struct etcd_http *h = calloc(1, sizeof(*h));
    if (h) h->stream = stream != 0;
    return h;
}

void etcd_http_free(struct etcd_http *h)
{
    if (!h) return;
    free(h->buf);
    free(h->q);
    free(h);
}

int etcd_http_request(char *dst, size_t cap, const char *host, const char *path, const char *body,
                      size_t body_len)
{
    /* A path or host with a space or line break would change the request. */
    if (strpbrk(path, "\r\n ") || strpbrk(host, "\r\n ")) return -1;
    int n = snprintf(dst, cap,
                     "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     path, host, body_len);
    if (n < 0 || (size_t)n >= cap || cap - (size_t)n < body_len) return -1;
    if (body_len) memcpy(dst + n, body, body_len);
    return n + (int)body_len;
}

static int fail(struct etcd_http *h, char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct etcd_http *h, char *err, size_t errcap, const char *fmt, ...)
{
    h->st = HS_DEAD;
    if (err && errcap) {
        int k = snprintf(err, errcap, "HTTP: ");
        va_list ap;
        va_start(ap, fmt);
        if (k > 0 && (size_t)k < errcap) vsnprintf(err + k, errcap - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int push_msg(struct etcd_http *h)
{
    if (h->qn == h->qcap) {
        size_t nc = h->qcap ? h->qcap * 2 : 16;
        struct http_msg *q = realloc(h->q, nc * sizeof(*q));
        if (!q) return -1;
        h->q = q;
        h->qcap = nc;
    }
    h->q[h->qn++] = (struct http_msg){h->status, h->q_end, h->body_end - h->q_end};
    h->q_end = h->body_end;
    return 0;
}

/* ---- headers ------------------------------------------------------------------------ */

static int ieq(const char *a, size_t an, const char *b)
{
    return an == strlen(b) && strncasecmp(a, b, an) == 0;
}

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The status line and headers, s[0..n) ending with the empty line. */
static int parse_head(struct etcd_http *h, const char *s, size_t n, char *err, size_t errcap)
{
    const char *end = s + n - 2; /* the final CRLF */
    const char *eol = memchr(s, '\r', (size_t)(end - s));
    if (eol - s < 12 || memcmp(s, "HTTP/1.1 ", 9) != 0 || s[9] < '1' || s[9] > '5' || s[10] < '0' ||
        s[10] > '9' || s[11] < '0' || s[11] > '9' || (eol - s > 12 && s[12] != ' '))
        return fail(h, err, errcap, "bad status line");
    if (eol[1] != '\n') return fail(h, err, errcap, "bad line end in the status line");
    h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (h->status < 200) return fail(h, err, errcap, "unexpected status %d", h->status);
    for (const char *p = s; p < eol; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return fail(h, err, errcap, "control character in the status line");
    int have_cl = 0, chunked = 0;
    size_t cl = 0;
    h->close = 0;
    for (const char *l = eol + 2; l < end;) {
        const char *e = memchr(l, '\r', (size_t)(end - l));
        if (!e || e[1] != '\n') return fail(h, err, errcap, "bad line end in the headers");
        const char *colon = memchr(l, ':', (size_t)(e - l));
        if (!colon || colon == l) return fail(h, err, errcap, "header line without a name");
        for (const char *p = l; p < colon; p++)
            if (!is_tchar(*p)) return fail(h, err, errcap, "bad character in a header name");
        const char *v = colon + 1, *ve = e;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        for (const char *p = v; p < ve; p++)
            if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
                return fail(h, err, errcap, "control character in a header value");
        size_t nl = (size_t)(colon - l), vl = (size_t)(ve - v);
        if (ieq(l, nl, "Content-Length")) {
            if (have_cl) return fail(h, err, errcap, "Content-Length twice");
            have_cl = 1;
            if (vl == 0) return fail(h, err, errcap, "empty Content-Length");
            cl = 0;
            for (size_t k = 0; k < vl; k++) {
                if (v[k] < '0' || v[k] > '9')
                    return fail(h, err, errcap, "Content-Length not a number");
                cl = cl * 10 + (size_t)(v[k] - '0');
                if (cl > ETCD_MSG_MAX)
                    return fail(h, err, errcap, "Content-Length over %u", ETCD_MSG_MAX);
            }
        } else if (ieq(l, nl, "Transfer-Encoding")) {
            if (chunked) return fail(h, err, errcap, "Transfer-Encoding twice");
            if (!ieq(v, vl, "chunked"))
                return fail(h, err, errcap, "unsupported Transfer-Encoding");
            chunked = 1;
        } else if (ieq(l, nl, "Connection")) {
            if (ieq(v, vl, "close")) h->close = 1;
        }
        l = e + 2;
    }
    if (have_cl && chunked) return fail(h, err, errcap, "both Content-Length and chunked");
    h->body_len = 0;
    h->trailer = 0;
    h->in_val = h->in_str = h->esc = 0;
    h->depth = 0;
    h->split = h->stream && h->status == 200;
    if (chunked) {
        h->st = HS_CSIZE;
    } else if (have_cl) {
        h->st = HS_CL;
        h->left = cl;
    } else if (h->status == 204 || h->status == 304) {
        h->st = HS_CL; /* no body by definition */
        h->left = 0;
    } else if (h->status == 200) {
        return fail(h, err, errcap, "status 200 with neither Content-Length nor chunked");
    } else {
        h->st = HS_DISCARD;
        h->close = 1;
        if (push_msg(h) < 0) return fail(h, err, errcap, "out of memory");
    }
    return 0;
}

/* ---- bodies ------------------------------------------------------------------------- */

/* n body bytes from buf[rd] into the message being assembled. */
static int body_bytes(struct etcd_http *h, size_t n, char *err, size_t errcap)
{
    char *b = h->buf;
    if (!h->split) {
        if (h->body_len + n > ETCD_MSG_MAX)
            return fail(h, err, errcap, "message over %u bytes", ETCD_MSG_MAX);
        memmove(b + h->body_end, b + h->rd, n);
        h->body_end += n;
        h->body_len += n;
        h->rd += n;
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        char c = b[h->rd++];
        if (!h->in_val) {
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
            if (c != '{' && c != '[')
                return fail(h, err, errcap, "stream: byte 0x%02x between JSON values",
                            (unsigned char)c);
            h->in_val = 1;
            h->depth = 0;
        }
        if (h->body_end - h->q_end >= ETCD_MSG_MAX)
            return fail(h, err, errcap, "stream: message over %u bytes", ETCD_MSG_MAX);
        b[h->body_end++] = c;
        if (h->in_str) {
            if (h->esc)
                h->esc = 0;
            else if (c == '\\')
                h->esc = 1;
            else if (c == '"')
                h->in_str = 0;
        } else if (c == '"') {
            h->in_str = 1;
        } else if (c == '{' || c == '[') {
            h->depth++;
        } else if ((c == '}' || c == ']') && --h->depth == 0) {
            h->in_val = 0;
            if (push_msg(h) < 0) return fail(h, err, errcap, "out of memory");
        }
    }
    return 0;
}

static int body_end(struct etcd_http *h, char *err, size_t errcap)
{
    if (h->split) {
        if (h->in_val) return fail(h, err, errcap, "stream: response ended inside a JSON value");
    } else if (push_msg(h) < 0) {
        return fail(h, err, errcap, "out of memory");
    }
    h->st = h->close ? HS_CLOSED : HS_HEAD;
    h->body_end = h->q_end;
    h->scan = h->rd;
    return 0;
}

/* A CRLF-ended line starting at rd: its length without the CRLF, -2 when
 * not complete yet, -1 (failed) when too long or with a bare CR or LF. */
static long line(struct etcd_http *h, size_t max, const char *what, char *err, size_t errcap)
{
    const char *s = h->buf + h->rd;
    size_t n = h->wr - h->rd;
    const char *lf = memchr(s, '\n', n < max + 2 ? n : max + 2);
    if (!lf) {
        if (n >= max + 2) return fail(h, err, errcap, "%s line too long", what);
        if (memchr(s, '\r', n > 0 ? n - 1 : 0))
            return fail(h, err, errcap, "bare CR in %s line", what);
        return -2;
    }
    size_t l = (size_t)(lf - s);
    if (l == 0) return fail(h, err, errcap, "bare LF in %s line", what);
    if (memchr(s, '\r', l - 1)) return fail(h, err, errcap, "bare CR in %s line", what);
    if (s[l - 1] != '\r') return fail(h, err, errcap, "bare LF in %s line", what);
    return (long)(l - 1);
}

static int chunk_size(struct etcd_http *h, size_t l, char *err, size_t errcap)
{
    const char *s = h->buf + h->rd;
    size_t k = 0, v = 0;
    for (; k < l; k++) {
        char c = s[k];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0) break;
        v = v * 16 + (size_t)d;
        if (v > ETCD_MSG_MAX) return fail(h, err, errcap, "chunk size over %u", ETCD_MSG_MAX);
    }
    if (k == 0) return fail(h, err, errcap, "bad chunk size");
    /* After the digits: optional whitespace and ";ext", nothing else. */
    size_t e = k;
    while (e < l && (s[e] == ' ' || s[e] == '\t'))
        e++;
    if (e < l && s[e] != ';') return fail(h, err, errcap, "bad chunk size");
    for (; e < l; e++)
        if ((unsigned char)s[e] < 0x20 && s[e] != '\t')
            return fail(h, err, errcap, "control character in a chunk extension");
    h->rd += l + 2;
    if (v == 0) {
        h->st = HS_TRAILER;
    } else {
        if (!h->split && h->body_len + v > ETCD_MSG_MAX)
            return fail(h, err, errcap, "message over %u bytes", ETCD_MSG_MAX);
        h->st = HS_CDATA;
        h->left = v;
    }
    return 0;
}

static int run(struct etcd_http *h, char *err, size_t errcap)
{
    for (;;) {
        size_t avail = h->wr - h->rd;
        long l;
        switch (h->st) {
        case HS_HEAD: {
            if (avail == 0) return 0;
            size_t from = h->scan > h->rd + 3 ? h->scan - 3 : h->rd;
            const char *s = h->buf;
            size_t e = 0;
            for (size_t k = from; k + 4 <= h->wr; k++)
                if (s[k] == '\r' && s[k + 1] == '\n' && s[k + 2] == '\r' && s[k + 3] == '\n') {
                    e = k + 4;
                    break;
                }
            if (!e) {
                h->scan = h->wr;
                if (avail > ETCD_HDRS_MAX)
                    return fail(h, err, errcap, "header section over %d bytes", ETCD_HDRS_MAX);
                return 0;
            }
            if (e - h->rd > ETCD_HDRS_MAX)
                return fail(h, err, errcap, "header section over %d bytes", ETCD_HDRS_MAX);
            if (parse_head(h, s + h->rd, e - h->rd, err, errcap) < 0) return -1;
            h->rd = e;
            break;
        }
        case HS_CL:
        case HS_CDATA: {
            size_t n = avail < h->left ? avail : h->left;
            if (body_bytes(h, n, err, errcap) < 0) return -1;
            h->left -= n;
            if (h->left) return 0;
            if (h->st == HS_CL) {
                if (body_end(h, err, errcap) < 0) return -1;
            } else {
                h->st = HS_CCRLF;
            }
            break;
        }
        case HS_CCRLF:
            if (avail >= 1 && h->buf[h->rd] != '\r')
                return fail(h, err, errcap, "chunk data not followed by CRLF");
            if (avail < 2) return 0;
            if (h->buf[h->rd + 1] != '\n')
                return fail(h, err, errcap, "chunk data not followed by CRLF");
            h->rd += 2;
            h->st = HS_CSIZE;
            break;
        case HS_CSIZE:
            if ((l = line(h, HTTP_LINE_MAX, "chunk size", err, errcap)) == -2) return 0;
            if (l < 0 || chunk_size(h, (size_t)l, err, errcap) < 0) return -1;
            break;
        case HS_TRAILER:
            if ((l = line(h, ETCD_HDRS_MAX, "trailer", err, errcap)) == -2) return 0;
            if (l < 0) return -1;
            if (l > 0 && !memchr(h->buf + h->rd, ':', (size_t)l))
                return fail(h, err, errcap, "trailer line without ':'");
            h->trailer += (size_t)l + 2;
            if (h->trailer > ETCD_HDRS_MAX)
                return fail(h, err, errcap, "trailer section over %d bytes", ETCD_HDRS_MAX);
            h->rd += (size_t)l + 2;
            if (l == 0 && body_end(h, err, errcap) < 0) return -1;
            break;
        case HS_DISCARD:
            h->rd = h->wr;
            return 0;
        case HS_CLOSED:
            if (avail)
                return fail(h, err, errcap, "bytes after the last response (Connection: close)");
            return 0;
        case HS_DEAD:
            return fail(h, err, errcap, "connection already failed");
        }
    }
}

/* Drop what was taken and the gap between the body and the raw bytes. */
static void compact(struct etcd_http *h)
{
    if (h->qhead == h->qn) h->qhead = h->qn = 0;
    size_t keep = h->qn ? h->q[h->qhead].off : h->q_end;
    size_t body = h->body_end - keep, raw = h->wr - h->rd;
    if (keep == 0 && h->body_end == h->rd) return;
    memmove(h->buf, h->buf + keep, body);
    memmove(h->buf + body, h->buf + h->rd, raw);
    for (size_t k = h->qhead; k < h->qn; k++)
        h->q[k].off -= keep;
    if (h->qhead) {
        memmove(h->q, h->q + h->qhead, (h->qn - h->qhead) * sizeof(*h->q));
        h->qn -= h->qhead;
        h->qhead = 0;
    }
    h->q_end -= keep;
    h->body_end = body;
    h->rd = body;
    h->wr = body + raw;
}

int etcd_http_feed(struct etcd_http *h, const void *p, size_t n, char *err, size_t errcap)
{
    if (h->st == HS_DEAD) return fail(h, err, errcap, "connection already failed");
    size_t old_rd = h->rd;
    size_t scan_off = h->scan >= old_rd ? h->scan - old_rd : 0;
    compact(h);
    h->scan = h->rd + scan_off;
    if (n > HTTP_HOLD_MAX || h->wr + n > HTTP_HOLD_MAX)
        return fail(h, err, errcap, "more than %zu bytes held (feed less, take the messages)",
                    HTTP_HOLD_MAX);
    if (h->wr + n > h->cap) {
        size_t nc = h->cap ? h->cap : 4096;
        while (nc < h->wr + n)
            nc *= 2;
        if (nc > HTTP_HOLD_MAX) nc = HTTP_HOLD_MAX;
        char *b = realloc(h->buf, nc);
        if (!b) return fail(h, err, errcap, "out of memory");
        h->buf = b;
        h->cap = nc;
    }
    if (n) memcpy(h->buf + h->wr, p, n);
    h->wr += n;
    return run(h, err, errcap);
}

int etcd_http_take(struct etcd_http *h, int *status, const char **json, size_t *len)
{
    if (h->qhead >= h->qn) return 0;
    const struct http_msg *m = &h->q[h->qhead++];
    *status = m->status;
    *json = m->len ? h->buf + m->off : "";
    *len = m->len;
    return 1;
}

int etcd_http_eof(struct etcd_http *h, char *err, size_t errcap)
{
    switch (h->st) {
    case HS_HEAD:
        if (h->wr == h->rd) break;
        return fail(h, err, errcap, "connection closed inside a status line or headers");
    case HS_CL:
        return fail(h, err, errcap, "connection closed %zu bytes before the end of the body",
                    h->left);
    case HS_CDATA:
    case HS_CCRLF:
    case HS_CSIZE:
    case HS_TRAILER:
        return fail(h, err, errcap, "connection closed inside a chunked body");
    case HS_DEAD:
        return fail(h, err, errcap, "connection already failed");
    case HS_DISCARD:
    case HS_CLOSED:
        break;
    }
    h->st = HS_CLOSED;
    return 0;
}
