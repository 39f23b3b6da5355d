/*
 * msg_io.c - one message per SOCK_SEQPACKET datagram, fds by SCM_RIGHTS.
 * The receiver trusts nothing about a datagram: its size, header, control
 * data and fds are all checked, and every fd that arrived is closed again on
 * any failure, so a hostile domain cannot make the core leak descriptors.
 */
#include "msg/msg_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/be.h"

/* ---- header -------------------------------------------------------------------- */

void msg_hdr_put(uint8_t raw[MSG_HDR_LEN], const struct msg_hdr *h)
{
    be_put16(raw, h->type);
    be_put16(raw + 2, h->flags);
    be_put32(raw + 4, h->len);
    be_put32(raw + 8, h->id);
}

int msg_hdr_parse(const uint8_t *raw, size_t dgram_len, int nfds, struct msg_hdr *h, char *err,
                  size_t errlen)
{
    memset(h, 0, sizeof(*h));
    if (dgram_len < MSG_HDR_LEN)
        return msg_err(err, errlen, "short datagram: %zu bytes, the header needs %d", dgram_len,
                       MSG_HDR_LEN);
    h->type = be_get16(raw);
    h->flags = be_get16(raw + 2);
    h->len = be_get32(raw + 4);
    h->id = be_get32(raw + 8);
    /* Undefined flags are refused, so a flag can be given meaning later
     * without an old peer silently ignoring it. */
    if (h->flags)
        return msg_err(err, errlen, "header flags 0x%04x set, none are defined", h->flags);
    if (h->len > MSG_MAX_PAYLOAD)
        return msg_err(err, errlen, "payload length %u exceeds maximum %d", h->len,
                       MSG_MAX_PAYLOAD);
    if (h->len != dgram_len - MSG_HDR_LEN)
        return msg_err(err, errlen, "header says payload %u, datagram carries %zu", h->len,
                       dgram_len - MSG_HDR_LEN);
    const struct msg_spec *s = msg_spec_find(h->type);
    if (s) return msg_spec_check_fds(s, nfds, err, errlen);
    /* Unknown type: msg_dispatch names it; here only refuse fds on it. */
    if (nfds) return msg_err(err, errlen, "type 0x%04x carries no fds, got %d", h->type, nfds);
    return MSG_OK;
}

void msg_close_fds(int *fds, int nfds)
{
    for (int i = 0; i < nfds; i++) {
        if (fds[i] >= 0) close(fds[i]);
        fds[i] = -1;
    }
}

/* ---- socket setup -------------------------------------------------------------- */

int msg_sock_setup(int fd, char *err, size_t errlen)
{
    /* af_unix refuses a datagram longer than sk_sndbuf - 32 (EMSGSIZE). The
     * receive buffer plays no part for AF_UNIX datagrams (the sender's buffer
     * is charged until the receiver reads), so only SO_SNDBUF is raised. The
     * kernel doubles the value and caps it at net.core.wmem_max unless the
     * caller may use SO_SNDBUFFORCE (the privileged core). */
    int need = MSG_HDR_LEN + MSG_MAX_PAYLOAD + 64, got = 0;
    socklen_t len = sizeof(got);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &need, sizeof(need)) < 0 &&
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &need, sizeof(need)) < 0)
        return msg_err(err, errlen, "setsockopt SO_SNDBUF: %s", strerror(errno));
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0)
        return msg_err(err, errlen, "getsockopt SO_SNDBUF: %s", strerror(errno));
    if (got < need)
        return msg_err(err, errlen,
                       "SO_SNDBUF is %d bytes, a largest message needs %d: "
                       "raise net.core.wmem_max",
                       got, need);
    return MSG_OK;
}

int msg_socketpair(int sv[2], char *err, size_t errlen)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return msg_err(err, errlen, "socketpair: %s", strerror(errno));
    if (msg_sock_setup(sv[0], err, errlen) != MSG_OK ||
        msg_sock_setup(sv[1], err, errlen) != MSG_OK) {
        msg_close_fds(sv, 2);
        return MSG_FATAL;
    }
    return MSG_OK;
}

/* ---- send ------------------------------------------------------------------------ */

