/*
 * log.h - leveled logging through a per-context sink.
 *
 * A struct log holds the level threshold and where lines go: by default one
 * write(2) per line to an fd (stderr), as "2026-11-26T22:10:03.123Z INFO
 * module: message"; or a callback (the sandboxed domain forwards its logs to
 * the core over its socket). No global state, no file opening.
 *
 * Every message is sanitised before it reaches a sink: control characters and
 * non-ASCII bytes are escaped, so a line is one printable line whatever
 * untrusted text was formatted into it. Messages longer than LOG_MSG_MAX are
 * truncated. log functions return nothing: logging never fails the caller.
 */
#ifndef VF_LIB_LOG_H
#define VF_LIB_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Not LOG_ERR/LOG_INFO...: those are <syslog.h> macros. */
enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3,
};

/* Longest message (after formatting, before escaping), and longest line. */
#define LOG_MSG_MAX  1024
#define LOG_LINE_MAX (4 * LOG_MSG_MAX + 128)

/* A sink receives sanitised, NUL-terminated module and message, and the
 * wall-clock time in milliseconds since the Unix epoch. */
typedef void log_sink_fn(void *ctx, enum log_level level, uint64_t unix_ms, const char *module,
                         const char *msg);
/* Wall-clock source, milliseconds since the epoch (tests use a fixed one). */
typedef uint64_t log_clock_fn(void *ctx);

/* Public so it can be embedded; use the functions. */
struct log {
    enum log_level level; /* messages above this level are dropped */
    int fd;               /* default sink's fd */
    log_sink_fn *sink;    /* NULL: the default sink */
    void *sink_ctx;
    log_clock_fn *clock;
    void *clock_ctx;
};

/* Default sink on stderr, level threshold as given, real clock. */
void log_init(struct log *lg, enum log_level level);
void log_set_level(struct log *lg, enum log_level level);
/* Install a sink; NULL restores the default (write to lg->fd). */
void log_set_sink(struct log *lg, log_sink_fn *sink, void *ctx);
/* Default sink writes to fd instead of stderr. */
void log_set_fd(struct log *lg, int fd);
/* Replace the wall clock (NULL: CLOCK_REALTIME). */
void log_set_clock(struct log *lg, log_clock_fn *fn, void *ctx);

/* True when a message at level would be emitted (skip costly arguments). */
static inline int log_enabled(const struct log *lg, enum log_level level)
{
    return level <= lg->level;
}

void log_msg(struct log *lg, enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void log_vmsg(struct log *lg, enum log_level level, const char *module, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#define log_error(lg, module, ...) log_msg((lg), LOG_LEVEL_ERROR, (module), __VA_ARGS__)
#define log_warn(lg, module, ...)  log_msg((lg), LOG_LEVEL_WARN, (module), __VA_ARGS__)
#define log_info(lg, module, ...)  log_msg((lg), LOG_LEVEL_INFO, (module), __VA_ARGS__)
#define log_debug(lg, module, ...) log_msg((lg), LOG_LEVEL_DEBUG, (module), __VA_ARGS__)

/* "ERROR", "WARN", "INFO", "DEBUG" ("?" for anything else). */
const char *log_level_name(enum log_level level);

/* Escape len bytes of untrusted src into dst (cap bytes, cap >= 1): printable
 * ASCII is copied, '\\' becomes "\\\\", \n \r \t become "\\n" "\\r" "\\t",
 * any other byte "\\xHH". The result is always NUL-terminated; when it does
 * not fit it is cut before an escape, never inside one. Returns the length
 * written (excluding the NUL). cap == 0 writes nothing and returns 0. */
size_t log_sanitize(char *dst, size_t cap, const void *src, size_t len);

/* Format one line as the default sink writes it, "\n" included, into dst
 * (truncated to cap - 1, always NUL-terminated). Returns the length written.
 * For sinks and receivers (the core) that write lines themselves. */
size_t log_format_line(char *dst, size_t cap, uint64_t unix_ms, enum log_level level,
                       const char *module, const char *msg);

#endif
