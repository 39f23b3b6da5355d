/*
 * log.c - leveled logging: format, sanitise, timestamp, hand to the sink.
 * The only system calls are clock_gettime and one write(2) per line, so it
 * runs unchanged inside the seccomp sandbox.
 */
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t log_real_clock(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void log_init(struct log *lg, enum log_level level)
{
    memset(lg, 0, sizeof(*lg));
    lg->level = level;
    lg->fd = STDERR_FILENO;
    lg->clock = log_real_clock;
}

void log_set_level(struct log *lg, enum log_level level)
{
    lg->level = level;
}

void log_set_sink(struct log *lg, log_sink_fn *sink, void *ctx)
{
    lg->sink = sink;
    lg->sink_ctx = sink ? ctx : NULL;
}

void log_set_fd(struct log *lg, int fd)
{
    lg->fd = fd;
}

void log_set_clock(struct log *lg, log_clock_fn *fn, void *ctx)
{
    lg->clock = fn ? fn : log_real_clock;
    lg->clock_ctx = fn ? ctx : NULL;
}

const char *log_level_name(enum log_level level)
{
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    return (unsigned)level < sizeof(names) / sizeof(names[0]) ? names[level] : "?";
}

size_t log_sanitize(char *dst, size_t cap, const void *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = src;
    size_t o = 0;
    if (cap == 0) return 0;
    for (size_t i = 0; i < len; i++) {
        char esc[4];
        size_t n;
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            esc[0] = (char)c;
            n = 1;
        } else if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
            esc[0] = '\\';
            esc[1] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            n = 2;
        } else {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 15];
            n = 4;
        }
        if (o + n >= cap) break; /* keep room for the NUL; never half an escape */
        memcpy(dst + o, esc, n);
        o += n;
    }
    dst[o] = '\0';
    return o;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 chars). gmtime_r reads no zone files. */
static size_t log_format_time(char *dst, size_t cap, uint64_t unix_ms)
{
    time_t sec = (time_t)(unix_ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) memset(&tm, 0, sizeof(tm));
    int n =
        snprintf(dst, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(unix_ms % 1000u));
    if (n < 0) return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t log_format_line(char *dst, size_t cap, uint64_t unix_ms, enum log_level level,
                       const char *module, const char *msg)
{
    if (cap == 0) return 0;
    char ts[80]; /* 24 used; room for what gcc thinks int fields may print */
    log_format_time(ts, sizeof(ts), unix_ms);
    int n = snprintf(dst, cap, "%s %s %s: %s\n", ts, log_level_name(level), module, msg);
    if (n < 0) {
        dst[0] = '\0';
        return 0;
    }
    if ((size_t)n < cap) return (size_t)n;
    /* Truncated: still end the line, so lines never run together. */
    if (cap >= 2) dst[cap - 2] = '\n';
    return cap - 1;
}

/* Default sink: the whole line in one write(2), so lines of concurrent
 * writers (core and domains share stderr) do not interleave mid-line. */
static void log_write_fd(const struct log *lg, enum log_level level, uint64_t unix_ms,
                         const char *module, const char *msg)
{
    char line[LOG_LINE_MAX];
    size_t n = log_format_line(line, sizeof(line), unix_ms, level, module, msg);
    size_t off = 0;
    int saved = errno; /* logging must not clobber the caller's errno */
    while (off < n) {
        ssize_t w = write(lg->fd, line + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break; /* nowhere to report it; drop the line */
        off += (size_t)w;
    }
    errno = saved;
}

void log_vmsg(struct log *lg, enum log_level level, const char *module, const char *fmt, va_list ap)
{
    if (!log_enabled(lg, level)) return;
    int saved = errno; /* so "%m" and callers' errno survive */
    char raw[LOG_MSG_MAX];
    char msg[4 * LOG_MSG_MAX];
    char mod[64];
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    if (n < 0) n = 0;
    size_t rawlen = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
    log_sanitize(msg, sizeof(msg), raw, rawlen);
    log_sanitize(mod, sizeof(mod), module ? module : "-", module ? strlen(module) : 1);
    uint64_t now = lg->clock(lg->clock_ctx);
    if (lg->sink)
        lg->sink(lg->sink_ctx, level, now, mod, msg);
    else
        log_write_fd(lg, level, now, mod, msg);
    errno = saved;
}

void log_msg(struct log *lg, enum log_level level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(lg, level, module, fmt, ap);
    va_end(ap);
}
