/*
 * sbx_internal.h - what the sbx files share and nothing outside src/sbx uses:
 * the error-message helper, limit checks and the seccomp loader.
 */
#ifndef VF_SBX_INTERNAL_H
#define VF_SBX_INTERNAL_H

#include <stddef.h>

#include "sbx/sbx.h"

/* Smallest limits that still let a dynamically linked domain run. */
#define SBX_MIN_AS_BYTES (16u << 20)
#define SBX_MIN_NOFILE   8u

/* AddressSanitizer reserves terabytes of address space for its shadow: a
 * sanitized build cannot run under RLIMIT_AS at all. */
#if defined(__SANITIZE_ADDRESS__)
#define SBX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBX_ASAN 1
#endif
#endif
#ifndef SBX_ASAN
#define SBX_ASAN 0
#endif

/* Format a message into err (may be NULL) and return -1. */
int sbx_fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 0 if lim is usable, else -1 with the reason ("nofile 2 below 8"). */
int sbx_limits_check(const struct sbx_limits *lim, char *err, size_t cap);

/* Apply lim; with domain_side also the limits fixed at 0 (RLIMIT_NPROC,
 * RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE; RLIMIT_CORE 0 on both sides). Values are
 * clamped to the current hard limits. Returns 0, or -1 with errno and the
 * failing resource's name in *what. Async-signal-safe: the core's child
 * calls it between clone and execve. */
int sbx_rlimits_apply(const struct sbx_limits *lim, int domain_side, const char **what);

/* Build and load the allow-list for the SBX_EXTRA_* groups in extra.
 * After a successful return only the allowed system calls remain. */
int sbx_filter_load(unsigned extra, char *err, size_t cap);

#endif
