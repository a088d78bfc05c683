/*
 * twap.c — works one parent order (side, qty) over duration_s in `slices`
 * marketable IOC child orders (buy at the ask, sell at the bid), one at a
 * time.
 *
 * The schedule is jittered with the actor's own generator, so two twap
 * actors do not trade in lockstep, yet each one's schedule is the same in
 * every run and every rebuild (the rng is seeded from the actor's uuid):
 *
 *   delay to the next child = duration_s / slices * (0.5 + u)
 *   child size              = remaining / slices_left * (0.5 + u),
 *                             rounded, clamped to [1, remaining]
 *   the last slice          = exactly what remains
 *
 * with u drawn in [0, 1) by actor_rand_unit(). `remaining` is qty minus
 * what FILLs reported, so what an IOC child left unfilled is worked again:
 * by the next slices, or, after the last one, by extra children (each
 * taking all that remains) until the total filled equals qty exactly.
 *
 *   Start            first child due (sent with the first price seen)
 *   child sent       next TimerFired requested (while slices are left)
 *   TimerFired       a child is due: sent at once, or when the one still
 *                    open is done (FILL with leaves 0, CANCELED, REJECT)
 *   child done       filled == qty: done; after the last slice, a rework
 *                    child is scheduled; TWAP_MAX_REJECTS rejects in a
 *                    row stop the parent order
 *
 * Params: feed, orders, timer, symbol, side ("buy" or "sell"), qty (the
 * parent's total), duration_s, slices (default 10, at most qty).
 * Stats: the account's, side, qty, sent (child qty sent), filled,
 * remaining, children, slices_left, state ("working", "done", "stopped").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stratd/stats.h>
#include <stratd/strategy.h>

#define TWAP_MAX_REJECTS 5

enum twap_phase { TWAP_WORKING, TWAP_DONE, TWAP_STOPPED };

struct twap_params {
    actor_ref feed, orders, timer;
    char *symbol, *side;
    int64_t qty, duration_s, slices;
};

struct twap_state {
    char symbol[ACCT_SYMBOL_MAX + 1];
    int32_t side;            /* Stratd__Side */
    int32_t phase;           /* enum twap_phase */
    int64_t qty, sent, filled, children, slices_left;
    int64_t bid, ask;        /* last quote seen, 0: none yet */
    uint64_t child_tag;      /* the open child, 0: none */
    uint64_t timer_token;    /* the pending TimerFired, 0: none */
    uint64_t timers;         /* tokens handed out */
    int32_t due;             /* a child should go out */
    int32_t rejects_in_row;
};

static void twap_init(struct actor *a, void *state, const void *params)
{
    const struct twap_params *p = params;
    struct twap_state *s = state;
    (void)a;
    snprintf(s->symbol, sizeof s->symbol, "%s", p->symbol);
    s->side = strcmp(p->side, "buy") == 0 ? STRATD__SIDE__BUY : STRATD__SIDE__SELL;
    s->qty = p->qty;
    s->slices_left = p->slices;
}

static void schedule(struct actor *a, struct twap_state *s, const struct twap_params *p)
{
    double base = (double)p->duration_s * 1e9 / (double)p->slices;
    int64_t delay = (int64_t)(base * (0.5 + actor_rand_unit(a)));

    s->timer_token = ++s->timers;
    strategy_timer_at(a, actor_now(a) + (delay > 0 ? delay : 1), s->timer_token);
}

static void try_send(struct actor *a, struct twap_state *s, const struct twap_params *p)
{
    int64_t remaining = s->qty - s->filled, size, price;
    uint64_t tag;

    if (s->phase != TWAP_WORKING || !s->due || s->child_tag != 0 || s->bid <= 0 ||
        remaining <= 0)
        return;
    if (s->slices_left <= 1) {
        size = remaining;
    } else {
        double x = (double)remaining / (double)s->slices_left * (0.5 + actor_rand_unit(a));
        size = (int64_t)floor(x + 0.5);
        size = size < 1 ? 1 : size > remaining ? remaining : size;
    }
    price = s->side == STRATD__SIDE__BUY ? s->ask : s->bid;
    tag = strategy_order(a, p->symbol, s->side, price, size, true);
    if (tag == 0)
        return;   /* too many open orders: still due */
    s->child_tag = tag;
    s->sent += size;
    s->children++;
    s->due = 0;
    if (s->slices_left > 0)
        s->slices_left--;
    if (s->slices_left > 0)
        schedule(a, s, p);
}

static void twap_on_start(struct actor *a, void *state)
{
    struct twap_state *s = state;
    (void)a;
    s->due = 1;
}

