/*
 * of10_queue.c - QUEUE_GET_CONFIG_REQUEST and _REPLY: the reply lists
 * ofp_packet_queue entries, each carrying its own length and a list of queue
 * properties (NONE, 8 bytes; MIN_RATE, 16 bytes).
 *
 * Rejected: a request port outside 1..0xfeff (OFPQOFC_BAD_PORT, the spec asks
 * for a physical port); a queue or property whose length is below its header,
 * runs past its container, is not a multiple of 8, or does not match its
 * property's size, or properties that do not exactly fill their queue
 * (OFPBRC_BAD_LEN); an unknown property type (OFPBRC_BAD_SUBTYPE: OF1.0 has no
 * closer code, and dropping it would break the round trip).
 */
#include <string.h>

#include "of10/of10_bytes.h"
#include "of10/of10_internal.h"

enum { QR_PORT = 8, QR_END = 12 };                  /* request, 2 pad */
enum { QP_PORT = 8, QP_QUEUES = 16 };               /* reply, 6 pad */
enum { PQ_QUEUE_ID = 0, PQ_LEN = 4, PQ_PROPS = 8 }; /* ofp_packet_queue */
enum { PR_PROPERTY = 0, PR_LEN = 2, PR_RATE = 8 };  /* ofp_queue_prop_* */
_Static_assert((int)(QR_END) == (int)(OFP10_QUEUE_GET_CONFIG_REQUEST_LEN),
               "queue_get_config_request");
_Static_assert((int)(QP_QUEUES) == (int)(OFP10_QUEUE_GET_CONFIG_REPLY_LEN),
               "queue_get_config_reply");
_Static_assert((int)(PQ_PROPS) == (int)(OFP10_PACKET_QUEUE_LEN), "ofp_packet_queue");
_Static_assert((int)(PR_RATE) == (int)(OFP10_QUEUE_PROP_HEADER_LEN), "ofp_queue_prop_header");

/* ---- request ----------------------------------------------------------- */

static uint32_t request_port_check(uint16_t port)
{
    return of10_port_is_physical(port) ? OF10_OK : OF10_E_QOP_BAD_PORT;
}

uint32_t of10_qgc_request_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                                 struct of10_arena *arena)
{
    (void)len, (void)arena;
    m->u.queue_get_config_request = be_get16(p + QR_PORT);
    return request_port_check(m->u.queue_get_config_request);
}

uint32_t of10_qgc_request_validate(const struct of10_msg *m)
{
    return request_port_check(m->u.queue_get_config_request);
}

void of10_qgc_request_encode(const struct of10_msg *m, uint8_t *p)
{
    be_put16(p + QR_PORT, m->u.queue_get_config_request);
}

/* ---- reply ------------------------------------------------------------- */

/* Wire size of a property type, 0 if unknown. */
static size_t prop_size(uint16_t property)
{
    switch (property) {
    case OFPQT10_NONE:
        return OFP10_QUEUE_PROP_HEADER_LEN;
    case OFPQT10_MIN_RATE:
        return OFP10_QUEUE_PROP_MIN_RATE_LEN;
    default:
        return 0;
    }
}

/* One well-framed property: a known type, and exactly that type's size. */
static uint32_t prop_check(const uint8_t *e, size_t len)
{
    size_t want = prop_size(be_get16(e + PR_PROPERTY));
    if (!want) return OF10_E_BAD_SUBTYPE;
    return len != want ? OF10_E_BAD_LEN : OF10_OK;
}

/* Checks the properties of one queue (plen bytes at p) and counts them. */
static uint32_t props_check(const uint8_t *p, size_t plen, size_t *n)
{
    return of10_entries_count(p, plen, OFP10_QUEUE_PROP_HEADER_LEN, PR_LEN, prop_check, n);
}

/* One well-framed queue: its properties must check too. */
static uint32_t queue_check(const uint8_t *e, size_t len)
{
    size_t n_props;
    return props_check(e + PQ_PROPS, len - PQ_PROPS, &n_props);
}

/* Checks the framing of queue entries and their properties; counts queues. */
static uint32_t queues_check(const uint8_t *p, size_t qlen, size_t *n)
{
    return of10_entries_count(p, qlen, OFP10_PACKET_QUEUE_LEN, PQ_LEN, queue_check, n);
}

