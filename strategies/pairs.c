/*
 * pairs.c — mean reversion of the spread between two symbols.
 *
 *   spread = mid_a - hedge_ratio * mid_b        (price units, a double)
 *
 * is observed every time either symbol ticks once both have a mid. Its z
 * score is taken against the mean and the (population) standard deviation
 * of the `window` observations before it — the new one is not part of its
 * own yardstick, so a jump can reach any z — and then joins the window.
 *
 *   flat, z >  entry_z   short the spread: sell qty of a, buy qty_b of b
 *   flat, z < -entry_z   long the spread:  buy qty of a, sell qty_b of b
 *   in,  |z| < exit_z    back to flat (exit_z 0: never exits on z)
 *
 * qty_b = hedge_ratio * qty rounded to the nearest lot. Orders are
 * marketable IOC limits (buy at the ask, sell at the bid) for the distance
 * between the target and the position the fills built, leg a first; no new
 * order goes out while one is still open, and every observation re-works
 * what an IOC left unfilled.
 *
 * Floating point: the same operations in the same order on the same
 * machine give the same bits, which is all replay needs. The window is
 * summed afresh on each observation (no running sums to drift).
 *
 * Params: feed, orders, symbol_a, symbol_b, hedge_ratio (> 0), window
 * (2..1024), entry_z (> exit_z), exit_z (>= 0), qty.
 * Stats: the account's (position per symbol), spread, mean, sd, z, signal
 * (-1 short spread, 0 flat, 1 long spread), observations, entries, exits.
 */
#include <math.h>
#include <string.h>

#include <stratd/stats.h>
#include <stratd/strategy.h>

#define PAIRS_MAX_WINDOW 1024

struct pairs_params {
    actor_ref feed, orders;
    char *symbol_a, *symbol_b;
    double hedge_ratio;
    int64_t window;
    double entry_z, exit_z;
    int64_t qty;
};

struct pairs_state {
    double ring[PAIRS_MAX_WINDOW];  /* the last `window` spreads */
    uint64_t n;                     /* spreads observed */
    int64_t bid_a, ask_a, bid_b, ask_b;
    int64_t qty_b;
    double spread, mean, sd, z;     /* of the last observation */
    int32_t signal;                 /* target: -1, 0, 1 */
    int32_t has_z;                  /* mean, sd and z are set */
    uint64_t entries, exits;
};

static int64_t hedge_qty(const struct pairs_params *p)
{
    return (int64_t)floor(p->hedge_ratio * (double)p->qty + 0.5);
}

static void pairs_init(struct actor *a, void *state, const void *params)
{
    const struct pairs_params *p = params;
    struct pairs_state *s = state;
    (void)a;
    s->qty_b = hedge_qty(p);
}

static void observe(struct actor *a, struct pairs_state *s, const struct pairs_params *p)
{
    uint64_t w = (uint64_t)p->window;
    double mid_a = (double)((s->bid_a + s->ask_a) / 2);
    double mid_b = (double)((s->bid_b + s->ask_b) / 2);
    double sum = 0, var = 0;

    s->spread = mid_a - p->hedge_ratio * mid_b;
    if (s->n >= w) {
        for (uint64_t i = s->n - w; i < s->n; i++)
            sum += s->ring[i % PAIRS_MAX_WINDOW];
        s->mean = sum / (double)w;
        for (uint64_t i = s->n - w; i < s->n; i++) {
            double d = s->ring[i % PAIRS_MAX_WINDOW] - s->mean;
            var += d * d;
        }
        s->sd = sqrt(var / (double)w);
        s->has_z = s->sd > 0;
        s->z = s->has_z ? (s->spread - s->mean) / s->sd : 0;
    }
    s->ring[s->n % PAIRS_MAX_WINDOW] = s->spread;
    s->n++;
    if (!s->has_z)
        return;   /* window not full yet, or a flat one */

    if (s->signal == 0 && s->z > p->entry_z) {
        s->signal = -1;
        s->entries++;
        actor_log(a, LOG_INFO, "z %.3f > %.3f: short the spread", s->z, p->entry_z);
    } else if (s->signal == 0 && s->z < -p->entry_z) {
        s->signal = 1;
        s->entries++;
        actor_log(a, LOG_INFO, "z %.3f < -%.3f: long the spread", s->z, p->entry_z);
    } else if (s->signal != 0 && fabs(s->z) < p->exit_z) {
        s->signal = 0;
        s->exits++;
        actor_log(a, LOG_INFO, "|z| %.3f < %.3f: flat", fabs(s->z), p->exit_z);
    }
    if (strategy_pending(a, p->symbol_a) != 0 || strategy_pending(a, p->symbol_b) != 0)
        return;   /* one step at a time: the next observation re-works */
    strategy_trade_toward(a, &(struct tick){.symbol = p->symbol_a, .bid = s->bid_a,
                                            .ask = s->ask_a}, s->signal * p->qty);
    strategy_trade_toward(a, &(struct tick){.symbol = p->symbol_b, .bid = s->bid_b,
                                            .ask = s->ask_b}, -s->signal * s->qty_b);
}

