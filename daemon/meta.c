/* meta.c — see meta.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "uuid.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct meta_actor *find_number(const struct meta *m, uint32_t number)
{
    size_t lo = 0, hi = m->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->actors[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->actors[lo].number == number ? &m->actors[lo] : NULL;
}

/* What meta_load's scans fill: the metadata, and the first damage found. */
struct load {
    struct meta *m;
    char *err;
    size_t errlen;
    bool bad;
};

void meta_key_name(char *out, size_t len, const uint8_t *k, size_t klen)
{
    size_t n = 0;

    if (klen == 0) {
        snprintf(out, len, "(empty key)");
        return;
    }
    n = (size_t)snprintf(out, len, "%c", k[0] >= 0x20 && k[0] < 0x7f ? k[0] : '?');
    for (size_t i = 1; i < klen && n + 3 < len; i++)
        n += (size_t)snprintf(out + n, len - n, "%02x", k[i]);
}

/* Record the first damage: err begins with "corrupt" and names the key. */
static void damaged(struct load *l, const uint8_t *k, size_t klen, const char *why)
{
    char name[80];

    if (l->bad)
        return;
    l->bad = true;
    meta_key_name(name, sizeof name, k, klen);
    snprintf(l->err, l->errlen, "corrupt metadata: key %s: %s", name, why);
}

static void load_actor(void *arg, const uint8_t *k, size_t klen,
                       const uint8_t *v, size_t vlen)
{
    struct load *l = arg;
    struct meta *m = l->m;
    Stratd__ActorMeta *am;
    struct meta_actor *a;

    if (!(klen == 17 && k[0] == 'A') && !(klen == 5 && k[0] == 'R')) {
        damaged(l, k, klen, "an actor key of the wrong length");
        return;
    }
    am = stratd__actor_meta__unpack(NULL, vlen, v);
    if (!am || am->uuid.len != 16 || (k[0] == 'A' && memcmp(am->uuid.data, k + 1, 16) != 0) ||
        (k[0] == 'R' && am->number != get_be32(k + 1))) {
        damaged(l, k, klen, "the actor record does not decode");
        goto out;
    }
    if (am->base.n_unknown_fields > 0) {
        damaged(l, k, klen, "the actor record has fields this build does not know "
                "(written by a newer stratd?)");
        goto out;
    }
    m->actors = realloc(m->actors, (m->n + 1) * sizeof *m->actors);
    if (!m->actors)
        abort();
    a = &m->actors[m->n++];
    memset(a, 0, sizeof *a);
    memcpy(a->uuid, am->uuid.data, 16);
    a->number = am->number;
    a->id = strdup(am->id);
    a->kind = strdup(am->kind);
    a->params = strdup(am->params);
    a->params_hash = am->params_hash;
    a->retired = am->retired || k[0] == 'R';
    if (a->number > m->max_number)
        m->max_number = a->number;
out:
    if (am)
        stratd__actor_meta__free_unpacked(am, NULL);
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void load_u64(void *arg, const uint8_t *k, size_t klen,
                     const uint8_t *v, size_t vlen)
{
    struct load *l = arg;
    struct meta_actor *a;

    if (klen != 5) {
        damaged(l, k, klen, "a key of the wrong length");
        return;
    }
    if (vlen != 8) {
        damaged(l, k, klen, k[0] == 'W' ? "a watermark that is not 8 bytes"
                                        : "a digest that is not 8 bytes");
        return;
    }
    if (!(a = find_number(l->m, get_be32(k + 1))))
        return;   /* of no actor: describes nothing (retire deletes it) */
    if (k[0] == 'W') {
        a->watermark = get_be64(v);
    } else {
        a->has_digest = true;
        a->digest = get_be64(v);
    }
}

static int by_number(const void *x, const void *y)
{
    const struct meta_actor *a = x, *b = y;
    return a->number < b->number ? -1 : a->number > b->number;
}

/* The markers: format (4 bytes) and clean ("1"). 0 or -1 (err filled). */
static int load_markers(struct journal *j, struct load *l)
{
    struct meta *m = l->m;
    size_t len;
    char *v;

    v = journal_meta_get(j, "format", 6, &len);
    if (v) {
        if (len != 4)
            damaged(l, (const uint8_t *)"format", 6, "the format marker is not 4 bytes");
        else
            m->format = get_be32((uint8_t *)v);
        free(v);
        if (!l->bad && m->format != JOURNAL_FORMAT_VERSION) {
            snprintf(l->err, l->errlen, "journal format %u is not supported by this "
                     "build (it reads format %d)", m->format, JOURNAL_FORMAT_VERSION);
            return -1;
        }
    }
    v = journal_meta_get(j, "clean", 5, &len);
    if (v && !(len == 1 && v[0] == '1'))
        damaged(l, (const uint8_t *)"clean", 5, "the clean marker is not \"1\"");
    m->clean = v != NULL;
    free(v);
    return l->bad ? -1 : 0;
}

int meta_load(struct journal *j, struct meta *m, char *err, size_t errlen)
{
    struct load l = {m, err, errlen, false};
    int rc = 0;

    memset(m, 0, sizeof *m);
    rc = load_markers(j, &l);
    if (rc == 0 && (journal_meta_scan(j, "A", 1, load_actor, &l) != 0 ||
                    journal_meta_scan(j, "R", 1, load_actor, &l) != 0))
        rc = -1;
    if (rc == 0 && !l.bad && m->n > 1)
        qsort(m->actors, m->n, sizeof *m->actors, by_number);
    if (rc == 0 && !l.bad && (journal_meta_scan(j, "W", 1, load_u64, &l) != 0 ||
                              journal_meta_scan(j, "D", 1, load_u64, &l) != 0))
        rc = -1;
    if (journal_read_error(j))   /* a failed read: damage too */
        snprintf(err, errlen, "corrupt metadata: %s", journal_read_error(j));
    if (l.bad || journal_read_error(j))
        rc = -1;
    if (rc != 0)
        meta_release(m);
    return rc;
}

void meta_release(struct meta *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->actors[i].id);
        free(m->actors[i].kind);
        free(m->actors[i].params);
    }
    free(m->actors);
    memset(m, 0, sizeof *m);
}

