/*
 * tests/legacy/twap.c — the twap strategy as it was written on the raw
 * actor API (on_message, its own account), before strategies moved to the
 * typed API of <stratd/strategy.h>. Test-only kind "legacy_twap": the
 * equivalence test (tests/test_typed.c) runs it and the typed rewrite on the
 * same ticks and order events and requires the same orders, timers and
 * state digests. Stats left out (the test compares digests instead).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stratd/accounting.h>

#define TWAP_MAX_REJECTS 5

enum twap_phase { TWAP_WORKING, TWAP_DONE, TWAP_STOPPED };

struct twap_params {
    actor_ref feed, orders, timer;
    char *symbol, *side;
    int64_t qty, duration_s, slices;
};

struct twap_state {
    struct accounting ac;
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
    acct_mark(&s->ac, p->symbol, 0);
}

static void schedule(struct actor *a, struct twap_state *s, const struct twap_params *p)
{
    double base = (double)p->duration_s * 1e9 / (double)p->slices;
    int64_t delay = (int64_t)(base * (0.5 + actor_rand_unit(a)));

    s->timer_token = ++s->timers;
    actor_timer_at(a, p->timer, actor_now(a) + (delay > 0 ? delay : 1), s->timer_token);
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
    tag = acct_send_order(&s->ac, a, p->orders, p->symbol, s->side, price, size, true);
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
    const struct twap_params *p = actor_params(a);
    struct twap_state *s = state;

    actor_subscribe(a, p->feed, p->symbol);
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

static void on_event(struct actor *a, struct twap_state *s, const struct twap_params *p,
                     const Stratd__OrderEvent *ev)
{
    bool ours = ev->tag != 0 && ev->tag == s->child_tag;

    acct_on_event(&s->ac, ev);
    if (!ours)
        return;
    switch (ev->kind) {
    case STRATD__ORDER_EVENT__KIND__FILL:
        s->filled += ev->qty;
        s->rejects_in_row = 0;
        if (ev->leaves == 0)
            child_done(a, s, p);
        break;
    case STRATD__ORDER_EVENT__KIND__CANCELED:
        child_done(a, s, p);
        break;
    case STRATD__ORDER_EVENT__KIND__REJECT:
        s->rejects_in_row++;
        actor_log(a, LOG_WARN, "child rejected: %s", ev->reason);
        child_done(a, s, p);
        break;
    default:
        break;
    }
}

static void twap_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct twap_params *p = actor_params(a);
    struct twap_state *s = state;
    const Stratd__Tick *t;

    switch (m->body->kind_case) {
    case STRATD__MSG__KIND_TICK:
        t = m->body->tick;
        if (strcmp(t->symbol, p->symbol) != 0 || t->bid <= 0 || t->ask <= 0)
            return;
        s->bid = t->bid;
        s->ask = t->ask;
        acct_mark(&s->ac, p->symbol, (t->bid + t->ask) / 2);
        try_send(a, s, p);
        break;
    case STRATD__MSG__KIND_TIMER_FIRED:
        if (s->timer_token == 0 || m->body->timer_fired->token != s->timer_token)
            return;
        s->timer_token = 0;
        s->due = 1;
        try_send(a, s, p);   /* or when the open child is done */
        break;
    case STRATD__MSG__KIND_ORDER_EVENT:
        on_event(a, s, p, m->body->order_event);
        break;
    default:
        break;
    }
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

const struct actor_kind legacy_twap_kind = {
    .name = "legacy_twap",
    .params = twap_params,
    .params_size = sizeof(struct twap_params),
    .check = twap_check,
    .state_size = sizeof(struct twap_state),
    .init = twap_init,
    .on_start = twap_on_start,
    .on_message = twap_on_message,
};