static void child_done(struct actor *a, struct twap_state *s, const struct twap_params *p)
{
    s->child_tag = 0;
    if (s->filled >= s->qty) {
        s->phase = TWAP_DONE;
        actor_log(a, LOG_INFO, "done: %lld %s in %lld children", (long long)s->filled,
                  p->symbol, (long long)s->children);
    } else if (s->rejects_in_row >= TWAP_MAX_REJECTS) {
        s->phase = TWAP_STOPPED;
        actor_log(a, LOG_ERROR, "stopped after %d rejects in a row: %lld of %lld filled",
                  s->rejects_in_row, (long long)s->filled, (long long)s->qty);
    } else if (s->due) {
        try_send(a, s, p);
    } else if (s->slices_left == 0 && s->timer_token == 0) {
        schedule(a, s, p);   /* rework what the last slice left */
    }
}

static void twap_on_tick(struct actor *a, void *state, const struct tick *t)
{
    struct twap_state *s = state;

    s->bid = t->bid;
    s->ask = t->ask;
    try_send(a, s, actor_params(a));
}

static void twap_on_timer(struct actor *a, void *state, uint64_t token)
{
    struct twap_state *s = state;

    if (s->timer_token == 0 || token != s->timer_token)
        return;
    s->timer_token = 0;
    s->due = 1;
    try_send(a, s, actor_params(a));   /* or when the open child is done */
}

static void twap_on_fill(struct actor *a, void *state, const struct fill *f)
{
    struct twap_state *s = state;

    if (f->tag == 0 || f->tag != s->child_tag)
        return;
    s->filled += f->qty;
    s->rejects_in_row = 0;
    if (f->leaves == 0)
        child_done(a, s, actor_params(a));
}

static void twap_on_order_event(struct actor *a, void *state, const Stratd__OrderEvent *ev)
{
    struct twap_state *s = state;

    if (ev->tag == 0 || ev->tag != s->child_tag)
        return;
    if (ev->kind == STRATD__ORDER_EVENT__KIND__REJECT)
        s->rejects_in_row++;
    if (ev->kind == STRATD__ORDER_EVENT__KIND__REJECT ||
        ev->kind == STRATD__ORDER_EVENT__KIND__CANCELED)
        child_done(a, s, actor_params(a));
}

static void twap_stats(const void *state, struct stats *out)
{
    static const char *const phases[] = {"working", "done", "stopped"};
    const struct twap_state *s = state;

    stats_text(out, "side", s->side == STRATD__SIDE__BUY ? "buy" : "sell");
    stats_int(out, "qty", s->qty);
    stats_int(out, "sent", s->sent);
    stats_int(out, "filled", s->filled);
    stats_int(out, "remaining", s->qty - s->filled);
    stats_int(out, "children", s->children);
    stats_int(out, "slices_left", s->slices_left);
    stats_text(out, "state", phases[s->phase]);
}

static const char *twap_check(const void *params, const char **key)
{
    const struct twap_params *p = params;

    if (strcmp(p->side, "buy") != 0 && strcmp(p->side, "sell") != 0) {
        *key = "side";
        return "param 'side' must be buy or sell";
    }
    if (p->slices > p->qty) {
        *key = "slices";
        return "param 'slices' must not exceed 'qty' (every child is at least 1 lot)";
    }
    return NULL;
}

#define P(field) offsetof(struct twap_params, field)
static const struct param_def twap_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", P(feed), NULL},
    {"orders", PARAM_REF, PARAM_REQUIRED, 0, 0, "orders", P(orders), NULL},
    {"timer", PARAM_REF, PARAM_REQUIRED, 0, 0, "timer", P(timer), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", P(symbol), NULL},
    {"side", PARAM_STRING, PARAM_REQUIRED, 1, 16, NULL, P(side), NULL},
    {"qty", PARAM_INT, PARAM_REQUIRED, 1, 1e9, NULL, P(qty), NULL},
    {"duration_s", PARAM_INT, PARAM_REQUIRED, 1, 604800, NULL, P(duration_s), NULL},
    {"slices", PARAM_INT, 0, 1, 10000, NULL, P(slices), "10"},
    {NULL},
};
#undef P

const struct actor_kind twap_kind = {
    .name = "twap",
    .params = twap_params,
    .params_size = sizeof(struct twap_params),
    .check = twap_check,
    .state_size = sizeof(struct twap_state),
    .init = twap_init,
    .on_start = twap_on_start,
    .on_tick = twap_on_tick,
    .on_fill = twap_on_fill,
    .on_order_event = twap_on_order_event,
    .on_timer = twap_on_timer,
    .stats = twap_stats,
};
