/*
 * mon_rule.c - the rule table: add, delete, list with counters, and rebuilding
 * the table from the pinned records after a restart.
 *
 * Write order keeps every packet on either the old or the new rule set: an add
 * zeroes the rule's counters, writes its record, sets the presence bit, and only
 * then inserts the match entries the datapath finds; a delete removes the match
 * entries first. A rule whose record exists is the truth after a crash: recovery
 * re-inserts missing match entries rather than leaving a hidden half-rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "mon/mon_internal.h"

static unsigned rec_class(const struct mon_rule_rec *rec)
{
    return rec->l4port ? MON_CLASS_PORT : rec->proto ? MON_CLASS_PROTO : MON_CLASS_ANY;
}

static unsigned rec_bit(const struct mon_rule_rec *rec)
{
    unsigned scope = rec->scope ? MON_SCOPE_PORT : MON_SCOPE_ALL;
    unsigned kind = rec->plen == 32 ? MON_KIND_HASH : MON_KIND_LPM;
    return MON_PRESENT_BIT(rec->tier, scope, rec_class(rec), kind);
}

static void rec_key(const struct mon_rule_rec *rec, unsigned dir, struct mon_lpm_key *k)
{
    memset(k, 0, sizeof(*k));
    k->prefixlen = MON_MATCH_FIXED_BITS + rec->plen;
    k->m.tier = rec->tier;
    k->m.dir = (__u8)dir;
    k->m.proto = rec->proto;
    k->m.l4port = rec->l4port;
    k->m.scope = rec->scope;
    k->m.addr = rec->addr;
}

/* The entry with exactly this match, if any (the trie answers the longest
 * prefix up to ours, so its plen tells whether it is ours). */
static int match_find(struct mon *m, const struct mon_rule_rec *rec, unsigned dir,
                      struct mon_verdict *v)
{
    struct mon_lpm_key k;
    rec_key(rec, dir, &k);
    if (rec->plen == 32) return bpf_map_lookup_elem(m->fd_exact, &k.m, v) == 0;
    return bpf_map_lookup_elem(m->fd_prefix, &k, v) == 0 && v->plen == rec->plen;
}

static int match_put(struct mon *m, const struct mon_rule_rec *rec, unsigned dir, uint32_t id,
                     __u64 flags)
{
    struct mon_lpm_key k;
    struct mon_verdict v = {.rule_id = id, .action = rec->action, .plen = rec->plen};
    rec_key(rec, dir, &k);
    int rc = rec->plen == 32 ? bpf_map_update_elem(m->fd_exact, &k.m, &v, flags)
                             : bpf_map_update_elem(m->fd_prefix, &k, &v, flags);
    return rc ? -errno : 0;
}

static void match_del(struct mon *m, const struct mon_rule_rec *rec, unsigned dir)
{
    struct mon_lpm_key k;
    rec_key(rec, dir, &k);
    if (rec->plen == 32)
        bpf_map_delete_elem(m->fd_exact, &k.m);
    else
        bpf_map_delete_elem(m->fd_prefix, &k);
}

/* The datapath skips lookups of classes whose bit is clear: set the bit before
 * the first entry of a class appears, clear it after the last one is gone. */
static void present_ref(struct mon *m, unsigned dir, unsigned bit, int delta)
{
    uint32_t *r = &m->present_refs[dir][bit];
    if (delta > 0 && (*r)++ == 0)
        __atomic_fetch_or(&m->cfg->present[dir], 1ull << bit, __ATOMIC_SEQ_CST);
    else if (delta < 0 && *r > 0 && --*r == 0)
        __atomic_fetch_and(&m->cfg->present[dir], ~(1ull << bit), __ATOMIC_SEQ_CST);
}

void mon_rec_to_rule(const struct mon_rule_rec *rec, struct mon_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->addr = rec->addr;
    r->plen = rec->plen;
    r->proto = rec->proto;
    r->l4port = rec->l4port;
    r->dirs = rec->dirs;
    r->action = rec->action;
    r->port_id = rec->scope;
}

static uint32_t alloc_id(struct mon *m)
{
    for (uint32_t i = 1; i < MON_RULES_MAX; i++) {
        uint32_t id = m->next_id;
        m->next_id = id >= MON_RULES_MAX - 1 ? 1 : id + 1;
        if (!m->used[id]) return id;
    }
    return 0;
}

static int writable(struct mon *m)
{
    return m->flags & MON_OPEN_RDONLY ? mon_fail(m, -EROFS, "opened read-only") : 0;
}

