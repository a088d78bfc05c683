/*
 * journal_verify.c — see journal_verify.h.
 *
 * Both walk the journal the same way: metadata first (each record on its
 * own, so that one bad record does not hide the others), then the entries
 * from lsn 1 until the first one that is not sound. verify reports; salvage
 * copies what is sound into a new journal:
 *
 *   entries      lsn 1..N, the sound prefix, unchanged
 *   actors       the records ("A", "R") of the actors the prefix names;
 *                an actor first named after the prefix is dropped (it
 *                starts fresh, with a Start of its own); an undecodable
 *                record is dropped and the prefix ends before the first
 *                entry naming a number without a record
 *   cut          with the end lost (damaged entries), the run of sends
 *                ending the prefix may be part of one handling's output:
 *                it goes too (a handler's sends have consecutive lsns)
 *   watermarks   each actor's, but with the end lost (or its own
 *                watermark unreadable) no further than the entry that led
 *                to its last run of sends in the prefix: what came later
 *                is delivered again, live (its output was in what is
 *                lost); an actor that sent nothing gets all its entries
 *                again, live. Never past N.
 *   digests      none, and no clean marker: the next start compares no
 *                digests (the state is rebuilt from the prefix)
 *   format       this build's
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entry_decode.h"
#include "journal.h"
#include "journal_verify.h"
#include "meta.h"
#include "xalloc.h"

#define MAX_NUMBER (1u << 24)   /* numbers are given out from 1, one by one */
#define COPY_BATCH 4096

/* Metadata read record by record, without interpretation beyond form. */
struct rec {
    uint8_t *key, *val;
    size_t klen, vlen;
    uint32_t number;
};

/* What the scan learns of an actor number: its watermark, and where its
 * last run of sends (the output of one handling, or of a few in a row:
 * a handler's sends get consecutive lsns) starts and what came before. */
struct num {
    uint64_t wm;               /* UINT64_MAX: unreadable */
    bool has_wm;
    uint64_t last_in;          /* the last entry sent to it */
    uint64_t run_start;        /* its last run of sends */
    uint64_t trig, trig_prev;  /* last_in when its last (previous) run began */
};

struct lmeta {
    struct rec *recs;          /* actor records that decode */
    size_t n, cap;
    uint8_t *has_record;       /* [MAX_NUMBER]: 1 record, 2 named by the prefix */
    uint32_t max;              /* the greatest number with a record */
    struct num *num;           /* [max + 1] */
    uint32_t last_sender;      /* of the last sound entry */
    struct jv_report *r;
};

static void problem(struct jv_report *r, const char *fmt, ...)
{
    va_list ap;

    if (r->n_problems < JV_PROBLEMS) {
        va_start(ap, fmt);
        vsnprintf(r->problem[r->n_problems], sizeof r->problem[0], fmt, ap);
        va_end(ap);
    }
    r->n_problems++;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void lmeta_record(void *arg, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen)
{
    struct lmeta *m = arg;
    Stratd__ActorMeta *am = stratd__actor_meta__unpack(NULL, vlen, v);
    char name[80];
    struct rec *rc;

    meta_key_name(name, sizeof name, k, klen);
    if (!am || am->uuid.len != 16 || am->base.n_unknown_fields > 0 || am->number == 0 ||
        am->number >= MAX_NUMBER || (klen != 17 && klen != 5) ||
        (klen == 17 && memcmp(k + 1, am->uuid.data, 16) != 0) ||
        (klen == 5 && be32(k + 1) != am->number)) {
        problem(m->r, "metadata key %s: the actor record does not decode", name);
    } else {
        xgrow((void **)&m->recs, &m->cap, m->n + 1, sizeof *m->recs);
        rc = &m->recs[m->n++];
        rc->key = xmalloc(klen);
        memcpy(rc->key, k, klen);
        rc->val = xmalloc(vlen ? vlen : 1);
        memcpy(rc->val, v, vlen);
        rc->klen = klen;
        rc->vlen = vlen;
        rc->number = am->number;
        m->has_record[am->number] = 1;
        if (am->number > m->max)
            m->max = am->number;
        if (k[0] == 'A')
            m->r->actors++;
        else
            m->r->retired++;
    }
    if (am)
        stratd__actor_meta__free_unpacked(am, NULL);
}

static void lmeta_watermark(void *arg, const uint8_t *k, size_t klen, const uint8_t *v,
                            size_t vlen)
{
    struct lmeta *m = arg;
    uint32_t n = klen == 5 ? be32(k + 1) : 0;
    char name[80];

    if (n == 0 || n > m->max)
        return;   /* of no actor (meta_load reports a key of the wrong form) */
    m->num[n].has_wm = true;
    m->num[n].wm = UINT64_MAX;
    if (vlen == 8) {
        m->num[n].wm = 0;
        for (int i = 0; i < 8; i++)
            m->num[n].wm = m->num[n].wm << 8 | v[i];
        m->r->watermarks++;
    } else {
        meta_key_name(name, sizeof name, k, klen);
        problem(m->r, "metadata key %s: a watermark of %zu bytes, not 8", name, vlen);
    }
}

static void lmeta_release(struct lmeta *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->recs[i].key);
        free(m->recs[i].val);
    }
    free(m->recs);
    free(m->has_record);
    free(m->num);
}

