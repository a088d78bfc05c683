/*
 * market_maker.c — two-sided quoting around the mid price.
 *
 * A quote generation is one resting bid and one resting ask (GTC limits):
 *
 *   bid = mid - half_spread - skew * position
 *   ask = mid + half_spread - skew * position
 *
 * so a long position lowers both prices (sell sooner, buy later) and a
 * short one raises them. A side is left out when a fill of `qty` on it
 * would take |position| over max_inventory.
 *
 * Quotes are replaced whole, never amended: the live generation is
 * cancelled ("pulled") and the next one is placed only once both old quotes
 * are gone (CANCELED, fully filled or rejected), so there are never more
 * than two quotes out and the inventory limit holds even if a cancel races
 * a fill. A generation is pulled when
 *   - the mid moves more than requote_threshold from the mid it was quoted
 *     around,
 *   - a fill changes the position (the next generation carries the skew),
 *   - no tick arrived for stale_ms (checked on a periodic TimerFired the
 *     strategy requests itself); quoting resumes with the next tick.
 * A cancel for a quote not yet acknowledged is sent once its ACK (which
 * carries the client order id) arrives. After a REJECT nothing is placed
 * until the next tick, so a standing rejection cannot loop.
 *
 * Params: feed, orders, timer (needed when stale_ms > 0), symbol,
 * half_spread (price units, > 0), qty, max_inventory (>= qty), skew (price
 * units per lot of position), requote_threshold (price units), stale_ms
 * (0: no staleness check).
 * Stats: the account's, mid, bid_price, ask_price (0: no quote), quoting,
 * stale, ticks, quotes (generations placed), requotes, stale_pulls.
 */
#include <stdio.h>
#include <string.h>

#include <stratd/stats.h>
#include <stratd/strategy.h>

#define MM_HEARTBEAT 1   /* timer token of the staleness check */

enum { MM_BID, MM_ASK };
enum { MM_CANCEL_NONE, MM_CANCEL_WANTED, MM_CANCEL_SENT };

struct mm_params {
    actor_ref feed, orders, timer;
    char *symbol;
    int64_t half_spread, qty, max_inventory, skew, requote_threshold, stale_ms;
};

struct mm_quote {
    uint64_t tag;          /* 0: no quote on this side */
    int64_t price, qty;
    int32_t cancel;        /* MM_CANCEL_* */
    int32_t unused;        /* keeps the struct free of padding */
};

struct mm_state {
    char symbol[ACCT_SYMBOL_MAX + 1];
    struct mm_quote q[2];  /* MM_BID, MM_ASK */
    int64_t mid;           /* last mid seen, 0: none yet */
    int64_t quoted_mid;    /* mid of the live generation */
    int64_t last_tick_ns;
    uint64_t ticks, quotes, requotes, stale_pulls, heartbeats;
    int32_t stale;         /* quotes pulled for lack of ticks */
    int32_t hold;          /* a quote was rejected: wait for a tick */
};

static void mm_init(struct actor *a, void *state, const void *params)
{
    const struct mm_params *p = params;
    struct mm_state *s = state;
    (void)a;
    snprintf(s->symbol, sizeof s->symbol, "%s", p->symbol);
}

static int64_t heartbeat_ns(const struct mm_params *p)
{
    int64_t ms = p->stale_ms / 2;
    return (ms > 0 ? ms : 1) * 1000000;
}

static void mm_on_start(struct actor *a, void *state)
{
    const struct mm_params *p = actor_params(a);
    (void)state;
    if (p->stale_ms > 0 && p->timer != ACTOR_REF_NONE)
        strategy_timer_at(a, actor_now(a) + heartbeat_ns(p), MM_HEARTBEAT);
}

/* Cancel one side's quote now if it is acknowledged, else once it is. */
static void cancel_quote(struct actor *a, struct mm_state *s, int side)
{
    struct mm_quote *q = &s->q[side];

    if (q->tag != 0 && q->cancel != MM_CANCEL_SENT)
        q->cancel = strategy_cancel(a, q->tag) ? MM_CANCEL_SENT : MM_CANCEL_WANTED;
}

