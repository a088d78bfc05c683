/*
 * probe.c — a test strategy: counts the ticks of one symbol and checks the
 * stream (DESIGN.md: how tests check "nothing lost, nothing doubled" from
 * outside). Stats: count, last_seq, gaps, dups, and a rolling hash over
 * (seq, last price) that equals an uninterrupted run's only if every tick
 * arrived exactly once, in order.
 */
#include <string.h>

#include <stratd/actor.h>
#include <stratd/hash.h>
#include <stratd/stats.h>

struct probe_params {
    actor_ref feed;
    char *symbol;
};

struct probe_state {
    uint64_t count;
    uint64_t last_seq;
    uint64_t gaps;
    uint64_t dups;
    uint64_t hash;
};

static void probe_on_start(struct actor *a, void *state)
{
    const struct probe_params *p = actor_params(a);
    (void)state;
    actor_subscribe(a, p->feed, p->symbol);
}

static void probe_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct probe_params *p = actor_params(a);
    struct probe_state *s = state;
    const Stratd__Tick *t;

    if (m->body->kind_case != STRATD__MSG__KIND_TICK)
        return;
    t = m->body->tick;
    if (strcmp(t->symbol, p->symbol) != 0)
        return;
    if (s->count > 0 && t->seq <= s->last_seq) {
        s->dups++;
        return;
    }
    /* gaps count only after the first tick: a probe may join mid-stream */
    if (s->count > 0 && t->seq > s->last_seq + 1)
        s->gaps += t->seq - s->last_seq - 1;
    s->count++;
    s->last_seq = t->seq;
    s->hash = hash_u64(hash_u64(s->hash, t->seq), (uint64_t)t->last);
}

static void probe_stats(const void *state, struct stats *out)
{
    const struct probe_state *s = state;
    stats_uint(out, "count", s->count);
    stats_uint(out, "last_seq", s->last_seq);
    stats_uint(out, "gaps", s->gaps);
    stats_uint(out, "dups", s->dups);
    stats_hex(out, "hash", s->hash);
}

#define P(field) offsetof(struct probe_params, field)
static const struct param_def probe_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", P(feed), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", P(symbol), NULL},
    {NULL},
};
#undef P

const struct actor_kind probe_kind = {
    .name = "probe",
    .params = probe_params,
    .params_size = sizeof(struct probe_params),
    .state_size = sizeof(struct probe_state),
    .on_start = probe_on_start,
    .on_message = probe_on_message,
    .stats = probe_stats,
};