/* The metadata: the strict verdict (meta_load, as stratd reads it), then
 * record by record. */
static void read_meta(struct journal *j, struct lmeta *m, struct jv_report *r)
{
    struct meta strict;
    char err[512];

    memset(m, 0, sizeof *m);
    m->r = r;
    m->has_record = xcalloc(MAX_NUMBER, 1);
    if (meta_load(j, &strict, err, sizeof err) != 0)
        problem(r, "%s", err);
    else
        r->clean = strict.clean;
    meta_release(&strict);
    if (journal_meta_scan(j, "A", 1, lmeta_record, m) != 0 ||
        journal_meta_scan(j, "R", 1, lmeta_record, m) != 0)
        problem(r, "metadata: %s", journal_read_error(j));
    m->num = xcalloc((size_t)m->max + 1, sizeof *m->num);
    if (journal_meta_scan(j, "W", 1, lmeta_watermark, m) != 0)
        problem(r, "metadata: %s", journal_read_error(j));
}

/* Note who sent the sound entry lsn and to whom (runs of sends). */
static void note_entry(struct lmeta *m, uint64_t lsn, const Stratd__Entry *e)
{
    if (e->sender != 0) {
        struct num *s = &m->num[e->sender];
        if (m->last_sender != e->sender) {   /* a new run of its sends */
            s->trig_prev = s->trig;
            s->trig = s->last_in;
            s->run_start = lsn;
        }
    }
    m->last_sender = e->sender;
    for (size_t i = 0; i < e->n_receivers; i++) {
        m->has_record[e->receivers[i]] = 2;
        m->num[e->receivers[i]].last_in = lsn;
    }
}

/* Why the entry is not sound, or NULL (then noted). */
static const char *entry_problem(struct lmeta *m, uint64_t lsn, const uint8_t *val,
                                 size_t len, char *why, size_t wlen)
{
    Stratd__Entry *e = stratd__entry__unpack(NULL, len, val);
    const char *unknown;

    why[0] = '\0';
    if (!e || !e->msg) {
        snprintf(why, wlen, "does not decode (%zu bytes)", len);
    } else if ((unknown = entry_unknown_part(e))) {
        snprintf(why, wlen, "holds a field or message kind this build does not know "
                 "(in %s)", unknown);
    } else {
        if (e->sender != 0 && (e->sender > m->max || !m->has_record[e->sender]))
            snprintf(why, wlen, "is sent by actor number %u, which has no record", e->sender);
        for (size_t i = 0; i < e->n_receivers && !why[0]; i++)
            if (e->receivers[i] > m->max || !m->has_record[e->receivers[i]])
                snprintf(why, wlen, "is sent to actor number %u, which has no record",
                         e->receivers[i]);
        if (!why[0])
            note_entry(m, lsn, e);
    }
    if (e)
        stratd__entry__free_unpacked(e, NULL);
    return why[0] ? why : NULL;
}

/* One entry of the prefix: sound, it extends the prefix (and is copied to
 * out); else the prefix ends before it (reported). true: sound. */
static bool take_entry(struct lmeta *m, struct jv_report *r, uint64_t lsn,
                       const uint8_t *val, size_t len)
{
    char why[256];

    if (lsn != r->entries + 1) {
        r->bad_lsn = r->entries + 1;
        problem(r, "entry lsn %llu follows lsn %llu: entries missing",
                (unsigned long long)lsn, (unsigned long long)r->entries);
        return false;
    }
    if (entry_problem(m, lsn, val, len, why, sizeof why)) {
        r->bad_lsn = lsn;
        problem(r, "entry lsn %llu %s", (unsigned long long)lsn, why);
        return false;
    }
    r->entries = lsn;
    return true;
}

/* After the iterator stopped on a read error: on by point reads. An
 * iterator opens every level-0 file at once, so one unreadable file stops
 * it at the start; a point read opens only the file holding its key. */