static void pull(struct actor *a, struct mm_state *s)
{
    cancel_quote(a, s, MM_BID);
    cancel_quote(a, s, MM_ASK);
}

static bool quoting(const struct mm_state *s)
{
    return s->q[MM_BID].tag != 0 || s->q[MM_ASK].tag != 0;
}

static bool pulling(const struct mm_state *s)
{
    return s->q[MM_BID].cancel != MM_CANCEL_NONE || s->q[MM_ASK].cancel != MM_CANCEL_NONE;
}

static void quote(struct actor *a, struct mm_state *s, const struct mm_params *p, int side,
                  int64_t price)
{
    uint64_t tag = strategy_order(a, p->symbol,
                                  side == MM_BID ? STRATD__SIDE__BUY : STRATD__SIDE__SELL,
                                  price, p->qty, false);
    if (tag != 0)   /* 0: too many open orders, nothing was sent */
        s->q[side] = (struct mm_quote){tag, price, p->qty, MM_CANCEL_NONE, 0};
}

/* Place a new generation when nothing is out and quoting is allowed. */
static void place(struct actor *a, struct mm_state *s, const struct mm_params *p)
{
    int64_t pos, shift, bid, ask;

    if (s->mid <= 0 || s->stale || s->hold || quoting(s))
        return;
    pos = strategy_position(a, p->symbol);
    shift = p->skew * pos;
    bid = s->mid - p->half_spread - shift;
    ask = s->mid + p->half_spread - shift;
    if (pos + p->qty <= p->max_inventory && bid > 0)
        quote(a, s, p, MM_BID, bid);
    if (pos - p->qty >= -p->max_inventory && ask > 0)
        quote(a, s, p, MM_ASK, ask);
    s->quoted_mid = s->mid;
    if (quoting(s))
        s->quotes++;
}

static void mm_on_tick(struct actor *a, void *state, const struct tick *t)
{
    const struct mm_params *p = actor_params(a);
    struct mm_state *s = state;
    int64_t moved;

    s->ticks++;
    s->mid = t->mid;
    s->last_tick_ns = actor_now(a);
    s->hold = 0;
    if (s->stale) {
        s->stale = 0;
        actor_log(a, LOG_INFO, "ticks again: quoting resumes");
    }
    if (quoting(s)) {
        moved = s->mid - s->quoted_mid;
        if ((moved < 0 ? -moved : moved) > p->requote_threshold && !pulling(s)) {
            s->requotes++;
            pull(a, s);
        }
        return;
    }
    place(a, s, p);
}

static int side_of(const struct mm_state *s, uint64_t tag)
{
    if (tag != 0 && s->q[MM_BID].tag == tag)
        return MM_BID;
    if (tag != 0 && s->q[MM_ASK].tag == tag)
        return MM_ASK;
    return -1;
}

static void clear(struct mm_state *s, int side)
{
    memset(&s->q[side], 0, sizeof s->q[side]);
}

static void mm_on_fill(struct actor *a, void *state, const struct fill *f)
{
    struct mm_state *s = state;
    int side = side_of(s, f->tag);

    if (side >= 0 && f->leaves == 0)
        clear(s, side);
    else if (side >= 0 && s->q[side].cancel == MM_CANCEL_WANTED)
        cancel_quote(a, s, side);
    if (f->qty > 0)
        pull(a, s);   /* the next generation carries the new skew */
    place(a, s, actor_params(a));
}