/* Decodes one queue already checked by queues_check(). */
static uint32_t queue_decode(const uint8_t *p, struct of10_packet_queue *q,
                             struct of10_arena *arena)
{
    size_t len = be_get16(p + PQ_LEN), n = 0;
    uint32_t err = OF10_OK;
    q->queue_id = be_get32(p + PQ_QUEUE_ID);
    (void)props_check(p + PQ_PROPS, len - PQ_PROPS, &n);
    q->props = of10_arena_array(arena, n, sizeof *q->props, &err);
    if (err) return err;
    const uint8_t *pr = p + PQ_PROPS;
    for (size_t i = 0; i < n; i++) {
        q->props[i].property = be_get16(pr + PR_PROPERTY);
        q->props[i].rate = q->props[i].property == OFPQT10_MIN_RATE ? be_get16(pr + PR_RATE) : 0;
        pr += be_get16(pr + PR_LEN);
    }
    q->n_props = n;
    return OF10_OK;
}

/* The reply's port is not checked: it echoes the request, and a controller
 * has no error to send back for a reply. */
uint32_t of10_qgc_reply_decode(const uint8_t *p, size_t len, struct of10_msg *m,
                               struct of10_arena *arena)
{
    struct of10_queue_get_config_reply *r = &m->u.queue_get_config_reply;
    size_t n = 0;
    r->port = be_get16(p + QP_PORT);
    uint32_t err = queues_check(p + QP_QUEUES, len - QP_QUEUES, &n);
    if (err) return err;
    struct of10_packet_queue *v = of10_arena_array(arena, n, sizeof *v, &err);
    if (err) return err;
    const uint8_t *q = p + QP_QUEUES;
    for (size_t i = 0; i < n; i++) {
        err = queue_decode(q, &v[i], arena);
        if (err) return err;
        q += be_get16(q + PQ_LEN);
    }
    r->queues = v;
    r->n_queues = n;
    return OF10_OK;
}

uint32_t of10_qgc_reply_validate(const struct of10_msg *m)
{
    const struct of10_queue_get_config_reply *r = &m->u.queue_get_config_reply;
    if (r->n_queues && !r->queues) return OF10_E_BAD_LEN;
    for (size_t i = 0; i < r->n_queues; i++) {
        const struct of10_packet_queue *q = &r->queues[i];
        if (q->n_props && !q->props) return OF10_E_BAD_LEN;
        for (size_t j = 0; j < q->n_props; j++)
            if (!prop_size(q->props[j].property)) return OF10_E_BAD_SUBTYPE;
    }
    return OF10_OK;
}

static size_t queue_len(const struct of10_packet_queue *q)
{
    size_t len = OFP10_PACKET_QUEUE_LEN;
    if (q->n_props && !q->props) return SIZE_MAX; /* unencodable */
    for (size_t j = 0; j < q->n_props; j++)
        len = of10_len_add(len, prop_size(q->props[j].property));
    return len;
}

size_t of10_qgc_reply_len(const struct of10_msg *m)
{
    const struct of10_queue_get_config_reply *r = &m->u.queue_get_config_reply;
    size_t len = OFP10_QUEUE_GET_CONFIG_REPLY_LEN;
    if (r->n_queues && !r->queues) return SIZE_MAX; /* unencodable */
    for (size_t i = 0; i < r->n_queues; i++)
        len = of10_len_add(len, queue_len(&r->queues[i]));
    return len;
}

void of10_qgc_reply_encode(const struct of10_msg *m, uint8_t *p)
{
    const struct of10_queue_get_config_reply *r = &m->u.queue_get_config_reply;
    be_put16(p + QP_PORT, r->port);
    uint8_t *q = p + QP_QUEUES;
    for (size_t i = 0; i < r->n_queues; i++) {
        const struct of10_packet_queue *pq = &r->queues[i];
        be_put32(q + PQ_QUEUE_ID, pq->queue_id);
        be_put16(q + PQ_LEN, (uint16_t)queue_len(pq));
        uint8_t *pr = q + PQ_PROPS;
        for (size_t j = 0; j < pq->n_props; j++) {
            size_t plen = prop_size(pq->props[j].property);
            be_put16(pr + PR_PROPERTY, pq->props[j].property);
            be_put16(pr + PR_LEN, (uint16_t)plen);
            if (pq->props[j].property == OFPQT10_MIN_RATE)
                be_put16(pr + PR_RATE, pq->props[j].rate);
            pr += plen;
        }
        q += queue_len(pq);
    }
}
