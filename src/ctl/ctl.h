/*
 * ctl.h - visorflowctl's files: visorflowctl.c (arguments, the local unix
 * socket) and ctl_tls.c (the management API over TLS).
 */
#ifndef VF_CTL_H
#define VF_CTL_H

#include <stddef.h>

#define CTL_TLS_TIMEOUT_MS 15000

struct ctl_tls_opts {
    const char *server;          /* HOST:PORT */
    const char *cert, *key, *ca; /* PEM files */
};

/* Send one request line (without newline) and print the answer: stdout on
 * success, stderr otherwise. Returns the exit code (visorflowctl --help). */
int ctl_tls_request(const struct ctl_tls_opts *o, const char *req, size_t len);

#endif