static void point_reads(struct journal *j, struct lmeta *m, struct jv_report *r,
                        const char *iter_error)
{
    char *val;
    size_t len;
    bool sound = true;

    while (sound && (val = journal_get_entry(j, r->entries + 1, &len))) {
        sound = take_entry(m, r, r->entries + 1, (const uint8_t *)val, len);
        free(val);
    }
    if (!sound)
        return;
    r->bad_lsn = r->entries + 1;
    if (journal_read_error(j))
        problem(r, "entries unreadable from lsn %llu: %s", (unsigned long long)r->bad_lsn,
                journal_read_error(j));
    else
        problem(r, "entries unreadable from lsn %llu (the scan stopped %s)",
                (unsigned long long)r->bad_lsn, iter_error);
}

/* Walk the entries from lsn 1 to the end of the sound prefix. */
static void scan_entries(struct journal *j, struct lmeta *m, struct jv_report *r)
{
    struct journal_iter *it = journal_scan(j, 1);
    const uint8_t *val;
    uint64_t lsn;
    size_t len;
    bool sound = true;

    while (sound && journal_iter_next(it, &lsn, &val, &len))
        sound = take_entry(m, r, lsn, val, len);
    if (sound && journal_iter_error(it))
        point_reads(j, m, r, journal_iter_error(it));
    journal_iter_free(it);
    if (r->bad_lsn) {
        r->last_lsn = journal_last_lsn(j);
        return;
    }
    r->last_lsn = journal_last_lsn(j);
    if (journal_read_error(j)) {
        r->bad_lsn = r->entries + 1;
        problem(r, "%s", journal_read_error(j));
    } else if (r->last_lsn != r->entries) {
        r->bad_lsn = r->entries + 1;
        problem(r, "the entries end at lsn %llu, but the last lsn is %llu",
                (unsigned long long)r->entries, (unsigned long long)r->last_lsn);
    }
}

/* Watermarks past the entries (when those are sound: else they are past
 * the damage, which is reported). */
static void check_watermarks(const struct lmeta *m, struct jv_report *r)
{
    for (size_t i = 0; i < m->n && !r->bad_lsn; i++) {
        const struct num *x = &m->num[m->recs[i].number];
        if (x->has_wm && x->wm != UINT64_MAX && x->wm > r->entries)
            problem(r, "metadata: the watermark of actor number %u is lsn %llu, past the "
                    "last sound entry (lsn %llu)", m->recs[i].number,
                    (unsigned long long)x->wm, (unsigned long long)r->entries);
    }
}

int journal_wal_damage(const char *path, uint64_t *prefix, uint64_t *beyond)
{
    char err[512];
    struct journal *j = journal_open_damaged(path, false, err, sizeof err);

    if (!j)
        return -1;
    *prefix = journal_last_lsn(j);
    journal_close(j);
    if (!(j = journal_open_damaged(path, true, err, sizeof err)))
        return -1;
    *beyond = journal_last_lsn(j);
    journal_close(j);
    return 0;
}

/* Open path to read: as stratd would (strict_open), else leniently; a
 * damaged WAL is described. NULL when it cannot be opened at all. */
static struct journal *open_source(const char *path, struct jv_report *r)
{
    char err[1024];
    struct journal *j = journal_open(path, false, true, FSYNC_NONE, err, sizeof err);
    uint64_t prefix, beyond;

    if (j) {
        r->strict_open = true;
        return j;
    }
    problem(r, "%s", err);
    if (strncmp(err, "corrupt", 7) != 0)
        return NULL;
    if (journal_wal_damage(path, &prefix, &beyond) == 0 && beyond > prefix) {
        r->wal_last = beyond;
        problem(r, "RocksDB's WAL is damaged after lsn %llu: lsn %llu..%llu (%llu entries) "
                "at least lie beyond the damage and are lost",
                (unsigned long long)prefix, (unsigned long long)prefix + 1,
                (unsigned long long)beyond, (unsigned long long)(beyond - prefix));
    }
    return journal_open_damaged(path, false, err, sizeof err);
}

int journal_verify(const char *path, struct jv_report *r)
{
    struct journal *j;
    struct lmeta m;

    memset(r, 0, sizeof *r);
    if (!(j = open_source(path, r)))
        return 1;
    read_meta(j, &m, r);
    scan_entries(j, &m, r);
    if (r->wal_last > r->entries && !r->bad_lsn)
        r->bad_lsn = r->entries + 1;
    check_watermarks(&m, r);
    lmeta_release(&m);
    journal_close(j);
    return r->n_problems ? 1 : 0;
}

