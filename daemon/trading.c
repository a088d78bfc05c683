/*
 * trading.c — the typed strategy API (include/stratd/strategy.h): the
 * account kept for a strategy, its symbols and services found from its
 * param table, and each message routed to the callback that names it.
 *
 * Everything here runs inside the actor's handler, on journaled messages
 * only, so replay books exactly what the live run booked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "runtime.h"
#include "strategy.h"
#include "trading.h"

_Static_assert(sizeof(struct accounting) % 16 == 0,
               "the kind's state follows the account: keep the account 16-byte sized");

bool trading_kind(const struct actor_kind *k)
{
    return k->on_tick || k->on_fill || k->on_order_event || k->on_timer;
}

size_t trading_account_size(const struct actor_kind *k)
{
    return trading_kind(k) ? sizeof(struct accounting) : 0;
}

uint64_t trading_digest(const struct actor *a, uint64_t h)
{
    return a->account ? hash_bytes(h, a->account, sizeof *a->account) : h;
}

/* The first ref param of the kind whose role is `role`, or ACTOR_REF_NONE. */
static actor_ref ref_by_role(const struct actor *a, const char *role)
{
    for (const struct param_def *r = a->kind->params; r && r->name; r++)
        if (r->type == PARAM_REF && r->role && strcmp(r->role, role) == 0)
            return *(const actor_ref *)((const char *)a->topo->params + r->offset);
    return ACTOR_REF_NONE;
}

/* The ref param named `name`, or ACTOR_REF_NONE. */
static actor_ref ref_by_name(const struct actor *a, const char *name)
{
    for (const struct param_def *r = a->kind->params; r && r->name; r++)
        if (r->type == PARAM_REF && strcmp(r->name, name) == 0)
            return *(const actor_ref *)((const char *)a->topo->params + r->offset);
    return ACTOR_REF_NONE;
}

/* Call fn for every symbol param (a string checked against a feed's
 * symbols: its row's role names that feed's ref param), in table order. */
static void each_symbol(struct actor *a, void (*fn)(struct actor *a, actor_ref feed,
                                                    const char *symbol))
{
    for (const struct param_def *r = a->kind->params; r && r->name; r++) {
        const char *sym;
        if (r->type != PARAM_STRING || !r->role)
            continue;
        sym = *(char *const *)((const char *)a->topo->params + r->offset);
        if (sym)
            fn(a, ref_by_name(a, r->role), sym);
    }
}

static void open_row(struct actor *a, actor_ref feed, const char *symbol)
{
    (void)feed;
    acct_mark(a->account, symbol, 0);
}

void trading_init(struct actor *a)
{
    if (a->account)
        each_symbol(a, open_row);
}

static void subscribe(struct actor *a, actor_ref feed, const char *symbol)
{
    if (feed != ACTOR_REF_NONE)
        actor_subscribe(a, feed, symbol);
}

void trading_start(struct actor *a)
{
    if (a->account)
        each_symbol(a, subscribe);
}

static bool own_symbol(const struct accounting *ac, const char *symbol)
{
    for (uint32_t i = 0; i < ac->n_pos; i++)
        if (strcmp(ac->pos[i].symbol, symbol) == 0)
            return true;
    return false;
}

static void on_tick(struct actor *a, const Stratd__Tick *pt)
{
    struct tick t;

    if (!own_symbol(a->account, pt->symbol) || pt->bid <= 0 || pt->ask <= 0)
        return;
    t = (struct tick){pt->symbol, pt->seq, pt->bid, pt->ask, (pt->bid + pt->ask) / 2,
                      pt->last, pt->size};
    acct_mark(a->account, t.symbol, t.mid);
    if (a->kind->on_tick)
        a->kind->on_tick(a, a->state, &t);
}