static void pairs_on_tick(struct actor *a, void *state, const struct tick *t)
{
    const struct pairs_params *p = actor_params(a);
    struct pairs_state *s = state;
    bool is_a = strcmp(t->symbol, p->symbol_a) == 0;

    *(is_a ? &s->bid_a : &s->bid_b) = t->bid;
    *(is_a ? &s->ask_a : &s->ask_b) = t->ask;
    if (s->bid_a > 0 && s->bid_b > 0)
        observe(a, s, p);
}

static void pairs_stats(const void *state, struct stats *out)
{
    const struct pairs_state *s = state;

    stats_double(out, "spread", s->spread / 1e8);
    if (s->has_z) {
        stats_double(out, "mean", s->mean / 1e8);
        stats_double(out, "sd", s->sd / 1e8);
        stats_double(out, "z", s->z);
    }
    stats_int(out, "signal", s->signal);
    stats_uint(out, "observations", s->n);
    stats_uint(out, "entries", s->entries);
    stats_uint(out, "exits", s->exits);
}

static const char *pairs_check(const void *params, const char **key)
{
    const struct pairs_params *p = params;

    if (strcmp(p->symbol_a, p->symbol_b) == 0) {
        *key = "symbol_b";
        return "param 'symbol_b' must differ from 'symbol_a'";
    }
    if (!(p->hedge_ratio > 0)) {
        *key = "hedge_ratio";
        return "param 'hedge_ratio' must be greater than 0";
    }
    if (hedge_qty(p) < 1) {
        *key = "hedge_ratio";
        return "param 'hedge_ratio' times 'qty' must round to at least 1 lot of symbol_b";
    }
    if (!(p->entry_z > p->exit_z)) {
        *key = "entry_z";
        return "param 'entry_z' must be greater than 'exit_z'";
    }
    return NULL;
}

#define P(field) offsetof(struct pairs_params, field)
static const struct param_def pairs_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", P(feed), NULL},
    {"orders", PARAM_REF, PARAM_REQUIRED, 0, 0, "orders", P(orders), NULL},
    {"symbol_a", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", P(symbol_a), NULL},
    {"symbol_b", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", P(symbol_b), NULL},
    {"hedge_ratio", PARAM_DOUBLE, 0, 0, 1e6, NULL, P(hedge_ratio), "1"},
    {"window", PARAM_INT, 0, 2, PAIRS_MAX_WINDOW, NULL, P(window), "100"},
    {"entry_z", PARAM_DOUBLE, 0, 0, 1000, NULL, P(entry_z), "2"},
    {"exit_z", PARAM_DOUBLE, 0, 0, 1000, NULL, P(exit_z), "0.5"},
    {"qty", PARAM_INT, 0, 1, 1000000, NULL, P(qty), "1"},
    {NULL},
};
#undef P

const struct actor_kind pairs_kind = {
    .name = "pairs",
    .params = pairs_params,
    .params_size = sizeof(struct pairs_params),
    .check = pairs_check,
    .state_size = sizeof(struct pairs_state),
    .init = pairs_init,
    .on_tick = pairs_on_tick,
    .stats = pairs_stats,
};
