/*
 * accounting.h — positions, average prices, PnL and open orders of one
 * strategy, driven only by the order events the orders service sends back
 * (never by assumptions about what the exchange did).
 *
 * The whole struct is flat (fixed arrays, no pointers, unused slots kept
 * zero), so a strategy embedding it can keep the runtime's default digest
 * over its state bytes.
 *
 * Prices are integer price units (1e-8); PnL is in price units x lots.
 */
#ifndef STRATD_ACCOUNTING_H
#define STRATD_ACCOUNTING_H

#include <stdint.h>

#include "actor.h"

#define ACCT_SYMBOLS 4
#define ACCT_OPEN 32
#define ACCT_SYMBOL_MAX 32

struct acct_position {
    char symbol[ACCT_SYMBOL_MAX + 1];
    int64_t qty;          /* signed: long > 0 */
    int64_t avg_price;    /* of the open quantity */
    int64_t realized;     /* closed PnL */
    int64_t mark;         /* last price seen, for unrealized PnL */
};

enum acct_order_state { ACCT_PENDING = 1, ACCT_OPEN_ORDER };

struct acct_order {
    uint64_t tag;         /* ours, unique per strategy */
    uint64_t coid;        /* the orders service's, once acknowledged */
    char symbol[ACCT_SYMBOL_MAX + 1];
    int32_t side;         /* Stratd__Side */
    int32_t state;        /* enum acct_order_state */
    int64_t price, qty, leaves;
};

struct accounting {
    struct acct_position pos[ACCT_SYMBOLS];
    uint32_t n_pos, n_open;
    struct acct_order open[ACCT_OPEN];
    uint64_t next_tag;
    uint64_t orders, fills, rejects, cancels;
};

/* Send an order through the orders service and track it. price 0 is a
 * market order. Returns the tag, or 0 when too many orders are open. */
uint64_t acct_send_order(struct accounting *ac, struct actor *a, actor_ref orders,
                         const char *symbol, Stratd__Side side, int64_t price,
                         int64_t qty, bool ioc);
/* Ask the orders service to cancel an acknowledged order. */
void acct_cancel(struct accounting *ac, struct actor *a, actor_ref orders, uint64_t tag);

/* Apply an OrderEvent (ACK, FILL, REJECT, CANCELED ...). */
void acct_on_event(struct accounting *ac, const Stratd__OrderEvent *ev);
/* The last price of a symbol, for unrealized PnL. */
void acct_mark(struct accounting *ac, const char *symbol, int64_t price);

int64_t acct_position(const struct accounting *ac, const char *symbol);
/* Quantity still to fill on open and pending orders, signed (buys > 0). */
int64_t acct_pending(const struct accounting *ac, const char *symbol);
int64_t acct_realized(const struct accounting *ac);
int64_t acct_unrealized(const struct accounting *ac);

/* position (of `symbol`, or of all when NULL), realized_pnl,
 * unrealized_pnl (currency units), open_orders, orders, fills, rejects. */
void acct_stats(const struct accounting *ac, const char *symbol, struct stats *out);

#endif
