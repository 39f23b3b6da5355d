/*
 * msg_queue.c - the outgoing side of a message link: both ends of a domain's
 * socketpair are non-blocking, and the unread datagrams of a connected
 * AF_UNIX SEQPACKET pair are charged to the sender's SO_SNDBUF (about two
 * largest messages, see msg_sock_setup), so a set of apps or a burst of log
 * lines does not always fit at once. Messages that the socket does not take
 * are kept here, in order, and written when it becomes writable.
 *
 * Every message is encoded and checked (msg_send's msg_check) before it is
 * queued, so what waits here is known good. fds of a queued message are
 * dup'ed: the caller may close its own at once, and a queued SOCK_ACCEPTED
 * keeps its socket alive until it is delivered or dropped.
 *
 * Neither a queued item nor the scratch buffer keeps a copy of a message
 * after it left: both are cleared (TLS_CONFIG carries a private key).
 */
#include "msg/msg_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct msg_qitem {
    struct msg_qitem *next;
    uint16_t type;
    uint32_t id;
    int nfds, fds[MSG_MAX_FDS];
    size_t len;
    uint8_t payload[]; /* encoded, checked */
};

int msg_outq_init(struct msg_outq *q, size_t max_bytes)
{
    memset(q, 0, sizeof(*q));
    q->max_bytes = max_bytes;
    q->scratch = malloc(MSG_MAX_PAYLOAD);
    return q->scratch ? MSG_OK : MSG_FATAL;
}

static void item_free(struct msg_qitem *it)
{
    msg_close_fds(it->fds, it->nfds);
    explicit_bzero(it->payload, it->len);
    free(it);
}

void msg_outq_clear(struct msg_outq *q)
{
    while (q->head) {
        struct msg_qitem *it = q->head;
        q->head = it->next;
        item_free(it);
    }
    q->tail = NULL;
    q->n = q->bytes = 0;
}

void msg_outq_free(struct msg_outq *q)
{
    msg_outq_clear(q);
    free(q->scratch);
    q->scratch = NULL;
}

static int enqueue(struct msg_outq *q, uint16_t type, uint32_t id, const uint8_t *p, size_t len,
                   const int *fds, int nfds, char *err, size_t errlen)
{
    if (q->bytes + len > q->max_bytes)
        return msg_err(err, errlen, "%zu bytes queued to a peer that does not read (bound %zu)",
                       q->bytes, q->max_bytes);
    struct msg_qitem *it = malloc(sizeof(*it) + len);
    if (!it) return msg_err(err, errlen, "out of memory queueing %s", msg_type_name(type));
    it->next = NULL;
    it->type = type;
    it->id = id;
    it->len = len;
    it->nfds = 0;
    memcpy(it->payload, p, len);
    for (int i = 0; i < nfds; i++) {
        it->fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
        if (it->fds[i] < 0) {
            int e = errno;
            item_free(it);
            return msg_err(err, errlen, "dup of a queued fd: %s", strerror(e));
        }
        it->nfds++;
    }
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->n++;
    q->bytes += len;
    return MSG_OK;
}

int msg_outq_send(struct msg_outq *q, int fd, uint16_t type, uint32_t id, const union msg_body *b,
                  const int *fds, int nfds, char *err, size_t errlen)
{
    struct msg_w w;
    char why[MSG_ERR_MAX];
    msg_w_init(&w, q->scratch, MSG_MAX_PAYLOAD);
    if (msg_encode(type, &w, b) != MSG_OK)
        return msg_err(err, errlen, "refusing to send: %s does not encode", msg_type_name(type));
    if (msg_check(type, w.buf, w.len, nfds, why, sizeof(why)) != MSG_OK)
        return msg_err(err, errlen, "refusing to send: %s", why);
    /* Order is the link's contract: nothing overtakes what is queued. */
    int rc = MSG_AGAIN;
    if (!q->head) rc = msg_send(fd, type, id, w.buf, w.len, fds, nfds, err, errlen);
    if (rc == MSG_AGAIN) rc = enqueue(q, type, id, w.buf, w.len, fds, nfds, err, errlen);
    explicit_bzero(w.buf, w.len);
    return rc;
}

int msg_outq_flush(struct msg_outq *q, int fd, char *err, size_t errlen)
{
    while (q->head) {
        struct msg_qitem *it = q->head;
        int rc =
            msg_send(fd, it->type, it->id, it->payload, it->len, it->fds, it->nfds, err, errlen);
        if (rc != MSG_OK) return rc; /* MSG_AGAIN: wait for the socket */
        q->head = it->next;
        if (!q->head) q->tail = NULL;
        q->n--;
        q->bytes -= it->len;
        item_free(it);
    }
    return MSG_OK;
}
