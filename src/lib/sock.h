/*
 * sock.h - small TCP socket helpers: fd flags, strict address parsing,
 * non-blocking listen / accept / connect.
 *
 * Addresses are numeric only ("127.0.0.1:6653", "[::1]:6653", "0.0.0.0:6653"):
 * no name resolution, which would need files and DNS the sandbox does not
 * have. Port 0 is accepted (the kernel picks one; tests use it).
 *
 * Returns: SOCK_OK (0) / SOCK_ERR (-1) with errno set, or an fd (>= 0) / -1.
 * Functions taking err/errlen also write a one-line reason there on failure,
 * e.g. "bad port '70000' in '127.0.0.1:70000'" (err may be NULL).
 */
#ifndef VF_LIB_SOCK_H
#define VF_LIB_SOCK_H

#include <stddef.h>
#include <sys/socket.h>

#define SOCK_OK  0
#define SOCK_ERR (-1)

/* Longest address text accepted, and a buffer that holds any error message. */
#define SOCK_ADDR_MAX 64
#define SOCK_ERR_MAX  192

int sock_set_nonblock(int fd);
int sock_set_cloexec(int fd);
int sock_set_nodelay(int fd);

/* Parse "host:port" (IPv4 dotted quad) or "[v6]:port" into ss/len.
 * SOCK_ERR with errno EINVAL and a reason in err on malformed text. */
int sock_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err,
                    size_t errlen);

/* Format an AF_INET/AF_INET6 address as sock_parse_addr reads it. Returns
 * SOCK_OK, or SOCK_ERR (EAFNOSUPPORT / ENOSPC). */
int sock_format_addr(const struct sockaddr *sa, socklen_t len, char *dst, size_t cap);
/* The bound address of fd (getsockname), formatted; for port-0 listeners. */
int sock_local_addr(int fd, char *dst, size_t cap);

/* A non-blocking, close-on-exec listening TCP socket on text with the given
 * backlog and SO_REUSEADDR; IPv6 sockets are IPV6_V6ONLY so "[::]:p" and
 * "0.0.0.0:p" can be bound side by side. Returns the fd or -1. */
int sock_listen(const char *text, int backlog, char *err, size_t errlen);

/* accept4 a connection as non-blocking and close-on-exec, with TCP_NODELAY.
 * peer/peerlen may be NULL. Returns the fd, or -1 with errno (EAGAIN when no
 * connection is pending; ECONNABORTED and the like: just try again later). */
int sock_accept(int lfd, struct sockaddr_storage *peer, socklen_t *peerlen);

/* Start a non-blocking connect to text; TCP_NODELAY set. Returns the fd,
 * possibly still connecting: wait for EV_WRITE, then sock_connect_result. */
int sock_connect(const char *text, char *err, size_t errlen);
/* After the fd became writable: 0 if connected, else the errno value of the
 * failure (ECONNREFUSED...). */
int sock_connect_result(int fd);

#endif
