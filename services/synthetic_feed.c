/*
 * synthetic_feed.c — a deterministic tick stream with no network, for tests
 * and benchmarks.
 *
 * Driven by its own timer messages: on Start it asks the timer service for a
 * timer; each TimerFired publishes every tick due by now() (`per_interval`
 * per interval_ms per symbol, at most BATCH per symbol per firing;
 * interval_ms 0 means BATCH per firing, as fast as the loop goes) and asks
 * for the next timer, until `count` ticks per symbol are out. After a
 * restart an overdue feed catches up at BATCH per firing. Prices are a random walk
 * drawn from a generator seeded with `seed`, so the stream depends only on
 * the params, never on timing. Everything happens in on_message, so a
 * rebuild reproduces the state exactly.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rng.h"
#include "service.h"
#include "stats.h"
#include "subs.h"

#define BATCH 256
#define PRICE_TICK 1000000     /* 0.01 in 1e-8 units */

struct synfeed_params {
    struct param_strings symbols;
    int64_t seed;
    int64_t interval_ms;
    int64_t per_interval;      /* ticks per symbol per interval */
    int64_t count;             /* per symbol; 0: unlimited */
    actor_ref timer;
};

struct synfeed_symbol {
    uint64_t seq;              /* last published */
    int64_t mid;
};

struct synfeed_state {
    const struct synfeed_params *p;
    struct actor *self;
    struct rng rng;
    int64_t t0;                /* time of Start */
    uint64_t published;        /* ticks per symbol so far */
    uint64_t timer_token;
    bool done;
    struct synfeed_symbol *sym;   /* p->symbols.n */
    struct subs *subs;            /* p->symbols.n */
};

static void synfeed_init(struct actor *a, void *state, const void *params)
{
    struct synfeed_state *s = state;
    uint8_t seed[16] = {0};
    uint64_t v;

    s->p = params;
    s->self = a;
    v = (uint64_t)s->p->seed;
    memcpy(seed, &v, sizeof v);
    rng_seed(&s->rng, seed);
    s->sym = calloc(s->p->symbols.n, sizeof *s->sym);
    s->subs = calloc(s->p->symbols.n, sizeof *s->subs);
    if (!s->sym || !s->subs)
        abort();
    for (size_t i = 0; i < s->p->symbols.n; i++)
        s->sym[i].mid = (int64_t)(100 + 10 * i) * 100000000;   /* 100.00, 110.00 ... */
}

static void ask_timer(struct synfeed_state *s, int64_t at)
{
    actor_timer_at(s->self, s->p->timer, at, ++s->timer_token);
}

static void synfeed_on_start(struct actor *a, void *state)
{
    struct synfeed_state *s = state;

    s->t0 = actor_now(a);
    ask_timer(s, s->t0 + s->p->interval_ms * 1000000);
}

static void publish(struct synfeed_state *s, size_t i)
{
    struct synfeed_symbol *y = &s->sym[i];
    Stratd__Tick t = STRATD__TICK__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    int64_t step = (int64_t)rng_below(&s->rng, 3) - 1;

    y->mid += step * PRICE_TICK;
    if (y->mid < PRICE_TICK)
        y->mid = PRICE_TICK;
    t.seq = ++y->seq;
    t.symbol = s->p->symbols.v[i];
    t.bid = y->mid - PRICE_TICK;
    t.ask = y->mid + PRICE_TICK;
    t.last = y->mid;
    t.size = 1 + (int64_t)rng_below(&s->rng, 10);
    t.exch_time_ns = actor_now(s->self);
    m.kind_case = STRATD__MSG__KIND_TICK;
    m.tick = &t;
    if (s->subs[i].n > 0)
        actor_send_many(s->self, s->subs[i].v, s->subs[i].n, &m);
}

