/*
 * conf.c - parser for the INI-like configuration text. Strict on purpose: an
 * operator's typo must be an error with a line number, never a silently
 * ignored setting. Limits are in conf.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

static char *trim(char *s, char **end)
{
    while (*s == ' ' || *s == '\t') s++;
    char *e = *end;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *e = '\0';
    *end = e;
    return s;
}

static int valid_name(const char *s, int dots)
{
    size_t n = strlen(s);
    if (n == 0 || n > CONF_MAX_NAME) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && !(dots && *s == '.'))
            return 0;
    return 1;
}

static int add_entry(struct conf *c, size_t *cap, const char *sec, const char *key,
                     const char *val, unsigned line)
{
    if (c->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 32;
        struct conf_entry *v = realloc(c->v, ncap * sizeof(*v));
        if (!v) return -1;
        c->v = v;
        *cap = ncap;
    }
    struct conf_entry *e = &c->v[c->n];
    e->section = strdup(sec);
    e->key = strdup(key);
    e->value = strdup(val);
    e->line = line;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return -1;
    }
    c->n++;
    return 0;
}

/* Parse one line (NUL-terminated, comments and trailing space already gone). */
static int parse_line(struct conf *c, size_t *cap, char *s, char *end, char *section,
                      unsigned line, char *err, size_t errcap)
{
    if (*s == '[') {
        if (end[-1] != ']') {
            snprintf(err, errcap, "%s:%u: section header lacks ']'", c->origin, line);
            return -1;
        }
        end[-1] = '\0';
        char *e2 = end - 1;
        char *name = trim(s + 1, &e2);
        if (!valid_name(name, 1)) {
            snprintf(err, errcap, "%s:%u: bad section name '%.64s'", c->origin, line, name);
            return -1;
        }
        strcpy(section, name);
        struct conf_section *v = realloc(c->sec, (c->nsec + 1) * sizeof(*v));
        if (!v) return -1;
        c->sec = v;
        v[c->nsec].line = line;
        if (!(v[c->nsec].name = strdup(name))) return -1;
        c->nsec++;
        return 0;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(err, errcap, "%s:%u: expected 'key = value' or '[section]'", c->origin, line);
        return -1;
    }
    *eq = '\0';
    char *kend = eq;
    char *key = trim(s, &kend);
    char *vend = end;
    char *val = trim(eq + 1, &vend);
    if (!valid_name(key, 0)) {
        snprintf(err, errcap, "%s:%u: bad key name '%.64s'", c->origin, line, key);
        return -1;
    }
    if (c->n >= CONF_MAX_ENTRIES) {
        snprintf(err, errcap, "%s:%u: more than %u entries", c->origin, line, CONF_MAX_ENTRIES);
        return -1;
    }
    if (add_entry(c, cap, section, key, val, line) != 0) {
        snprintf(err, errcap, "%s:%u: out of memory", c->origin, line);
        return -1;
    }
    return 0;
}

int conf_parse(struct conf *c, const char *origin, const char *text, size_t len, char *err,
               size_t errcap)
{
    memset(c, 0, sizeof(*c));
    c->origin = strdup(origin);
    if (!c->origin) return -1;
    if (len > CONF_MAX_BYTES) {
        snprintf(err, errcap, "%s: file larger than %u bytes", origin, CONF_MAX_BYTES);
        conf_free(c);
        return -1;
    }
    char section[CONF_MAX_NAME + 1] = "";
    char buf[CONF_MAX_LINE + 1];
    size_t cap = 0, pos = 0;
    for (unsigned line = 1; pos < len; line++) {
        size_t start = pos;
        while (pos < len && text[pos] != '\n') pos++;
        size_t n = pos - start;
        pos++; /* past '\n' */
        if (n > CONF_MAX_LINE) {
            snprintf(err, errcap, "%s:%u: line longer than %u bytes", origin, line, CONF_MAX_LINE);
            goto fail;
        }
        memcpy(buf, text + start, n);
        buf[n] = '\0';
        if (memchr(buf, '\0', n)) {
            snprintf(err, errcap, "%s:%u: NUL byte in line", origin, line);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            if (ch < 0x20 && ch != '\t' && ch != '\r') {
                snprintf(err, errcap, "%s:%u: control character 0x%02x", origin, line, ch);
                goto fail;
            }
        }
        char *hash = strchr(buf, '#');
        if (hash) *hash = '\0';
        char *end = buf + strlen(buf);
        char *s = trim(buf, &end);
        if (*s == '\0') continue;
        if (parse_line(c, &cap, s, end, section, line, err, errcap) != 0) goto fail;
    }
    return 0;
fail:
    conf_free(c);
    return -1;
}

void conf_free(struct conf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].section);
        free(c->v[i].key);
        free(c->v[i].value);
    }
    free(c->v);
    for (size_t i = 0; i < c->nsec; i++) free(c->sec[i].name);
    free(c->sec);
    free(c->origin);
    memset(c, 0, sizeof(*c));
}