static void mm_on_order_event(struct actor *a, void *state, const Stratd__OrderEvent *ev)
{
    struct mm_state *s = state;
    int side = side_of(s, ev->tag);

    if (side >= 0 && ev->kind == STRATD__ORDER_EVENT__KIND__ACK &&
        s->q[side].cancel == MM_CANCEL_WANTED) {
        cancel_quote(a, s, side);
    } else if (side >= 0 && (ev->kind == STRATD__ORDER_EVENT__KIND__CANCELED ||
                             ev->kind == STRATD__ORDER_EVENT__KIND__REJECT)) {
        clear(s, side);
        s->hold |= ev->kind == STRATD__ORDER_EVENT__KIND__REJECT;
    }
    place(a, s, actor_params(a));
}

static void mm_on_timer(struct actor *a, void *state, uint64_t token)
{
    const struct mm_params *p = actor_params(a);
    struct mm_state *s = state;

    if (token != MM_HEARTBEAT)
        return;
    s->heartbeats++;
    if (s->last_tick_ns != 0 && !s->stale &&
        actor_now(a) - s->last_tick_ns >= p->stale_ms * 1000000) {
        s->stale = 1;
        s->stale_pulls++;
        actor_log(a, LOG_WARN, "no tick for %lld ms: quotes pulled", (long long)p->stale_ms);
        pull(a, s);
    }
    strategy_timer_at(a, actor_now(a) + heartbeat_ns(p), MM_HEARTBEAT);
}

static void mm_stats(const void *state, struct stats *out)
{
    const struct mm_state *s = state;

    stats_double(out, "mid", (double)s->mid / 1e8);
    stats_double(out, "bid_price", (double)s->q[MM_BID].price / 1e8);
    stats_double(out, "ask_price", (double)s->q[MM_ASK].price / 1e8);
    stats_bool(out, "quoting", quoting(s));
    stats_bool(out, "stale", s->stale != 0);
    stats_uint(out, "ticks", s->ticks);
    stats_uint(out, "quotes", s->quotes);
    stats_uint(out, "requotes", s->requotes);
    stats_uint(out, "stale_pulls", s->stale_pulls);
}

static const char *mm_check(const void *params, const char **key)
{
    const struct mm_params *p = params;

    if (p->max_inventory < p->qty) {
        *key = "max_inventory";
        return "param 'max_inventory' must be at least 'qty' (no quote could be placed)";
    }
    if (p->stale_ms > 0 && p->timer == ACTOR_REF_NONE) {
        *key = "stale_ms";
        return "param 'stale_ms' needs a timer actor: add a timer service (or name one "
               "with 'timer'), or set stale_ms: 0 to quote without a staleness check";
    }
    return NULL;
}

#define P(field) offsetof(struct mm_params, field)
static const struct param_def mm_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", P(feed), NULL},
    {"orders", PARAM_REF, PARAM_REQUIRED, 0, 0, "orders", P(orders), NULL},
    {"timer", PARAM_REF, 0, 0, 0, "timer", P(timer), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", P(symbol), NULL},
    {"half_spread", PARAM_INT, PARAM_REQUIRED, 1, 1e12, NULL, P(half_spread), NULL},
    {"qty", PARAM_INT, 0, 1, 1000000, NULL, P(qty), "1"},
    {"max_inventory", PARAM_INT, 0, 1, 1e9, NULL, P(max_inventory), "10"},
    {"skew", PARAM_INT, 0, 0, 1e12, NULL, P(skew), "0"},
    {"requote_threshold", PARAM_INT, 0, 0, 1e12, NULL, P(requote_threshold), "0"},
    {"stale_ms", PARAM_INT, 0, 0, 86400000, NULL, P(stale_ms), "5000"},
    {NULL},
};
#undef P

const struct actor_kind market_maker_kind = {
    .name = "market_maker",
    .params = mm_params,
    .params_size = sizeof(struct mm_params),
    .check = mm_check,
    .state_size = sizeof(struct mm_state),
    .init = mm_init,
    .on_start = mm_on_start,
    .on_tick = mm_on_tick,
    .on_fill = mm_on_fill,
    .on_order_event = mm_on_order_event,
    .on_timer = mm_on_timer,
    .stats = mm_stats,
};
