/*
 * msg_internal.h - helpers shared by the msg_*.c files and nothing else:
 * set-position fields, the encoder epilogue, reason formatting.
 */
#ifndef VF_MSG_INTERNAL_H
#define VF_MSG_INTERNAL_H

#include "msg/msg.h"

/* errno values fit below this (Linux MAX_ERRNO): larger is not an errno. */
#define MSG_ERRNO_MAX 4095

void msg_enc_set_pos(struct msg_w *w, const struct msg_set_pos *s);
int msg_dec_set_pos(struct msg_r *r, struct msg_set_pos *s);
/* Entry text of a set: a name when the set has entries, "" for an empty set. */
int msg_get_set_name(struct msg_r *r, const struct msg_set_pos *s, char *dst, size_t cap);

/* Catalogue rules of a known type: payload length, then fd count. Reasons
 * name the type ("payload length 7, SOCK_CLOSE needs exactly 4"). */
int msg_spec_check_len(const struct msg_spec *s, size_t len, char *err, size_t errlen);
int msg_spec_check_fds(const struct msg_spec *s, int nfds, char *err, size_t errlen);

/* An encoder's return value. */
static inline int msg_enc_done(const struct msg_w *w)
{
    return w->failed ? MSG_FATAL : MSG_OK;
}

/* snprintf into a caller's reason buffer (err may be NULL); returns MSG_FATAL. */
int msg_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