/* ---- salvage */

static int copy_file(const char *from, const char *to)
{
    char buf[1 << 16];
    int in = open(from, O_RDONLY), out = -1, rc = -1;
    ssize_t n;

    if (in >= 0 && (out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0640)) >= 0) {
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                break;
        rc = n == 0 ? 0 : -1;
    }
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        rc = -1;
    return rc;
}

/* A journal directory without CURRENT: fill the scratch directory (made
 * beside `to`) with hard links (else copies) of its files and a CURRENT
 * naming the newest manifest, for RocksDB to read. 0, or -1 with err. */
static int make_scratch(const char *path, const char *scratch, char *err, size_t errlen)
{
    DIR *dir = opendir(path);
    struct dirent *de;
    char from[4400], to[4400], manifest[256] = "";
    FILE *f;

    if (!dir) {
        snprintf(err, errlen, "opendir %s: %s", path, strerror(errno));
        return -1;
    }
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "LOCK") == 0 ||
            strncmp(de->d_name, "LOG", 3) == 0)
            continue;
        snprintf(from, sizeof from, "%s/%s", path, de->d_name);
        snprintf(to, sizeof to, "%s/%s", scratch, de->d_name);
        if (link(from, to) != 0 && copy_file(from, to) != 0) {
            snprintf(err, errlen, "copy %s to %s: %s", from, to, strerror(errno));
            closedir(dir);
            return -1;
        }
        /* MANIFEST-NNNNNN: the newest has the greatest number */
        if (strncmp(de->d_name, "MANIFEST-", 9) == 0 &&
            (!manifest[0] || strtoull(de->d_name + 9, NULL, 10) >
                                 strtoull(manifest + 9, NULL, 10)))
            snprintf(manifest, sizeof manifest, "%s", de->d_name);
    }
    closedir(dir);
    snprintf(to, sizeof to, "%s/CURRENT", scratch);
    if (!manifest[0] || !(f = fopen(to, "w"))) {
        snprintf(err, errlen, "%s: no MANIFEST file to read the journal through", path);
        return -1;
    }
    fprintf(f, "%s\n", manifest);
    return fclose(f) == 0 ? 0 : -1;
}

static void remove_scratch(const char *scratch)
{
    DIR *dir = opendir(scratch);
    struct dirent *de;
    char p[4400];

    if (!dir)
        return;
    while ((de = readdir(dir))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", scratch, de->d_name);
        unlink(p);
    }
    closedir(dir);
    rmdir(scratch);
}

/* With the end of the journal lost, the run of sends that ends the prefix
 * may be the first part of one handling's output: it goes, and its sender
 * handles again what came before it. The prefix then ends between two
 * handlings. Its new last lsn. */
static uint64_t cut_partial_run(struct lmeta *m, uint64_t last)
{
    struct num *x;

    if (last == 0 || m->last_sender == 0)
        return last;
    x = &m->num[m->last_sender];
    x->trig = x->trig_prev;   /* its last complete run is the one before */
    return x->run_start - 1;
}

/* The watermark of actor n in the salvaged journal: what it handled, as far
 * as its output in the prefix tells. An entry counts as handled up to the
 * one that led to its last run of sends (that output is in the prefix);
 * later ones are delivered again, live (their output, if any, was in what
 * is lost; an actor that sent nothing gets all of them again). Never past
 * its own watermark or the prefix. */
static uint64_t salvage_watermark(const struct lmeta *m, uint32_t n, uint64_t last,
                                  bool tail_lost)
{
    const struct num *x = &m->num[n];
    uint64_t w = x->has_wm && x->wm != UINT64_MAX ? x->wm : UINT64_MAX;

    if (tail_lost || w == UINT64_MAX) {
        uint64_t handled = x->run_start ? x->trig : 0;
        w = w < handled ? w : handled;
    }
    return w < last ? w : last;
}

