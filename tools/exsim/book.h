/*
 * book.h — a price-time-priority limit order book for one symbol. No I/O,
 * no clock: the caller hands in orders and gets fills through a callback,
 * so the book is unit-testable on its own (tests/test_book.c).
 *
 * Invariants:
 *   - the book is never crossed after book_submit returns: best bid < best
 *     ask whenever both sides have orders;
 *   - within a price level orders fill in arrival order (FIFO);
 *   - every resting order has leaves > 0 and a unique nonzero id;
 *   - a level's qty is the sum of its orders' leaves.
 *
 * An incoming order matches against the opposite side from the best price
 * on, always at the resting order's price. What is left then rests (LIMIT
 * GTC) or is canceled (LIMIT IOC, MARKET).
 */
#ifndef EXSIM_BOOK_H
#define EXSIM_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map.h"

enum book_side { BOOK_BUY = 1, BOOK_SELL = 2 };
enum book_type { BOOK_LIMIT = 1, BOOK_MARKET = 2 };
enum book_tif  { BOOK_GTC = 1, BOOK_IOC = 2 };

#define BOOK_ERRNO_MAP(XX)                                 \
    XX(INVAL,    -1, "invalid order")                       \
    XX(DUPID,    -2, "order id already in the book")        \
    XX(NOTFOUND, -3, "no such order in the book")           \
    XX(NOMEM,    -4, "out of memory")

enum book_errno {
#define BOOK_XX_(name, val, msg) BOOK_E_##name = (val),
    BOOK_ERRNO_MAP(BOOK_XX_)
#undef BOOK_XX_
};

const char *book_strerror(int err);

/* An order as the book sees it. owner is the caller's (NULL for simulated
 * participants, by convention of exsim). */
struct book_order {
    uint64_t id;
    void *owner;
    enum book_side side;
    enum book_type type;
    enum book_tif tif;
    int64_t price;              /* limit price; 0 for MARKET */
    int64_t qty, cum, leaves;   /* qty == cum + leaves until canceled */
    struct book_order *prev, *next;   /* FIFO within its level */
};

/* A LIMIT order with no owner (a simulated participant's), as book_submit
 * wants it. */
static inline struct book_order book_limit(uint64_t id, enum book_side side,
                                           enum book_tif tif, int64_t price,
                                           int64_t qty)
{
    return (struct book_order){
        .id = id, .side = side, .type = BOOK_LIMIT, .tif = tif,
        .price = price, .qty = qty,
    };
}

struct book_level {
    int64_t price;
    int64_t qty;                /* sum of leaves */
    size_t count;               /* orders */
    struct book_order *head, *tail;
};

/* One side: levels sorted so that the best price is the last element. */
struct book_half {
    struct book_level *lv;
    size_t n, cap;
};

struct book {
    struct book_half bids, asks;
    struct map ids;             /* id -> resting struct book_order */
    int64_t last_price, last_qty;    /* most recent fill, 0 before any */
    uint64_t fills;             /* fills so far */
    int64_t volume;             /* quantity traded so far */
};

/* One match. maker (the resting order) and taker are borrowed, valid only
 * during the callback, and show the state after this fill. The callback
 * must not call into the book. */
struct book_fill {
    const struct book_order *maker, *taker;
    int64_t price, qty;
};
typedef void (*book_fill_cb)(void *ctx, const struct book_fill *f);

/* What became of a submitted order. */
struct book_result {
    int64_t filled;             /* quantity matched at once */
    int64_t rested;             /* quantity now resting (0: none) */
    int64_t canceled;           /* unfilled IOC/MARKET remainder */
    size_t fills;               /* number of fills */
};

void book_init(struct book *b);
void book_release(struct book *b);   /* frees every resting order */

/* Match o (borrowed: id, owner, side, type, tif, price, qty are read) and
 * rest the remainder of a GTC limit. cb may be NULL. Returns 0 with *res
 * filled in, or BOOK_E_INVAL (bad side/type/tif, qty <= 0, LIMIT with
 * price <= 0, id 0), BOOK_E_DUPID, BOOK_E_NOMEM; on error nothing changed. */
int book_submit(struct book *b, const struct book_order *o, book_fill_cb cb,
                void *ctx, struct book_result *res);

/* Put o (borrowed: id, owner, side, price, qty, cum, leaves are read) at
 * the back of its price level as a resting LIMIT GTC order, without
 * matching: restoring a saved book level by level, each oldest first, gives
 * back the same time priority. BOOK_E_INVAL (bad side, price <= 0,
 * leaves <= 0, cum < 0, qty != cum + leaves, id 0, or an order that would
 * cross the book), BOOK_E_DUPID, BOOK_E_NOMEM; on error nothing changed. */
int book_restore(struct book *b, const struct book_order *o);

/* Remove a resting order. When out is not NULL it gets the order's state
 * just before removal (prev/next cleared). 0 or BOOK_E_NOTFOUND. */
int book_cancel(struct book *b, uint64_t id, struct book_order *out);

/* A resting order by id (borrowed, valid until the book changes), or NULL. */
const struct book_order *book_find(const struct book *b, uint64_t id);

/* Best price and the quantity there; false when that side is empty. */
bool book_best(const struct book *b, enum book_side side, int64_t *price,
               int64_t *qty);

/* Up to max levels of one side, best first: price and total qty each.
 * Returns how many were written. */
struct book_depth {
    int64_t price, qty;
};
size_t book_depth(const struct book *b, enum book_side side,
                  struct book_depth *out, size_t max);

size_t book_orders(const struct book *b);   /* resting orders */

#endif