/* May owner o put this rule in the table? */
static int may_add(struct mon *m, const struct mon_owner *o, const char *owner,
                   const struct mon_rule *r)
{
    if (o->tier != MON_TIER_GUEST || r->port_id == o->port) return 0;
    if (r->port_id == 0)
        return mon_fail(m, -EPERM,
                        "owner %s may add rules only on its own port %u, "
                        "not on every port",
                        owner, o->port);
    return mon_fail(m, -EPERM, "owner %s may add rules only on its own port %u, not on port %u",
                    owner, o->port, r->port_id);
}

static int add_entries(struct mon *m, const struct mon_rule_rec *rec, uint32_t id)
{
    unsigned done = 0;
    int rc = 0;
    for (unsigned d = 0; d < 2 && !rc; d++) {
        if (!(rec->dirs & (1u << d))) continue;
        present_ref(m, d, rec_bit(rec), +1);
        rc = match_put(m, rec, d, id, BPF_NOEXIST);
        if (rc)
            present_ref(m, d, rec_bit(rec), -1);
        else
            done |= 1u << d;
    }
    if (rc) /* roll back the direction that went in */
        for (unsigned d = 0; d < 2; d++)
            if (done & (1u << d)) {
                match_del(m, rec, d);
                present_ref(m, d, rec_bit(rec), -1);
            }
    return rc;
}

int mon_rule_add(struct mon *m, const struct mon_rule *r, const char *owner, uint32_t *id_out)
{
    struct mon_owner o;
    struct mon_rule_rec rec;
    struct mon_verdict v;
    int rc;

    if ((rc = writable(m)) || (rc = mon_rule_check(r, m->err, sizeof(m->err))) ||
        (rc = mon_owner_parse(owner, &o, m->err, sizeof(m->err))) ||
        (rc = may_add(m, &o, owner, r)))
        return rc;
    memset(&rec, 0, sizeof(rec));
    rec.addr = r->addr;
    rec.plen = r->plen;
    rec.proto = r->proto;
    rec.l4port = r->l4port;
    rec.dirs = r->dirs;
    rec.action = r->action;
    rec.scope = r->port_id;
    rec.tier = (__u8)o.tier;
    rec.created_ns = (__u64)time(NULL) * 1000000000ull;
    snprintf(rec.owner, sizeof(rec.owner), "%s", owner);

    for (unsigned d = 0; d < 2; d++)
        if ((rec.dirs & (1u << d)) && match_find(m, &rec, d, &v)) {
            const char *other =
                v.rule_id < MON_RULES_MAX && m->used[v.rule_id] ? m->recs[v.rule_id].owner : "?";
            return mon_fail(m, -EEXIST, "rule %u (owner %s) already has this match %s", v.rule_id,
                            other, d == MON_DIR_FROM_GUEST ? "from the guest" : "to the guest");
        }
    if (m->nrules >= MON_RULES_MAX - 1)
        return mon_fail(m, -ENOSPC, "rule table full (%u rules)", MON_RULES_MAX - 1);
    uint32_t id = alloc_id(m);
    const void *z = mon_zeros(m, sizeof(struct mon_counter));
    if (!id || !z) return mon_fail(m, -ENOMEM, "out of memory");
    if (bpf_map_update_elem(m->fd_counters, &id, z, BPF_ANY) ||
        bpf_map_update_elem(m->fd_rules, &id, &rec, BPF_NOEXIST))
        return mon_fail(m, -errno, "cannot store rule %u: %s", id, strerror(errno));
    if ((rc = add_entries(m, &rec, id))) {
        bpf_map_delete_elem(m->fd_rules, &id);
        return mon_fail(m, rc, "cannot insert rule %u: %s", id, strerror(-rc));
    }
    m->recs[id] = rec;
    m->used[id] = 1;
    m->nrules++;
    if (id_out) *id_out = id;
    return 0;
}

int mon_rule_del(struct mon *m, uint32_t id, const char *requester)
{
    struct mon_owner o;
    int rc;

    if ((rc = writable(m)) || (rc = mon_owner_parse(requester, &o, m->err, sizeof(m->err))))
        return rc;
    if (id == 0 || id >= MON_RULES_MAX || !m->used[id])
        return mon_fail(m, -ENOENT, "no rule %u", id);
    struct mon_rule_rec *rec = &m->recs[id];
    if (o.tier != MON_TIER_ADMIN && strcmp(rec->owner, requester) != 0)
        return mon_fail(m, -EPERM, "rule %u belongs to %s; %s may delete only its own rules", id,
                        rec->owner, requester);
    for (unsigned d = 0; d < 2; d++)
        if (rec->dirs & (1u << d)) {
            match_del(m, rec, d);
            present_ref(m, d, rec_bit(rec), -1);
        }
    bpf_map_delete_elem(m->fd_rules, &id);
    m->used[id] = 0;
    m->nrules--;
    return 0;
}

