/*
 * rebuild.c — see rebuild.h.
 *
 * Two threads: a reader walks RocksDB's iterator and copies entries into
 * chunks (lsn, length, bytes); the loop thread decodes each entry once and
 * hands it to its receivers. RocksDB's block reads and decompression then
 * overlap with decoding and the handlers, so on a machine with a free core
 * a rebuild takes about as long as a bare scan of the journal. Actors only
 * ever run on the loop thread.
 *
 *   reader:  free chunk ──fill──> full queue ──────────────┐
 *   loop:    full queue ──decode + dispatch──> free chunk <┘
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "arena.h"
#include "entry_decode.h"
#include "rebuild.h"
#include "xalloc.h"

#define PROGRESS_EVERY 65536
#define CHUNK_BYTES (1u << 20)
#define CHUNKS 8

/* A record: lsn (8 bytes), length (4 bytes), the value; 8-byte aligned. */
struct chunk {
    size_t used, cap;
    bool last;                 /* the iterator ended after this chunk */
    uint8_t *data;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk chunks[CHUNKS];
    struct chunk *full[CHUNKS], *free_[CHUNKS];
    size_t n_full, full_head, n_free;
    atomic_bool stop;
    struct journal *journal;
    char *error;               /* the scan stopped on damage (set before last) */
};


static struct chunk *take_free(struct pipe *p)
{
    struct chunk *c = NULL;

    pthread_mutex_lock(&p->mu);
    while (p->n_free == 0 && !atomic_load(&p->stop))
        pthread_cond_wait(&p->cv, &p->mu);
    if (p->n_free > 0)
        c = p->free_[--p->n_free];
    pthread_mutex_unlock(&p->mu);
    return c;
}