static void on_order_event(struct actor *a, const Stratd__OrderEvent *ev)
{
    struct accounting *ac = a->account;

    acct_on_event(ac, ev);
    if (ev->kind == STRATD__ORDER_EVENT__KIND__FILL) {
        struct fill f = {ev->symbol, ev->tag, ev->side, ev->qty,
                         ev->fill_price ? ev->fill_price : ev->price, ev->leaves,
                         acct_position(ac, ev->symbol)};
        if (ev->qty > 0)
            actor_log(a, LOG_INFO, "filled %s %" PRId64 " %s @ %.2f: position %" PRId64
                      ", realized %.2f, unrealized %.2f",
                      ev->side == STRATD__SIDE__BUY ? "BUY" : "SELL", ev->qty, ev->symbol,
                      (double)f.price / 1e8, f.position, (double)acct_realized(ac) / 1e8,
                      (double)acct_unrealized(ac) / 1e8);
        if (a->kind->on_fill)
            a->kind->on_fill(a, a->state, &f);
        return;
    }
    if (ev->kind == STRATD__ORDER_EVENT__KIND__REJECT)
        actor_log(a, LOG_WARN, "order %" PRIu64 " rejected: %s", ev->tag, ev->reason);
    if (a->kind->on_order_event)
        a->kind->on_order_event(a, a->state, ev);
}

bool trading_dispatch(struct actor *a, const struct msg *m)
{
    switch (m->body->kind_case) {
    case STRATD__MSG__KIND_TICK:
        on_tick(a, m->body->tick);
        return true;
    case STRATD__MSG__KIND_ORDER_EVENT:
        on_order_event(a, m->body->order_event);
        return true;
    case STRATD__MSG__KIND_TIMER_FIRED:
        if (!a->kind->on_timer)
            return false;
        a->kind->on_timer(a, a->state, m->body->timer_fired->token);
        return true;
    default:
        return false;
    }
}

void trading_stats(const struct actor *a, struct stats *out)
{
    const struct accounting *ac = a->account;

    if (ac)
        acct_stats(ac, ac->n_pos == 1 ? ac->pos[0].symbol : NULL, out);
}

/* --- the public calls ---------------------------------------------------- */

uint64_t strategy_order(struct actor *a, const char *symbol, Stratd__Side side,
                        int64_t price, int64_t qty, bool ioc)
{
    return acct_send_order(a->account, a, ref_by_role(a, "orders"), symbol, side, price,
                           qty, ioc);
}

uint64_t strategy_trade_toward(struct actor *a, const struct tick *t, int64_t target)
{
    int64_t want = target - acct_position(a->account, t->symbol);

    if (want > 0)
        return strategy_order(a, t->symbol, STRATD__SIDE__BUY, t->ask, want, true);
    if (want < 0)
        return strategy_order(a, t->symbol, STRATD__SIDE__SELL, t->bid, -want, true);
    return 0;
}

const struct acct_order *strategy_open_order(const struct actor *a, uint64_t tag)
{
    const struct accounting *ac = a->account;

    for (uint32_t i = 0; tag != 0 && i < ac->n_open; i++)
        if (ac->open[i].tag == tag)
            return &ac->open[i];
    return NULL;
}

bool strategy_cancel(struct actor *a, uint64_t tag)
{
    const struct acct_order *o = strategy_open_order(a, tag);

    if (!o || o->coid == 0)
        return false;
    acct_cancel(a->account, a, ref_by_role(a, "orders"), tag);
    return true;
}

void strategy_timer_at(struct actor *a, int64_t fire_at_ns, uint64_t token)
{
    actor_timer_at(a, ref_by_role(a, "timer"), fire_at_ns, token);
}

int64_t strategy_position(const struct actor *a, const char *symbol)
{
    return acct_position(a->account, symbol);
}

int64_t strategy_pending(const struct actor *a, const char *symbol)
{
    return acct_pending(a->account, symbol);
}

int64_t strategy_realized(const struct actor *a)
{
    return acct_realized(a->account);
}

int64_t strategy_unrealized(const struct actor *a)
{
    return acct_unrealized(a->account);
}

const struct accounting *strategy_account(const struct actor *a)
{
    return a->account;
}