static void on_timer(struct synfeed_state *s)
{
    int64_t now = actor_now(s->self), ival = s->p->interval_ms * 1000000, next;
    uint64_t per = (uint64_t)s->p->per_interval, due = s->published + BATCH;
    uint64_t by_time = UINT64_MAX;

    if (s->done)
        return;
    if (ival > 0)
        by_time = (uint64_t)((now - s->t0) / ival) * per;
    if (by_time < due)
        due = by_time;
    if (s->p->count > 0 && due > (uint64_t)s->p->count)
        due = (uint64_t)s->p->count;
    while (s->published < due) {
        for (size_t i = 0; i < s->p->symbols.n; i++)
            publish(s, i);
        s->published++;
    }
    if (s->p->count > 0 && s->published >= (uint64_t)s->p->count) {
        s->done = true;
        actor_log(s->self, LOG_INFO, "published %llu ticks per symbol, done",
                  (unsigned long long)s->published);
        return;
    }
    /* behind schedule (or no schedule): again at once; else at the next
     * interval boundary */
    if (ival == 0 || s->published < by_time)
        next = now;
    else
        next = s->t0 + (int64_t)(s->published / per + 1) * ival;
    ask_timer(s, next);
}

static void synfeed_on_message(struct actor *a, void *state, const struct msg *m)
{
    struct synfeed_state *s = state;
    (void)a;

    switch (m->body->kind_case) {
    case STRATD__MSG__KIND_SUBSCRIBE:
        subs_subscribe(s->subs, &s->p->symbols, a, m);
        break;
    case STRATD__MSG__KIND_TIMER_FIRED:
        if (m->body->timer_fired->token == s->timer_token)
            on_timer(s);
        break;
    default:
        break;
    }
}

static uint64_t synfeed_digest(const void *state, uint64_t h)
{
    const struct synfeed_state *s = state;

    h = hash_bytes(h, &s->rng, sizeof s->rng);
    h = hash_u64(h, (uint64_t)s->t0);
    h = hash_u64(h, s->published);
    h = hash_u64(h, s->timer_token);
    h = hash_u64(h, s->done);
    for (size_t i = 0; i < s->p->symbols.n; i++) {
        h = hash_u64(h, s->sym[i].seq);
        h = hash_u64(h, (uint64_t)s->sym[i].mid);
    }
    return subs_digest(s->subs, s->p->symbols.n, s->self, h);
}

static void synfeed_stats(const void *state, struct stats *out)
{
    const struct synfeed_state *s = state;

    stats_uint(out, "published", s->published);
    stats_uint(out, "subscribers", subs_total(s->subs, s->p->symbols.n));
    stats_bool(out, "done", s->done);
}

static void synfeed_release(void *state)
{
    struct synfeed_state *s = state;

    subs_release(s->subs, s->p->symbols.n);
    free(s->subs);
    free(s->sym);
}

#define P(field) offsetof(struct synfeed_params, field)
static const struct param_def synfeed_params[] = {
    {"symbols", PARAM_STRINGS, PARAM_REQUIRED, 1, 64, NULL, P(symbols), NULL},
    {"seed", PARAM_INT, 0, 0, 9007199254740991.0, NULL, P(seed), "1"},
    {"interval_ms", PARAM_INT, 0, 0, 3600000, NULL, P(interval_ms), "1"},
    {"per_interval", PARAM_INT, 0, 1, 10000, NULL, P(per_interval), "1"},
    {"count", PARAM_INT, 0, 0, 1e12, NULL, P(count), "0"},
    {"timer", PARAM_REF, PARAM_REQUIRED, 0, 0, "timer", P(timer), NULL},
    {NULL},
};
#undef P

static const struct service_ops synfeed_service = {0};

const struct actor_kind synthetic_feed_kind = {
    .name = "synthetic_feed",
    .role = "feed",
    .params = synfeed_params,
    .params_size = sizeof(struct synfeed_params),
    .state_size = sizeof(struct synfeed_state),
    .init = synfeed_init,
    .on_start = synfeed_on_start,
    .on_message = synfeed_on_message,
    .digest = synfeed_digest,
    .stats = synfeed_stats,
    .release = synfeed_release,
    .service = &synfeed_service,
};