struct meta_actor *meta_find_uuid(const struct meta *m, const uint8_t uuid[16])
{
    for (size_t i = 0; i < m->n; i++)
        if (!m->actors[i].retired && memcmp(m->actors[i].uuid, uuid, 16) == 0)
            return &m->actors[i];
    return NULL;
}

struct meta_actor *meta_find_id(const struct meta *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++)
        if (!m->actors[i].retired && strcmp(m->actors[i].id, id) == 0)
            return &m->actors[i];
    return NULL;
}

/* Stage a's ActorMeta record, with retired as given, under key. */
static void put_actor_meta(struct journal *j, const uint8_t *key, size_t klen,
                           const struct meta_actor *a, bool retired)
{
    Stratd__ActorMeta am = STRATD__ACTOR_META__INIT;
    uint8_t *buf;
    size_t len;

    am.uuid.data = (uint8_t *)a->uuid;
    am.uuid.len = 16;
    am.number = a->number;
    am.id = a->id;
    am.kind = a->kind;
    am.params_hash = a->params_hash;
    am.params = a->params;
    am.retired = retired;
    len = stratd__actor_meta__get_packed_size(&am);
    buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    stratd__actor_meta__pack(&am, buf);
    journal_meta_put(j, key, klen, buf, len);
    free(buf);
}

void meta_retire(struct journal *j, const struct meta_actor *a)
{
    uint8_t key[17];

    key[0] = 'R';
    put_be32(key + 1, a->number);
    put_actor_meta(j, key, 5, a, true);
    key[0] = 'A';
    memcpy(key + 1, a->uuid, 16);
    journal_meta_delete(j, key, 17);
    meta_delete_digest(j, a->number);
    key[0] = 'W';
    put_be32(key + 1, a->number);
    journal_meta_delete(j, key, 5);
}

void meta_put_actor(struct journal *j, const uint8_t uuid[16], uint32_t number,
                    const struct topo_actor *t, bool retired)
{
    struct meta_actor a = {
        .number = number,
        .id = t->id,
        .kind = (char *)t->kind->name,
        .params = t->params_canon,
        .params_hash = t->params_hash,
    };
    uint8_t key[17];

    memcpy(a.uuid, uuid, 16);
    key[0] = 'A';
    memcpy(key + 1, uuid, 16);
    put_actor_meta(j, key, sizeof key, &a, retired);
}

