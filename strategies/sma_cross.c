/*
 * sma_cross.c — moving-average crossover: long `qty` while the fast simple
 * moving average of the mid price is above the slow one, short `qty` while
 * below. Orders are marketable IOC limits (buy at the ask, sell at the
 * bid) for the difference between target and position, one at a time.
 *
 * Params: feed, orders, symbol, fast (< slow), slow (<= SMA_MAX_WINDOW), qty.
 * Stats: position, realized_pnl, unrealized_pnl, open_orders, fast_ma,
 * slow_ma, signal (-1, 0, 1), orders, fills, rejects.
 */
#include <string.h>

#include <stratd/accounting.h>
#include <stratd/stats.h>

#define SMA_MAX_WINDOW 1024

struct sma_params {
    actor_ref feed, orders;
    char *symbol;
    int64_t fast, slow, qty;
};

struct sma_state {
    struct accounting ac;
    int64_t ring[SMA_MAX_WINDOW];   /* last `slow` mids */
    uint64_t n;                     /* mids seen */
    int64_t sum_fast, sum_slow;
    int64_t fast, slow;             /* copied from params for stats */
    int32_t signal;
};

static void sma_init(struct actor *a, void *state, const void *params)
{
    const struct sma_params *p = params;
    struct sma_state *s = state;
    (void)a;
    s->fast = p->fast;
    s->slow = p->slow;
    acct_mark(&s->ac, p->symbol, 0);   /* position 0, not absent, in stats */
}

static void sma_on_start(struct actor *a, void *state)
{
    const struct sma_params *p = actor_params(a);
    (void)state;
    actor_subscribe(a, p->feed, p->symbol);
}

static int64_t at(const struct sma_state *s, uint64_t i)
{
    return s->ring[i % SMA_MAX_WINDOW];
}

static void on_tick(struct actor *a, struct sma_state *s, const struct sma_params *p,
                    const Stratd__Tick *t)
{
    int64_t mid, target, want;

    if (strcmp(t->symbol, p->symbol) != 0 || t->bid <= 0 || t->ask <= 0)
        return;
    mid = (t->bid + t->ask) / 2;
    acct_mark(&s->ac, p->symbol, mid);
    s->sum_fast += mid - (s->n >= (uint64_t)p->fast ? at(s, s->n - (uint64_t)p->fast) : 0);
    s->sum_slow += mid - (s->n >= (uint64_t)p->slow ? at(s, s->n - (uint64_t)p->slow) : 0);
    s->ring[s->n % SMA_MAX_WINDOW] = mid;
    s->n++;
    if (s->n < (uint64_t)p->slow)
        return;
    /* compare fast/slow without division: sum_fast*slow vs sum_slow*fast */
    __int128 f = (__int128)s->sum_fast * p->slow, sl = (__int128)s->sum_slow * p->fast;
    s->signal = f > sl ? 1 : f < sl ? -1 : s->signal;
    target = s->signal * p->qty;
    if (acct_pending(&s->ac, p->symbol) != 0)
        return;   /* one order at a time */
    want = target - acct_position(&s->ac, p->symbol);
    if (want > 0)
        acct_send_order(&s->ac, a, p->orders, p->symbol, STRATD__SIDE__BUY, t->ask, want, true);
    else if (want < 0)
        acct_send_order(&s->ac, a, p->orders, p->symbol, STRATD__SIDE__SELL, t->bid, -want, true);
}

static void on_event(struct actor *a, struct sma_state *s, const struct sma_params *p,
                     const Stratd__OrderEvent *ev)
{
    acct_on_event(&s->ac, ev);
    if (ev->kind == STRATD__ORDER_EVENT__KIND__FILL && ev->qty > 0)
        actor_log(a, LOG_INFO, "filled %s %lld %s @ %.2f: position %lld, realized %.2f, "
                  "unrealized %.2f", ev->side == STRATD__SIDE__BUY ? "BUY" : "SELL",
                  (long long)ev->qty, ev->symbol, (double)ev->fill_price / 1e8,
                  (long long)acct_position(&s->ac, p->symbol),
                  (double)acct_realized(&s->ac) / 1e8, (double)acct_unrealized(&s->ac) / 1e8);
    else if (ev->kind == STRATD__ORDER_EVENT__KIND__REJECT)
        actor_log(a, LOG_WARN, "order rejected: %s", ev->reason);
}

static void sma_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct sma_params *p = actor_params(a);
    struct sma_state *s = state;

    if (m->body->kind_case == STRATD__MSG__KIND_TICK)
        on_tick(a, s, p, m->body->tick);
    else if (m->body->kind_case == STRATD__MSG__KIND_ORDER_EVENT)
        on_event(a, s, p, m->body->order_event);
}

static void sma_stats(const void *state, struct stats *out)
{
    const struct sma_state *s = state;

    acct_stats(&s->ac, s->ac.n_pos ? s->ac.pos[0].symbol : NULL, out);
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

    if (p->fast >= p->slow) {
        *key = "fast";
        return "param 'fast' must be smaller than 'slow'";
    }
    return NULL;
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
    .on_start = sma_on_start,
    .on_message = sma_on_message,
    .stats = sma_stats,
};
