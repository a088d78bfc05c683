/* rebuild.c — see rebuild.h. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arena.h"
#include "entry_decode.h"
#include "rebuild.h"

#define PROGRESS_EVERY 65536

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct actor *by_number(struct runtime *rt, uint32_t n)
{
    return n < rt->n_numbers ? rt->by_number[n] : NULL;
}

/* Keep entry (lsn, bytes) for a receiver that has not handled it yet. */
static struct entry *pending_entry(uint64_t lsn, const Stratd__Entry *pe, actor_ref sender,
                                   const uint8_t *val, size_t len)
{
    struct entry *e = malloc(sizeof *e);

    if (!e)
        abort();
    e->lsn = lsn;
    e->time_ns = pe->time_ns;
    e->sender = sender;
    e->refs = 1;
    e->pb = stratd__entry__unpack(NULL, len, val);
    if (!e->pb)
        abort();   /* it was just decoded once */
    return e;
}

int rebuild_run(struct runtime *rt, rebuild_progress_fn progress, void *arg,
                char *err, size_t errlen)
{
    struct journal_iter *it;
    struct entry_scratch scratch;
    struct arena arena;
    const uint8_t *val;
    uint64_t lsn, total = rt->backlog_lsn;
    size_t len;
    double t0 = mono_s();
    int rc = 0;

    rt->replaying = true;
    rt->phase = PHASE_REBUILDING;
    rt->rebuild.total_entries = total;
    arena_init(&arena, 64 << 10);
    entry_scratch_init(&scratch);
    it = journal_scan(rt->journal, 1);
    while (journal_iter_next(it, &lsn, &val, &len)) {
        const Stratd__Entry *pe = entry_decode_fast(&scratch, val, len);
        struct entry *pending = NULL, e;

        if (!pe)
            pe = stratd__entry__unpack(&arena.pb, len, val);
        struct actor *sender;

        if (!pe || !pe->msg) {
            snprintf(err, errlen, "journal entry %llu cannot be decoded "
                     "(%zu bytes): the journal is damaged", (unsigned long long)lsn, len);
            rc = -1;
            break;
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
                if (!pending)
                    pending = pending_entry(lsn, pe, e.sender, val, len);
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
        arena_reset(&arena);
        if (++rt->rebuild.entries % PROGRESS_EVERY == 0 && progress &&
            progress(arg, rt->rebuild.entries, total) != 0) {
            rc = 1;
            break;
        }
    }
    journal_iter_free(it);
    arena_release(&arena);
    entry_scratch_release(&scratch);
    rt->rebuild.seconds = mono_s() - t0;
    if (progress && rc == 0)
        progress(arg, rt->rebuild.entries, total);
    return rc;
}