static void read_counter(struct mon *m, uint32_t id, struct mon_rule_info *ri)
{
    struct mon_counter *v = (void *)mon_zeros(m, sizeof(*v));
    if (!v || bpf_map_lookup_elem(m->fd_counters, &id, v) != 0) return;
    for (int c = 0; c < m->ncpus; c++) {
        ri->packets += v[c].packets;
        ri->bytes += v[c].bytes;
    }
    memset(v, 0, sizeof(*v) * (size_t)m->ncpus); /* the buffer is shared zeros */
}

static void fill_info(struct mon *m, uint32_t id, int counters, struct mon_rule_info *ri)
{
    const struct mon_rule_rec *rec = &m->recs[id];
    memset(ri, 0, sizeof(*ri));
    ri->id = id;
    mon_rec_to_rule(rec, &ri->rule);
    memcpy(ri->owner, rec->owner, sizeof(ri->owner));
    ri->owner[sizeof(ri->owner) - 1] = '\0';
    ri->created = rec->created_ns / 1000000000ull;
    if (counters) read_counter(m, id, ri);
}

int mon_rule_get(struct mon *m, uint32_t id, struct mon_rule_info *out)
{
    if (id == 0 || id >= MON_RULES_MAX || !m->used[id])
        return mon_fail(m, -ENOENT, "no rule %u", id);
    fill_info(m, id, 1, out);
    return 0;
}

int mon_rule_list(struct mon *m, int counters, mon_rule_cb cb, void *ctx)
{
    struct mon_rule_info ri;
    for (uint32_t id = 1; id < MON_RULES_MAX; id++) {
        if (!m->used[id]) continue;
        fill_info(m, id, counters, &ri);
        if (cb(&ri, ctx)) break;
    }
    return 0;
}

size_t mon_rule_count(const struct mon *m)
{
    return m->nrules;
}

/* A record is usable if it is one mon_rule_add could have written. */
static int rec_sane(const struct mon_rule_rec *rec)
{
    struct mon_rule r;
    struct mon_owner o;
    char err[MON_ERR_LEN];
    mon_rec_to_rule(rec, &r);
    return memchr(rec->owner, '\0', sizeof(rec->owner)) &&
           mon_rule_check(&r, err, sizeof(err)) == 0 &&
           mon_owner_parse(rec->owner, &o, err, sizeof(err)) == 0 && o.tier == rec->tier;
}

/* Rebuild the table from the pinned records; a writer also recounts the
 * presence bits and re-inserts match entries a crash may have left out. */
int mon_rules_recover(struct mon *m)
{
    uint32_t key, next, max = 0;
    int writer = !(m->flags & MON_OPEN_RDONLY), have = 0;

    m->recs = calloc(MON_RULES_MAX, sizeof(*m->recs));
    m->used = calloc(MON_RULES_MAX, 1);
    if (!m->recs || !m->used) return mon_fail(m, -ENOMEM, "out of memory for the rule table");
    memset(m->present_refs, 0, sizeof(m->present_refs));
    while (bpf_map_get_next_key(m->fd_rules, have ? &key : NULL, &next) == 0) {
        struct mon_rule_rec rec;
        key = next;
        have = 1;
        if (next == 0 || next >= MON_RULES_MAX ||
            bpf_map_lookup_elem(m->fd_rules, &next, &rec) != 0 || !rec_sane(&rec))
            continue; /* not ours to interpret; never matched either */
        m->recs[next] = rec;
        m->used[next] = 1;
        m->nrules++;
        if (next > max) max = next;
        for (unsigned d = 0; writer && d < 2; d++) {
            struct mon_verdict v;
            if (!(rec.dirs & (1u << d))) continue;
            m->present_refs[d][rec_bit(&rec)]++;
            if (!match_find(m, &rec, d, &v) || v.rule_id != next)
                match_put(m, &rec, d, next, BPF_ANY);
        }
    }
    m->next_id = max + 1 >= MON_RULES_MAX ? 1 : max + 1;
    if (!writer) return 0;
    for (unsigned d = 0; d < 2; d++) {
        __u64 bits = 0;
        for (unsigned b = 0; b < 64; b++)
            if (m->present_refs[d][b]) bits |= 1ull << b;
        __atomic_store_n(&m->cfg->present[d], bits, __ATOMIC_SEQ_CST);
    }
    return 0;
}
