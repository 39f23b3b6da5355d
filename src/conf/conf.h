/*
 * conf.h - the configuration file: an INI-like text of [section] headers and
 * `key = value` lines, '#' comments. Parsed from bytes (the caller reads the
 * file), every entry remembers its line so that every error, here or in the
 * code that interprets a value, names "file:line".
 */
#ifndef VF_CONF_H
#define VF_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_BYTES (1u << 20) /* larger files are refused */
#define CONF_MAX_LINE 4096
#define CONF_MAX_ENTRIES 10000
#define CONF_MAX_NAME 64 /* section and key names */

struct conf_entry {
    char *section; /* "" before the first header */
    char *key;
    char *value; /* trimmed; inner spaces kept; never NULL */
    unsigned line;
};

struct conf_section {
    char *name;
    unsigned line; /* of its [header] */
};

struct conf {
    char *origin; /* file name for messages */
    struct conf_entry *v;
    size_t n;
    struct conf_section *sec; /* every [header], in order, also empty ones */
    size_t nsec;
};

/* 0 ok; -1 with err "origin:line: message" (nothing is kept on error). */
int conf_parse(struct conf *c, const char *origin, const char *text, size_t len, char *err,
               size_t errcap);
void conf_free(struct conf *c);

/* The last entry for section/key, or NULL. Repeated keys: iterate c->v. */
const struct conf_entry *conf_find(const struct conf *c, const char *section, const char *key);

/* Every key of `section` must be in allowed (NULL-terminated); every section
 * of the file must be in sections (NULL-terminated; a trailing '*' in a name
 * matches a prefix, e.g. "app.*"). -1 with "origin:line: unknown key 'x' in
 * [section]" otherwise. */
int conf_check(const struct conf *c, const char *const *sections, const char *section,
               const char *const *allowed, char *err, size_t errcap);

/* Typed values. When the key is absent *out = def and 0 is returned. On a bad
 * value: -1 and err "origin:line: key: reason". */
int conf_u64(const struct conf *c, const char *section, const char *key, uint64_t def,
             uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errcap);
/* Sizes accept K, M, G suffixes (powers of 1024). */
int conf_size(const struct conf *c, const char *section, const char *key, uint64_t def,
              uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errcap);
/* Durations: a number with ms or s (default s): "500ms", "5", "5s". Result ms. */
int conf_ms(const struct conf *c, const char *section, const char *key, uint64_t def,
            uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errcap);
/* Split a comma-separated list value into at most max trimmed items, which
 * point into buf (a copy of the value; bufcap must exceed its length). */
int conf_list(const struct conf_entry *e, char *buf, size_t bufcap, char **items, size_t max,
              size_t *n, const char *origin, char *err, size_t errcap);

#endif
