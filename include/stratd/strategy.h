/*
 * strategy.h — the short strategy API: typed callbacks, accounting done.
 *
 * A strategy kind is one const `struct actor_kind` (actor.h) that sets
 * some of on_tick, on_fill, on_order_event and on_timer. For such a kind
 * the runtime does the bookkeeping, so the file holds only decisions:
 *
 *   init     the account gets a position row for every symbol param (in
 *            param-table order), so positions show as 0, not absent.
 *   Start    every symbol param is subscribed on the feed its row names
 *            (param_def.role), then on_start runs.
 *   Tick     of one of those symbols with a two-sided quote (bid > 0 and
 *            ask > 0): the position is marked to the mid, then on_tick.
 *            Other ticks are dropped.
 *   OrderEvent  applied to the account first (fills move positions and
 *            PnL, done orders leave the open list), logged (fills and
 *            rejects), then on_fill for a FILL, on_order_event for the
 *            rest (ACK, REJECT, CANCELED, CANCEL_REJECTED).
 *   TimerFired  on_timer with the token the strategy asked for.
 *   anything else  on_message, when the kind sets it.
 *
 * The account lives in the actor's state block, before the kind's own
 * state: it is digested, rebuilt and reported (stats: position,
 * realized_pnl, unrealized_pnl, open_orders, orders, fills, rejects) with
 * it. Orders go to the actor named by the kind's `orders` ref param, timers
 * to its `timer` ref param.
 *
 * Prices are integer price units (1e-8); PnL is in price units x lots.
 */
#ifndef STRATD_STRATEGY_H
#define STRATD_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "accounting.h"
#include "actor.h"

/* A two-sided quote of one of the strategy's symbols. Borrowed. */
struct tick {
    const char *symbol;
    uint64_t seq;             /* per-symbol stream sequence */
    int64_t bid, ask, mid;    /* mid = (bid + ask) / 2, rounded down */
    int64_t last, size;
};

/* A fill of one of the strategy's orders, after the account booked it. */
struct fill {
    const char *symbol;
    uint64_t tag;             /* strategy_order's return value */
    Stratd__Side side;
    int64_t qty, price;       /* this fill */
    int64_t leaves;           /* still open on the order; 0: done */
    int64_t position;         /* the symbol's position, this fill included */
};

/* Send an order (price 0: market) to the kind's orders service and track
 * it. Returns its tag, or 0 when nothing was sent (too many open orders). */
uint64_t strategy_order(struct actor *a, const char *symbol, Stratd__Side side,
                        int64_t price, int64_t qty, bool ioc);
/* Trade t's symbol toward a target position with one marketable IOC order
 * (buy target - position at the ask, or sell at the bid). Returns the tag,
 * 0 when already there or nothing was sent. */
uint64_t strategy_trade_toward(struct actor *a, const struct tick *t, int64_t target);
/* Ask for an acknowledged order to be canceled; false when it is not open
 * or not acknowledged yet (nothing sent). */
bool strategy_cancel(struct actor *a, uint64_t tag);
/* The open order with this tag, or NULL. Borrowed. */
const struct acct_order *strategy_open_order(const struct actor *a, uint64_t tag);
/* A TimerFired with this token at fire_at_ns, from the kind's timer service. */
void strategy_timer_at(struct actor *a, int64_t fire_at_ns, uint64_t token);

int64_t strategy_position(const struct actor *a, const char *symbol);
/* Signed quantity still to fill on open and pending orders (buys > 0). */
int64_t strategy_pending(const struct actor *a, const char *symbol);
int64_t strategy_realized(const struct actor *a);
int64_t strategy_unrealized(const struct actor *a);
/* The whole account, read-only. */
const struct accounting *strategy_account(const struct actor *a);

#endif