/* The metadata of the salvaged journal (the rule at the top). */
static void write_meta(struct journal *out, const struct lmeta *m, uint64_t last,
                       bool tail_lost, struct jv_salvage *s)
{
    uint8_t key[5], val[8];

    for (size_t i = 0; i < m->n; i++) {
        const struct rec *rc = &m->recs[i];
        uint32_t n = rc->number;
        uint64_t w;
        if (m->has_record[n] != 2) {
            s->actors_dropped++;
            continue;
        }
        s->actors_kept++;
        journal_meta_put(out, rc->key, rc->klen, rc->val, rc->vlen);
        if (rc->key[0] != 'A')
            continue;
        w = salvage_watermark(m, n, last, tail_lost);
        if (m->num[n].has_wm && m->num[n].wm == UINT64_MAX)
            s->watermarks_set++;
        else if (w != m->num[n].wm)
            s->watermarks_clamped++;
        key[0] = 'W';
        key[1] = (uint8_t)(n >> 24), key[2] = (uint8_t)(n >> 16);
        key[3] = (uint8_t)(n >> 8), key[4] = (uint8_t)n;
        for (int b = 7; b >= 0; b--, w >>= 8)
            val[b] = (uint8_t)w;
        journal_meta_put(out, key, sizeof key, val, sizeof val);
    }
    meta_put_format(out);
}

/* Entries 1..last into out, by point reads. 0 or -1 (err filled). */
static int copy_entries(struct journal *j, struct journal *out, uint64_t last,
                        char *err, size_t errlen)
{
    char *val;
    size_t len;

    for (uint64_t lsn = 1; lsn <= last; lsn++) {
        if (!(val = journal_get_entry(j, lsn, &len))) {
            snprintf(err, errlen, "entry lsn %llu could not be read again",
                     (unsigned long long)lsn);
            return -1;
        }
        journal_append(out, lsn, val, len);
        free(val);
        if (lsn % COPY_BATCH == 0 && journal_commit(out) != 0) {
            snprintf(err, errlen, "writing the new journal: %s", journal_error(out));
            return -1;
        }
    }
    return 0;
}

/* `to` must be absent or empty. 0, or -1 with err filled. */
static int check_target(const char *to, char *err, size_t errlen)
{
    DIR *dir = opendir(to);
    struct dirent *de;
    int n = 0;

    if (!dir)
        return 0;   /* absent (or unreadable: journal_open says) */
    while ((de = readdir(dir)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(dir);
    if (n > 0) {
        snprintf(err, errlen, "%s is not empty: salvage writes a new journal into an absent "
                 "or empty directory", to);
        return -1;
    }
    return 0;
}

/* Open the source: as it is, leniently, or through a scratch directory
 * when its CURRENT is lost. NULL with err filled. */
static struct journal *open_salvage_source(const char *path, const char *scratch,
                                           bool *made, struct jv_report *r, char *err,
                                           size_t errlen)
{
    struct journal *j = open_source(path, r);
    char cur[4096];
    struct stat st;

    snprintf(cur, sizeof cur, "%s/CURRENT", path);
    if (j || stat(path, &st) != 0 || stat(cur, &st) == 0) {
        if (!j)
            snprintf(err, errlen, "%s", r->problem[0]);
        return j;
    }
    if (mkdir(scratch, 0750) != 0) {   /* never into an existing one */
        snprintf(err, errlen, "mkdir %s: %s", scratch, strerror(errno));
        return NULL;
    }
    *made = true;
    if (make_scratch(path, scratch, err, errlen) != 0)
        return NULL;
    if (!(j = journal_open_damaged(scratch, false, err, errlen)))
        return NULL;
    return j;
}

int journal_salvage(const char *path, const char *to, struct jv_report *r,
                    struct jv_salvage *s, char *err, size_t errlen)
{
    struct journal *j = NULL, *out = NULL;
    struct lmeta m;
    char scratch[4096];
    bool made = false;
    int rc = -1;

    memset(r, 0, sizeof *r);
    memset(s, 0, sizeof *s);
    snprintf(scratch, sizeof scratch, "%s.source", to);
    if (check_target(to, err, errlen) != 0 ||
        !(j = open_salvage_source(path, scratch, &made, r, err, errlen)))
        goto out;
    if (!(out = journal_open(to, true, false, FSYNC_NONE, err, errlen)))
        goto out;
    read_meta(j, &m, r);
    scan_entries(j, &m, r);
    if (r->wal_last > r->entries && !r->bad_lsn)
        r->bad_lsn = r->entries + 1;
    check_watermarks(&m, r);
    s->kept = r->bad_lsn ? cut_partial_run(&m, r->entries) : r->entries;
    if (copy_entries(j, out, s->kept, err, errlen) == 0) {
        write_meta(out, &m, s->kept, r->bad_lsn != 0, s);
        if (journal_commit(out) != 0 || journal_flush(out) != 0)
            snprintf(err, errlen, "writing %s: %s", to, journal_error(out));
        else
            rc = 0;
    }
    lmeta_release(&m);
out:
    journal_close(out);
    journal_close(j);
    if (made)
        remove_scratch(scratch);
    return rc;
}