static void put_u64(struct journal *j, char tag, uint32_t number, uint64_t v)
{
    uint8_t key[5], val[8];

    key[0] = (uint8_t)tag;
    put_be32(key + 1, number);
    for (int i = 7; i >= 0; i--, v >>= 8)
        val[i] = (uint8_t)v;
    journal_meta_put(j, key, sizeof key, val, sizeof val);
}

void meta_put_watermark(struct journal *j, uint32_t number, uint64_t lsn)
{
    put_u64(j, 'W', number, lsn);
}

void meta_put_digest(struct journal *j, uint32_t number, uint64_t digest)
{
    put_u64(j, 'D', number, digest);
}

void meta_delete_digest(struct journal *j, uint32_t number)
{
    uint8_t key[5];
    key[0] = 'D';
    put_be32(key + 1, number);
    journal_meta_delete(j, key, sizeof key);
}

void meta_put_clean(struct journal *j, bool clean)
{
    if (clean)
        journal_meta_put(j, "clean", 5, "1", 1);
    else
        journal_meta_delete(j, "clean", 5);
}

void meta_put_format(struct journal *j)
{
    uint8_t v[4];
    put_be32(v, JOURNAL_FORMAT_VERSION);
    journal_meta_put(j, "format", 6, v, sizeof v);
}

/* Value of "key=" in canonical params text, as a length-delimited span. */
static const char *canon_value(const char *canon, const char *key, size_t klen,
                               size_t *vlen)
{
    for (const char *line = canon; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
            *vlen = n - klen - 1;
            return line + klen + 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* Append to *out the keys of a that differ in b (or, with only_missing,
 * that b lacks): one pass each way lists every changed key once. */
static void diff_keys(const char *a, const char *b, bool only_missing,
                      char **out, size_t *len)
{
    for (const char *line = a; line && *line;) {
        const char *nl = strchr(line, '\n'), *eq = strchr(line, '=');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (eq && eq < line + n) {
            size_t klen = (size_t)(eq - line), alen = n - klen - 1, blen = 0;
            const char *bv = canon_value(b, line, klen, &blen);
            bool differs = !bv || (!only_missing && (blen != alen ||
                                                     memcmp(bv, eq + 1, alen) != 0));
            if (differs) {
                *out = realloc(*out, *len + klen + 3);
                if (!*out)
                    abort();
                *len += (size_t)sprintf(*out + *len, "%s%.*s", *len ? ", " : "",
                                        (int)klen, line);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

void meta_diff(const struct meta *m, const struct topology *t, struct meta_diff *d)
{
    memset(d, 0, sizeof *d);
    d->v = calloc(t->n_actors + m->n + 1, sizeof *d->v);
    if (!d->v)
        abort();
    for (size_t i = 0; i < t->n_actors; i++) {
        const struct topo_actor *ta = &t->actors[i];
        struct meta_diff_item *it = &d->v[d->n++];
        uint8_t uuid[16];
        struct meta_actor *ma;

        uuid_v5(uuid, uuid_ns_stratd, ta->id, strlen(ta->id));
        ma = meta_find_uuid(m, uuid);
        it->id = ta->id;
        it->kind = ta->kind->name;
        it->line = ta->line;
        it->col = ta->col;
        if (!ma) {
            it->change = META_NEW;
        } else if (strcmp(ma->kind, ta->kind->name) != 0) {
            it->change = META_CHANGED;
            it->keys = strdup("kind");
            d->changed++;
        } else if (ma->params_hash != ta->params_hash ||
                   strcmp(ma->params, ta->params_canon) != 0) {
            size_t len = 0;
            it->change = META_CHANGED;
            diff_keys(ta->params_canon, ma->params, false, &it->keys, &len);
            diff_keys(ma->params, ta->params_canon, true, &it->keys, &len);
            if (!it->keys)
                it->keys = strdup("params");
            d->changed++;
        } else {
            it->change = META_UNCHANGED;
        }
    }
    for (size_t i = 0; i < m->n; i++) {
        if (m->actors[i].retired || topology_find(t, m->actors[i].id) >= 0)
            continue;
        struct meta_diff_item *it = &d->v[d->n++];
        it->change = META_REMOVED;
        it->id = m->actors[i].id;
        it->kind = m->actors[i].kind;
    }
}

void meta_diff_release(struct meta_diff *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].keys);
    free(d->v);
    memset(d, 0, sizeof *d);
}
