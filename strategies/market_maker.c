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
 * Stats: position, realized_pnl, unrealized_pnl, open_orders, orders,
 * fills, rejects, mid, bid_price, ask_price (0: no quote), quoting, stale,
 * ticks, quotes (generations placed), requotes, stale_pulls.
 *
 * The state is flat: the runtime's default digest covers all of it.
 */
#include <stdio.h>
#include <string.h>

#include <stratd/accounting.h>
#include <stratd/stats.h>

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
    struct accounting ac;
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
    acct_mark(&s->ac, p->symbol, 0);   /* the position row exists from the start */
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
    actor_subscribe(a, p->feed, p->symbol);
    if (p->stale_ms > 0 && p->timer != ACTOR_REF_NONE)
        actor_timer_at(a, p->timer, actor_now(a) + heartbeat_ns(p), MM_HEARTBEAT);
}

static const struct acct_order *open_order(const struct accounting *ac, uint64_t tag)
{
    for (uint32_t i = 0; i < ac->n_open; i++)
        if (ac->open[i].tag == tag)
            return &ac->open[i];
    return NULL;
}

/* Cancel one side's quote now if it is acknowledged, else once it is. */
static void cancel_quote(struct actor *a, struct mm_state *s, const struct mm_params *p,
                         int side)
{
    struct mm_quote *q = &s->q[side];
    const struct acct_order *o;

    if (q->tag == 0 || q->cancel == MM_CANCEL_SENT)
        return;
    o = open_order(&s->ac, q->tag);
    if (o && o->coid != 0) {
        acct_cancel(&s->ac, a, p->orders, q->tag);
        q->cancel = MM_CANCEL_SENT;
    } else {
        q->cancel = MM_CANCEL_WANTED;
    }
}

static void pull(struct actor *a, struct mm_state *s, const struct mm_params *p)
{
    cancel_quote(a, s, p, MM_BID);
    cancel_quote(a, s, p, MM_ASK);
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
    struct mm_quote *q = &s->q[side];
    uint64_t tag;

    tag = acct_send_order(&s->ac, a, p->orders, p->symbol,
                          side == MM_BID ? STRATD__SIDE__BUY : STRATD__SIDE__SELL,
                          price, p->qty, false);
    if (tag == 0)
        return;   /* too many open orders: nothing was sent */
    q->tag = tag;
    q->price = price;
    q->qty = p->qty;
    q->cancel = MM_CANCEL_NONE;
}

/* Place a new generation when nothing is out and quoting is allowed. */
static void place(struct actor *a, struct mm_state *s, const struct mm_params *p)
{
    int64_t pos, shift, bid, ask;

    if (s->mid <= 0 || s->stale || s->hold || quoting(s))
        return;
    pos = acct_position(&s->ac, p->symbol);
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

static void on_tick(struct actor *a, struct mm_state *s, const struct mm_params *p,
                    const Stratd__Tick *t)
{
    int64_t moved;

    if (strcmp(t->symbol, p->symbol) != 0 || t->bid <= 0 || t->ask <= 0)
        return;
    s->ticks++;
    s->mid = (t->bid + t->ask) / 2;
    s->last_tick_ns = actor_now(a);
    s->hold = 0;
    acct_mark(&s->ac, p->symbol, s->mid);
    if (s->stale) {
        s->stale = 0;
        actor_log(a, LOG_INFO, "ticks again: quoting resumes");
    }
    if (quoting(s)) {
        moved = s->mid - s->quoted_mid;
        if ((moved < 0 ? -moved : moved) > p->requote_threshold && !pulling(s)) {
            s->requotes++;
            pull(a, s, p);
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

static void on_event(struct actor *a, struct mm_state *s, const struct mm_params *p,
                     const Stratd__OrderEvent *ev)
{
    int64_t before = acct_position(&s->ac, p->symbol);
    int side = side_of(s, ev->tag);

    acct_on_event(&s->ac, ev);
    switch (ev->kind) {
    case STRATD__ORDER_EVENT__KIND__ACK:
        if (side >= 0 && s->q[side].cancel == MM_CANCEL_WANTED)
            cancel_quote(a, s, p, side);
        break;
    case STRATD__ORDER_EVENT__KIND__FILL:
        if (side >= 0 && ev->leaves == 0)
            clear(s, side);
        else if (side >= 0 && s->q[side].cancel == MM_CANCEL_WANTED)
            cancel_quote(a, s, p, side);
        if (acct_position(&s->ac, p->symbol) != before) {
            actor_log(a, LOG_INFO, "filled %s %lld @ %.2f: position %lld",
                      ev->side == STRATD__SIDE__BUY ? "BUY" : "SELL", (long long)ev->qty,
                      (double)ev->fill_price / 1e8,
                      (long long)acct_position(&s->ac, p->symbol));
            pull(a, s, p);   /* the next generation carries the new skew */
        }
        break;
    case STRATD__ORDER_EVENT__KIND__CANCELED:
        if (side >= 0)
            clear(s, side);
        break;
    case STRATD__ORDER_EVENT__KIND__REJECT:
        if (side >= 0) {
            clear(s, side);
            s->hold = 1;
            actor_log(a, LOG_WARN, "quote rejected: %s", ev->reason);
        }
        break;
    default:
        break;
    }
    place(a, s, p);
}

static void on_timer(struct actor *a, struct mm_state *s, const struct mm_params *p,
                     const Stratd__TimerFired *tf)
{
    if (tf->token != MM_HEARTBEAT)
        return;
    s->heartbeats++;
    if (s->last_tick_ns != 0 && !s->stale &&
        actor_now(a) - s->last_tick_ns >= p->stale_ms * 1000000) {
        s->stale = 1;
        s->stale_pulls++;
        actor_log(a, LOG_WARN, "no tick for %lld ms: quotes pulled", (long long)p->stale_ms);
        pull(a, s, p);
    }
    actor_timer_at(a, p->timer, actor_now(a) + heartbeat_ns(p), MM_HEARTBEAT);
}

static void mm_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct mm_params *p = actor_params(a);
    struct mm_state *s = state;

    switch (m->body->kind_case) {
    case STRATD__MSG__KIND_TICK:
        on_tick(a, s, p, m->body->tick);
        break;
    case STRATD__MSG__KIND_ORDER_EVENT:
        on_event(a, s, p, m->body->order_event);
        break;
    case STRATD__MSG__KIND_TIMER_FIRED:
        on_timer(a, s, p, m->body->timer_fired);
        break;
    default:
        break;
    }
}

static void mm_stats(const void *state, struct stats *out)
{
    const struct mm_state *s = state;

    acct_stats(&s->ac, s->symbol, out);
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
    .on_message = mm_on_message,
    .stats = mm_stats,
};