int msg_send(int fd, uint16_t type, uint32_t id, const void *payload, size_t len, const int *fds,
             int nfds, char *err, size_t errlen)
{
    char why[MSG_ERR_MAX];
    if (nfds < 0 || nfds > MSG_MAX_FDS)
        return msg_err(err, errlen, "%d fds, at most %d per message", nfds, MSG_MAX_FDS);
    for (int i = 0; i < nfds; i++)
        if (fds[i] < 0) return msg_err(err, errlen, "fd %d is negative", i);
    /* The peer decodes with the same code: check here, fail here. */
    if (msg_check(type, payload, len, nfds, why, sizeof(why)) != MSG_OK)
        return msg_err(err, errlen, "refusing to send: %s", why);

    uint8_t raw[MSG_HDR_LEN];
    struct msg_hdr h = {.type = type, .flags = 0, .len = (uint32_t)len, .id = id};
    msg_hdr_put(raw, &h);
    struct iovec iov[2] = {{raw, MSG_HDR_LEN}, {(void *)(uintptr_t)payload, len}};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
    } ctl;
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
    if (nfds) {
        memset(&ctl, 0, sizeof(ctl));
        mh.msg_control = ctl.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    ssize_t n;
    do
        n = sendmsg(fd, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            msg_err(err, errlen, "send would block");
            return MSG_AGAIN;
        }
        if (errno == EPIPE || errno == ECONNRESET) {
            msg_err(err, errlen, "peer closed");
            return MSG_EOF;
        }
        if (errno == EMSGSIZE)
            return msg_err(err, errlen,
                           "datagram of %zu bytes does not fit SO_SNDBUF "
                           "(msg_sock_setup not called?)",
                           MSG_HDR_LEN + len);
        return msg_err(err, errlen, "sendmsg: %s", strerror(errno));
    }
    /* SEQPACKET sends are atomic; anything else is a kernel surprise. */
    if ((size_t)n != MSG_HDR_LEN + len)
        return msg_err(err, errlen, "short send: %zd of %zu bytes", n, MSG_HDR_LEN + len);
    return MSG_OK;
}

/* ---- receive --------------------------------------------------------------------- */

/* Every fd the kernel installed, whatever else is wrong with the message:
 * the first MSG_MAX_FDS go to fds, any others are closed at once. */
struct rx_fds {
    int n;       /* kept in fds */
    int extra;   /* closed because there were too many */
    int foreign; /* a control message other than SCM_RIGHTS */
    int level, type;
};

static void collect_fds(struct msghdr *mh, int *fds, struct rx_fds *rx)
{
    memset(rx, 0, sizeof(*rx));
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            rx->foreign = 1;
            rx->level = c->cmsg_level;
            rx->type = c->cmsg_type;
            continue;
        }
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char *data = CMSG_DATA(c);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, data + i * sizeof(int), sizeof(int)); /* may be unaligned */
            if (rx->n < MSG_MAX_FDS) {
                fds[rx->n++] = fd;
            } else {
                close(fd);
                rx->extra++;
            }
        }
    }
}

int msg_recv(int fd, struct msg_hdr *h, uint8_t *buf, size_t cap, int fds[MSG_MAX_FDS], int *nfds,
             char *err, size_t errlen)
{
    uint8_t raw[MSG_HDR_LEN];
    struct iovec iov[2] = {{raw, MSG_HDR_LEN}, {buf, cap}};
    /* Room for exactly MSG_MAX_FDS fds: if more were sent the kernel closes
     * the ones that do not fit and flags MSG_CTRUNC. */
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
    } ctl;
    struct msghdr mh = {
        .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
    struct rx_fds rx;
    int rc = MSG_FATAL;

    *nfds = 0;
    memset(h, 0, sizeof(*h));
    ssize_t n;
    /* MSG_TRUNC: the return value is the datagram's real size (Linux >= 3.4). */
    do
        n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            msg_err(err, errlen, "nothing to receive");
            return MSG_AGAIN;
        }
        if (errno == ECONNRESET) {
            msg_err(err, errlen, "peer closed");
            return MSG_EOF;
        }
        return msg_err(err, errlen, "recvmsg: %s", strerror(errno));
    }
    collect_fds(&mh, fds, &rx);

    if (n == 0) {
        /* SEQPACKET: end of stream (a zero-length datagram is no message either). */
        msg_err(err, errlen, "peer closed");
        rc = MSG_EOF;
    } else if (mh.msg_flags & MSG_CTRUNC) {
        msg_err(err, errlen,
                "control data truncated: more than %d fds or a foreign control "
                "message",
                MSG_MAX_FDS);
    } else if (rx.extra) {
        msg_err(err, errlen, "%d fds, at most %d per message", rx.n + rx.extra, MSG_MAX_FDS);
    } else if (rx.foreign) {
        msg_err(err, errlen, "unexpected control message (level %d, type %d)", rx.level, rx.type);
    } else if ((mh.msg_flags & MSG_TRUNC) || (size_t)n > MSG_HDR_LEN + cap) {
        msg_err(err, errlen, "datagram of %zd bytes exceeds the receive buffer of %zu", n,
                MSG_HDR_LEN + cap);
    } else if (msg_hdr_parse(raw, (size_t)n, rx.n, h, err, errlen) == MSG_OK) {
        *nfds = rx.n;
        return MSG_OK;
    }
    msg_close_fds(fds, rx.n);
    return rc;
}