static void put_full(struct pipe *p, struct chunk *c)
{
    pthread_mutex_lock(&p->mu);
    p->full[(p->full_head + p->n_full++) % CHUNKS] = c;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static struct chunk *take_full(struct pipe *p)
{
    struct chunk *c;

    pthread_mutex_lock(&p->mu);
    while (p->n_full == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    c = p->full[p->full_head];
    p->full_head = (p->full_head + 1) % CHUNKS;
    p->n_full--;
    pthread_mutex_unlock(&p->mu);
    return c;
}

static void put_free(struct pipe *p, struct chunk *c)
{
    pthread_mutex_lock(&p->mu);
    p->free_[p->n_free++] = c;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *reader(void *arg)
{
    struct pipe *p = arg;
    struct journal_iter *it = journal_scan(p->journal, 1);
    struct chunk *c = take_free(p);
    const uint8_t *val;
    uint64_t lsn;
    size_t len;
    bool more = c != NULL;

    while (more) {
        more = journal_iter_next(it, &lsn, &val, &len) && !atomic_load(&p->stop);
        size_t need = (12 + len + 7) & ~(size_t)7;
        if (more && need > c->cap - c->used && c->used > 0) {
            put_full(p, c);
            if (!(c = take_free(p)))
                break;
        }
        if (more && need > c->cap) {   /* one huge entry: a chunk of its own */
            c->data = xrealloc(c->data, need);
            c->cap = need;
        }
        if (more) {
            uint32_t l = (uint32_t)len;
            memcpy(c->data + c->used, &lsn, 8);
            memcpy(c->data + c->used + 8, &l, 4);
            memcpy(c->data + c->used + 12, val, len);
            c->used += need;
        }
    }
    if (journal_iter_error(it))
        p->error = xstrdup(journal_iter_error(it));
    if (c) {
        c->last = true;
        put_full(p, c);
    }
    journal_iter_free(it);
    return NULL;
}

static struct actor *by_number(struct runtime *rt, uint32_t n)
{
    return n < rt->n_numbers ? rt->by_number[n] : NULL;
}

/* Decode one entry and hand it to its receivers. 0, or -1 with err filled
 * (undecodable, or a kind or field this build does not know: never
 * replayed as an empty message).
 * Replayed deliveries borrow a view on the stack (decoded into the scratch
 * or the arena, valid for this call only); a receiver that has not handled
 * the entry yet gets a heap entry of its own (runtime_entry_new), made once
 * and shared by all such receivers. */
static int replay_entry(struct runtime *rt, struct entry_scratch *scratch, struct arena *arena,
                        uint64_t lsn, const uint8_t *val, size_t len, char *err, size_t errlen)
{
    const Stratd__Entry *pe = entry_decode_fast(scratch, val, len);
    struct entry *pending = NULL, e;
    struct actor *sender;
    const char *unknown;

    if (!pe)
        pe = stratd__entry__unpack(&arena->pb, len, val);
    if (!pe || !pe->msg) {
        snprintf(err, errlen, "corrupt journal: entry lsn %llu (%zu bytes) does not decode",
                 (unsigned long long)lsn, len);
        arena_reset(arena);
        return -1;
    }
    if (pe != &scratch->e && (unknown = entry_unknown_part(pe))) {
        snprintf(err, errlen, "journal entry lsn %llu holds a field or message kind this "
                 "build does not know (in %s): written by a newer stratd, or corrupt; "
                 "refusing to replay it", (unsigned long long)lsn, unknown);
        arena_reset(arena);
        return -1;
    }
    sender = by_number(rt, pe->sender);
    e = (struct entry){lsn, pe->time_ns, sender ? sender->ref : ACTOR_REF_NONE, 1,
                       (Stratd__Entry *)pe};
    for (size_t i = 0; i < pe->n_receivers; i++) {
        struct actor *a = by_number(rt, pe->receivers[i]);
        if (!a || a->removed)
            continue;
        if (lsn <= a->watermark) {
            runtime_replay(a, &e);
            rt->rebuild.deliveries++;
        } else {
            if (!pending)   /* one reference held until all are enqueued */
                pending = runtime_entry_new(lsn, e.sender, val, len);
            pending->refs++;
            runtime_enqueue(a, pending);
            rt->backlog++;
            rt->rebuild.pending++;
        }
    }
    if (pending)
        runtime_entry_unref(pending);
    if (pe->time_ns > rt->last_time_ns)
        rt->last_time_ns = pe->time_ns;
    arena_reset(arena);
    return 0;
}

/* Replay the entries of one chunk, checking that lsns follow each other
 * from 1. 0; 1 when progress asked to stop; -1 with err filled. */
static int replay_chunk(struct runtime *rt, struct chunk *c, struct entry_scratch *scratch,
                        struct arena *arena, rebuild_progress_fn progress, void *arg,
                        char *err, size_t errlen)
{
    for (size_t off = 0; off < c->used;) {
        uint64_t lsn, want = rt->rebuild.entries + 1;
        uint32_t len;
        memcpy(&lsn, c->data + off, 8);
        memcpy(&len, c->data + off + 8, 4);
        if (lsn != want) {
            snprintf(err, errlen, "corrupt journal: entry lsn %llu follows lsn %llu "
                     "(entries missing)", (unsigned long long)lsn,
                     (unsigned long long)(want - 1));
            return -1;
        }
        if (replay_entry(rt, scratch, arena, lsn, c->data + off + 12, len, err, errlen) != 0)
            return -1;
        if (++rt->rebuild.entries % PROGRESS_EVERY == 0 && progress &&
            progress(arg, rt->rebuild.entries, rt->rebuild.total_entries) != 0)
            return 1;
        off += (12 + (size_t)len + 7) & ~(size_t)7;
    }
    return 0;
}

/* After the scan: it ended on damage, or before the last lsn. 0 or -1. */
static int scan_end(struct runtime *rt, const struct pipe *p, char *err, size_t errlen)
{
    if (p->error) {
        snprintf(err, errlen, "corrupt journal: the scan stopped %s (first bad lsn %llu)",
                 p->error, (unsigned long long)rt->rebuild.entries + 1);
        return -1;
    }
    if (rt->rebuild.entries != rt->rebuild.total_entries) {
        snprintf(err, errlen, "corrupt journal: the scan ended at lsn %llu, but the last "
                 "entry is lsn %llu (first bad lsn %llu)",
                 (unsigned long long)rt->rebuild.entries,
                 (unsigned long long)rt->rebuild.total_entries,
                 (unsigned long long)rt->rebuild.entries + 1);
        return -1;
    }
    return 0;
}

int rebuild_run(struct runtime *rt, rebuild_progress_fn progress, void *arg,
                char *err, size_t errlen)
{
    struct pipe p;
    struct entry_scratch scratch;
    struct arena arena;
    pthread_t thread;
    uint64_t total = rt->backlog_lsn;
    double t0 = clock_mono_s();
    bool done = false, started;
    int rc = 0;

    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.journal = rt->journal;
    for (int i = 0; i < CHUNKS; i++) {
        p.chunks[i].data = xmalloc(CHUNK_BYTES);
        p.chunks[i].cap = CHUNK_BYTES;
        p.free_[p.n_free++] = &p.chunks[i];
    }
    rt->replaying = true;
    rt->phase = PHASE_REBUILDING;
    rt->rebuild.total_entries = total;
    arena_init(&arena, 64 << 10);
    entry_scratch_init(&scratch);
    started = pthread_create(&thread, NULL, reader, &p) == 0;
    if (!started) {
        snprintf(err, errlen, "pthread_create: cannot start the journal reader");
        rc = -1;
        done = true;
    }

    while (!done) {
        struct chunk *c = take_full(&p);
        rc = replay_chunk(rt, c, &scratch, &arena, progress, arg, err, errlen);
        done = c->last || rc != 0;
        c->used = 0;
        put_free(&p, c);
    }
    if (started) {
        /* stop the reader (it may wait for a free chunk) and wait for it */
        atomic_store(&p.stop, true);
        pthread_mutex_lock(&p.mu);
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(thread, NULL);
    }
    if (rc == 0 && started)
        rc = scan_end(rt, &p, err, errlen);
    free(p.error);
    for (int i = 0; i < CHUNKS; i++)
        free(p.chunks[i].data);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    arena_release(&arena);
    entry_scratch_release(&scratch);
    rt->rebuild.seconds = clock_mono_s() - t0;
    if (progress && rc == 0)
        progress(arg, rt->rebuild.entries, total);
    return rc;
}
