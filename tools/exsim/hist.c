/*
 * hist.c — the tick history and the synthetic clock of its stamps, and
 * generating ticks into it (see exsim.h). No I/O: main.c publishes with it
 * at --rate, state.c regenerates what was published before a restart.
 */
#include <stdlib.h>

#include "exsim.h"

int64_t exsim_tick_time(const struct exsim *s, uint64_t i)
{
    struct exsim_clock c = { 0, EXSIM_EPOCH_NS, s->cfg.rate };

    for (size_t k = s->n_clock; k > 0; k--)
        if (s->clock[k - 1].from <= i) {
            c = s->clock[k - 1];
            break;
        }
    return c.time_ns + (int64_t)((long double)(i - c.from) * 1e9L / (long double)c.rate);
}

static int history_push(struct exsim_history *h, const struct exsim_tick *t)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 1024;
        struct exsim_tick *p = realloc(h->t, cap * sizeof *p);
        if (!p)
            return -1;
        h->t = p;
        h->cap = cap;
    }
    h->t[h->n++] = *t;
    return 0;
}

/* What a tick looked like to subscribers, folded into a running digest. */
static uint64_t digest_add(uint64_t h, size_t sym, const struct exsim_tick *t)
{
    uint64_t v[] = { sym, (uint64_t)t->bid, (uint64_t)t->ask, (uint64_t)t->last,
                     (uint64_t)t->size, (uint64_t)t->time_ns };

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        h = (h ^ v[i]) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}

enum exsim_gen exsim_generate(struct exsim *s, bool mirror, int64_t now)
{
    struct mdgen_tick t;
    struct exsim_tick rec;

    if (!mdgen_next(&s->gen, &t))
        return EXSIM_GEN_END;
    rec.bid = t.bid;
    rec.ask = t.ask;
    rec.last = t.last;
    rec.size = t.size;
    rec.sent_hr = 0;
    rec.answered = false;
    rec.time_ns = exsim_tick_time(s, s->published);
    if (history_push(&s->hist[t.sym], &rec) < 0)
        return EXSIM_GEN_NOMEM;
    s->tick_digest = digest_add(s->tick_digest, t.sym, &rec);
    s->published++;
    if (mirror && exch_sim_update(&s->exch, t.sym, t.bids, t.n_bids, t.asks, t.n_asks,
                                  t.aggressor, t.last, t.size, now) < 0)
        return EXSIM_GEN_NOMEM_EXCH;
    return EXSIM_GEN_OK;
}