const struct conf_entry *conf_find(const struct conf *c, const char *section, const char *key)
{
    for (size_t i = c->n; i-- > 0;)
        if (strcmp(c->v[i].section, section) == 0 && strcmp(c->v[i].key, key) == 0)
            return &c->v[i];
    return NULL;
}

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++) {
        size_t n = strlen(*list);
        if (n && (*list)[n - 1] == '*' ? strncmp(name, *list, n - 1) == 0
                                       : strcmp(name, *list) == 0)
            return 1;
    }
    return 0;
}

int conf_check(const struct conf *c, const char *const *sections, const char *section,
               const char *const *allowed, char *err, size_t errcap)
{
    for (size_t i = 0; sections && i < c->nsec; i++)
        if (!name_in(c->sec[i].name, sections)) {
            snprintf(err, errcap, "%s:%u: unknown section [%s]", c->origin, c->sec[i].line,
                     c->sec[i].name);
            return -1;
        }
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_entry *e = &c->v[i];
        if (sections && !name_in(e->section, sections)) {
            snprintf(err, errcap, "%s:%u: unknown section [%s]", c->origin, e->line,
                     e->section[0] ? e->section : "(none)");
            return -1;
        }
        if (section && allowed && strcmp(e->section, section) == 0 && !name_in(e->key, allowed)) {
            snprintf(err, errcap, "%s:%u: unknown key '%s' in [%s]", c->origin, e->line, e->key,
                     section);
            return -1;
        }
    }
    return 0;
}

/* number with an optional suffix from units (each {suffix, multiplier}). */
struct unit {
    const char *suffix;
    uint64_t mul;
};

static int parse_scaled(const char *s, const struct unit *units, uint64_t *out)
{
    if (!isdigit((unsigned char)*s)) return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return -1;
    while (*end == ' ') end++;
    uint64_t mul = 1;
    if (*end) {
        const struct unit *u = units;
        for (; u && u->suffix; u++)
            if (strcasecmp(end, u->suffix) == 0) break;
        if (!u || !u->suffix) return -1;
        mul = u->mul;
    } else if (units && units[0].suffix && strcmp(units[0].suffix, "s") == 0) {
        mul = units[0].mul; /* durations default to seconds */
    }
    if (mul && v > UINT64_MAX / mul) return -1;
    *out = v * mul;
    return 0;
}

static int conf_scaled(const struct conf *c, const char *section, const char *key, uint64_t def,
                       uint64_t min, uint64_t max, uint64_t *out, const struct unit *units,
                       const char *what, char *err, size_t errcap)
{
    const struct conf_entry *e = conf_find(c, section, key);
    if (!e) {
        *out = def;
        return 0;
    }
    uint64_t v;
    if (parse_scaled(e->value, units, &v) != 0) {
        snprintf(err, errcap, "%s:%u: %s: '%.64s' is not %s", c->origin, e->line, key, e->value,
                 what);
        return -1;
    }
    if (v < min || v > max) {
        snprintf(err, errcap, "%s:%u: %s: %llu is out of range %llu..%llu", c->origin, e->line,
                 key, (unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

int conf_u64(const struct conf *c, const char *section, const char *key, uint64_t def,
             uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errcap)
{
    return conf_scaled(c, section, key, def, min, max, out, NULL, "a number", err, errcap);
}

int conf_size(const struct conf *c, const char *section, const char *key, uint64_t def,
              uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errcap)
{
    static const struct unit u[] = {{"K", 1ull << 10}, {"M", 1ull << 20}, {"G", 1ull << 30},
                                    {NULL, 0}};
    return conf_scaled(c, section, key, def, min, max, out, u, "a size (e.g. 64M)", err,
                       errcap);
}

int conf_ms(const struct conf *c, const char *section, const char *key, uint64_t def,
            uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errcap)
{
    static const struct unit u[] = {{"s", 1000}, {"ms", 1}, {NULL, 0}};
    return conf_scaled(c, section, key, def, min, max, out, u, "a duration (e.g. 5s, 500ms)",
                       err, errcap);
}

int conf_list(const struct conf_entry *e, char *buf, size_t bufcap, char **items, size_t max,
              size_t *n, const char *origin, char *err, size_t errcap)
{
    *n = 0;
    if (strlen(e->value) >= bufcap) {
        snprintf(err, errcap, "%s:%u: %s: list too long", origin, e->line, e->key);
        return -1;
    }
    strcpy(buf, e->value);
    char *s = buf;
    while (*s) {
        char *comma = strchr(s, ',');
        char *end = comma ? comma : s + strlen(s);
        char *item = trim(s, &end);
        if (!*item) {
            snprintf(err, errcap, "%s:%u: %s: empty list item", origin, e->line, e->key);
            return -1;
        }
        if (*n == max) {
            snprintf(err, errcap, "%s:%u: %s: more than %zu items", origin, e->line, e->key, max);
            return -1;
        }
        items[(*n)++] = item;
        if (!comma) break;
        s = comma + 1;
        if (!*s) {
            snprintf(err, errcap, "%s:%u: %s: empty list item", origin, e->line, e->key);
            return -1;
        }
    }
    return 0;
}
