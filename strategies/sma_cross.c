/*
 * sma_cross.c — moving-average crossover: long `qty` while the fast simple
 * moving average of the mid is above the slow one, short `qty` while below,
 * one marketable IOC order at a time for target - position.
 *
 * Params: feed, orders, symbol, fast (< slow), slow (<= SMA_MAX_WINDOW), qty.
 * Stats: the account's, signal (-1, 0, 1), fast_ma, slow_ma, ticks.
 */
#include <stratd/stats.h>
#include <stratd/strategy.h>

#define SMA_MAX_WINDOW 1024

struct sma_params {
    actor_ref feed, orders;
    char *symbol;
    int64_t fast, slow, qty;
};

struct sma_state {
    int64_t ring[SMA_MAX_WINDOW];   /* the last `slow` mids */
    uint64_t n;                     /* mids seen */
    int64_t sum_fast, sum_slow;
    int64_t fast, slow;             /* from params, for stats */
    int32_t signal;
};

/* The mid that leaves a window of w when mid n joins it (0: none yet). */
static int64_t leaving(const struct sma_state *s, int64_t w)
{
    return s->n >= (uint64_t)w ? s->ring[(s->n - (uint64_t)w) % SMA_MAX_WINDOW] : 0;
}

static void sma_on_tick(struct actor *a, void *state, const struct tick *t)
{
    const struct sma_params *p = actor_params(a);
    struct sma_state *s = state;

    s->sum_fast += t->mid - leaving(s, p->fast);
    s->sum_slow += t->mid - leaving(s, p->slow);
    s->ring[s->n++ % SMA_MAX_WINDOW] = t->mid;
    if (s->n < (uint64_t)p->slow)
        return;
    /* fast/slow vs slow/fast averages, compared without division */
    __int128 f = (__int128)s->sum_fast * p->slow, sl = (__int128)s->sum_slow * p->fast;
    s->signal = f > sl ? 1 : f < sl ? -1 : s->signal;
    if (strategy_pending(a, p->symbol) == 0)   /* one order at a time */
        strategy_trade_toward(a, t, s->signal * p->qty);
}

static void sma_init(struct actor *a, void *state, const void *params)
{
    const struct sma_params *p = params;
    struct sma_state *s = state;
    (void)a;
    s->fast = p->fast;
    s->slow = p->slow;
}

static void sma_stats(const void *state, struct stats *out)
{
    const struct sma_state *s = state;

    stats_int(out, "signal", s->signal);
    if (s->n >= (uint64_t)s->slow) {
        stats_double(out, "fast_ma", (double)s->sum_fast / (double)s->fast / 1e8);
        stats_double(out, "slow_ma", (double)s->sum_slow / (double)s->slow / 1e8);
    }
    stats_uint(out, "ticks", s->n);
}

static const char *sma_check(const void *params, const char **key)
{
    const struct sma_params *p = params;

    *key = "fast";
    return p->fast < p->slow ? NULL : "param 'fast' must be smaller than 'slow'";
}

#define P(field) offsetof(struct sma_params, field)
static const struct param_def sma_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", P(feed), NULL},
    {"orders", PARAM_REF, PARAM_REQUIRED, 0, 0, "orders", P(orders), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", P(symbol), NULL},
    {"fast", PARAM_INT, 0, 1, SMA_MAX_WINDOW - 1, NULL, P(fast), "10"},
    {"slow", PARAM_INT, 0, 2, SMA_MAX_WINDOW, NULL, P(slow), "50"},
    {"qty", PARAM_INT, 0, 1, 1000000, NULL, P(qty), "1"},
    {NULL},
};
#undef P

const struct actor_kind sma_cross_kind = {
    .name = "sma_cross",
    .params = sma_params,
    .params_size = sizeof(struct sma_params),
    .check = sma_check,
    .state_size = sizeof(struct sma_state),
    .init = sma_init,
    .on_tick = sma_on_tick,
    .stats = sma_stats,
};
