/*
 * test_book.c — exsim's matching engine without I/O: the order book
 * (price-time priority, partial fills, cancels, market and IOC orders), the
 * exchange layer on top (reports, positions, idempotent client order ids,
 * the simulated liquidity), the determinism of the market model, and the
 * --state file (save, restore, carry on exactly; refusals).
 *
 * The exsim sources are compiled into this test directly: they are not part
 * of the daemon's library.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tools/exsim/map.c"
#include "../tools/exsim/book.c"
#include "../tools/exsim/exch.c"
#include "../tools/exsim/mdgen.c"
#include "../tools/exsim/hist.c"
#include "../tools/exsim/state.c"

/* ---- book helpers */

#define MAX_FILLS 64

struct fills {
    struct { uint64_t maker, taker; int64_t price, qty, maker_leaves, taker_leaves; } f[MAX_FILLS];
    int n;
};

static void record(void *ctx, const struct book_fill *x)
{
    struct fills *r = ctx;

    ck_assert_int_lt(r->n, MAX_FILLS);
    r->f[r->n].maker = x->maker->id;
    r->f[r->n].taker = x->taker->id;
    r->f[r->n].price = x->price;
    r->f[r->n].qty = x->qty;
    r->f[r->n].maker_leaves = x->maker->leaves;
    r->f[r->n].taker_leaves = x->taker->leaves;
    r->n++;
}

static int submit(struct book *b, struct fills *r, uint64_t id, enum book_side side,
                  enum book_type type, enum book_tif tif, int64_t price, int64_t qty,
                  struct book_result *res)
{
    struct book_order o = {0};
    struct book_result dummy;

    o.id = id;
    o.side = side;
    o.type = type;
    o.tif = tif;
    o.price = price;
    o.qty = qty;
    return book_submit(b, &o, r ? record : NULL, r, res ? res : &dummy);
}

static void limit(struct book *b, uint64_t id, enum book_side side, int64_t price, int64_t qty)
{
    ck_assert_int_eq(submit(b, NULL, id, side, BOOK_LIMIT, BOOK_GTC, price, qty, NULL), 0);
}

static void assert_fill(const struct fills *r, int i, uint64_t maker, int64_t price, int64_t qty)
{
    ck_assert_int_gt(r->n, i);
    ck_assert_uint_eq(r->f[i].maker, maker);
    ck_assert_int_eq(r->f[i].price, price);
    ck_assert_int_eq(r->f[i].qty, qty);
}

/* Every level's qty and count match its orders; the book is not crossed. */
static void check_invariants(const struct book *b)
{
    const struct book_half *halves[2] = { &b->bids, &b->asks };
    size_t orders = 0;
    int64_t bid, ask;

    for (int h = 0; h < 2; h++) {
        for (size_t i = 0; i < halves[h]->n; i++) {
            const struct book_level *l = &halves[h]->lv[i];
            int64_t qty = 0;
            size_t count = 0;
            ck_assert_ptr_nonnull(l->head);
            for (const struct book_order *o = l->head; o; o = o->next) {
                ck_assert_int_gt(o->leaves, 0);
                ck_assert_int_eq(o->price, l->price);
                ck_assert_ptr_eq(book_find(b, o->id), o);
                qty += o->leaves;
                count++;
            }
            ck_assert_int_eq(qty, l->qty);
            ck_assert_uint_eq(count, l->count);
            if (i > 0)   /* worst first, best last */
                ck_assert(h == 0 ? halves[h]->lv[i - 1].price < l->price
                                 : halves[h]->lv[i - 1].price > l->price);
            orders += count;
        }
    }
    ck_assert_uint_eq(orders, book_orders(b));
    if (book_best(b, BOOK_BUY, &bid, NULL) && book_best(b, BOOK_SELL, &ask, NULL))
        ck_assert_int_lt(bid, ask);
}

/* ---- book */

START_TEST(book_price_priority)
{
    struct book b;
    struct fills r = {0};
    struct book_result res;

    book_init(&b);
    limit(&b, 1, BOOK_SELL, 101, 1);
    limit(&b, 2, BOOK_SELL, 100, 1);
    limit(&b, 3, BOOK_SELL, 102, 1);
    limit(&b, 4, BOOK_BUY, 98, 1);
    limit(&b, 5, BOOK_BUY, 99, 1);
    check_invariants(&b);
    /* A buy at 102 takes the cheapest first, each at the resting price. */
    ck_assert_int_eq(submit(&b, &r, 10, BOOK_BUY, BOOK_LIMIT, BOOK_GTC, 102, 3, &res), 0);
    ck_assert_int_eq(r.n, 3);
    assert_fill(&r, 0, 2, 100, 1);
    assert_fill(&r, 1, 1, 101, 1);
    assert_fill(&r, 2, 3, 102, 1);
    ck_assert_int_eq(res.filled, 3);
    ck_assert_int_eq(res.rested, 0);
    ck_assert(!book_best(&b, BOOK_SELL, NULL, NULL));
    /* A sell at 98 takes the highest bid first. */
    r.n = 0;
    ck_assert_int_eq(submit(&b, &r, 11, BOOK_SELL, BOOK_LIMIT, BOOK_GTC, 98, 2, &res), 0);
    assert_fill(&r, 0, 5, 99, 1);
    assert_fill(&r, 1, 4, 98, 1);
    ck_assert_int_eq(b.last_price, 98);
    ck_assert_int_eq(b.last_qty, 1);
    check_invariants(&b);
    book_release(&b);
}
END_TEST

START_TEST(book_time_priority)
{
    struct book b;
    struct fills r = {0};

    book_init(&b);
    limit(&b, 1, BOOK_BUY, 100, 2);
    limit(&b, 2, BOOK_BUY, 100, 2);
    limit(&b, 3, BOOK_BUY, 100, 2);
    /* Same price: first come, first filled; the taker fills partly. */
    ck_assert_int_eq(submit(&b, &r, 9, BOOK_SELL, BOOK_LIMIT, BOOK_GTC, 100, 3, NULL), 0);
    ck_assert_int_eq(r.n, 2);
    assert_fill(&r, 0, 1, 100, 2);
    assert_fill(&r, 1, 2, 100, 1);
    ck_assert_int_eq(r.f[1].maker_leaves, 1);
    ck_assert_int_eq(r.f[0].taker_leaves, 1);
    ck_assert_int_eq(r.f[1].taker_leaves, 0);
    /* Order 2 keeps its place ahead of 3 after its partial fill. */
    r.n = 0;
    ck_assert_int_eq(submit(&b, &r, 10, BOOK_SELL, BOOK_LIMIT, BOOK_GTC, 100, 2, NULL), 0);
    assert_fill(&r, 0, 2, 100, 1);
    assert_fill(&r, 1, 3, 100, 1);
    ck_assert_int_eq(book_find(&b, 3)->leaves, 1);
    ck_assert_int_eq(book_find(&b, 3)->cum, 1);
    check_invariants(&b);
    book_release(&b);
}
END_TEST

START_TEST(book_partial_fill_rests)
{
    struct book b;
    struct fills r = {0};
    struct book_result res;
    int64_t p, q;

    book_init(&b);
    limit(&b, 1, BOOK_SELL, 100, 4);
    /* The taker wants 10, gets 4, and rests 6 at its own price. */
    ck_assert_int_eq(submit(&b, &r, 2, BOOK_BUY, BOOK_LIMIT, BOOK_GTC, 101, 10, &res), 0);
    ck_assert_int_eq(res.filled, 4);
    ck_assert_int_eq(res.rested, 6);
    ck_assert_int_eq(res.canceled, 0);
    ck_assert(book_best(&b, BOOK_BUY, &p, &q));
    ck_assert_int_eq(p, 101);
    ck_assert_int_eq(q, 6);
    ck_assert(!book_best(&b, BOOK_SELL, NULL, NULL));
    ck_assert_int_eq(book_find(&b, 2)->cum, 4);
    ck_assert_ptr_null(book_find(&b, 1));   /* fully filled makers leave */
    check_invariants(&b);
    book_release(&b);
}
END_TEST

START_TEST(book_cancels)
{
    struct book b;
    struct fills r = {0};
    struct book_order out;

    book_init(&b);
    limit(&b, 1, BOOK_BUY, 100, 1);
    limit(&b, 2, BOOK_BUY, 100, 2);
    limit(&b, 3, BOOK_BUY, 100, 3);
    limit(&b, 4, BOOK_BUY, 99, 4);
    /* Cancel from the middle of a FIFO: the others keep their order. */
    ck_assert_int_eq(book_cancel(&b, 2, &out), 0);
    ck_assert_int_eq(out.leaves, 2);
    ck_assert_int_eq(out.price, 100);
    ck_assert_int_eq(book_cancel(&b, 2, NULL), BOOK_E_NOTFOUND);
    ck_assert_int_eq(book_cancel(&b, 77, NULL), BOOK_E_NOTFOUND);
    check_invariants(&b);
    /* Cancel a whole level away. */
    ck_assert_int_eq(book_cancel(&b, 4, NULL), 0);
    ck_assert_uint_eq(b.bids.n, 1);
    ck_assert_int_eq(submit(&b, &r, 5, BOOK_SELL, BOOK_LIMIT, BOOK_GTC, 99, 4, NULL), 0);
    ck_assert_int_eq(r.n, 2);
    assert_fill(&r, 0, 1, 100, 1);
    assert_fill(&r, 1, 3, 100, 3);
    ck_assert(!book_best(&b, BOOK_BUY, NULL, NULL));
    ck_assert_uint_eq(book_orders(&b), 0);
    /* A filled order cannot be canceled. */
    ck_assert_int_eq(book_cancel(&b, 1, NULL), BOOK_E_NOTFOUND);
    check_invariants(&b);
    book_release(&b);
}
END_TEST

START_TEST(book_market_sweeps_levels)
{
    struct book b;
    struct fills r = {0};
    struct book_result res;
    struct book_depth d[4];

    book_init(&b);
    limit(&b, 1, BOOK_SELL, 100, 2);
    limit(&b, 2, BOOK_SELL, 101, 3);
    limit(&b, 3, BOOK_SELL, 103, 5);
    ck_assert_int_eq(submit(&b, &r, 4, BOOK_BUY, BOOK_MARKET, BOOK_GTC, 0, 7, &res), 0);
    ck_assert_int_eq(r.n, 3);
    assert_fill(&r, 0, 1, 100, 2);
    assert_fill(&r, 1, 2, 101, 3);
    assert_fill(&r, 2, 3, 103, 2);
    ck_assert_int_eq(res.filled, 7);
    ck_assert_int_eq(res.canceled, 0);
    ck_assert_uint_eq(book_depth(&b, BOOK_SELL, d, 4), 1);
    ck_assert_int_eq(d[0].price, 103);
    ck_assert_int_eq(d[0].qty, 3);
    /* More than the book holds: the rest is canceled, a market never rests. */
    r.n = 0;
    ck_assert_int_eq(submit(&b, &r, 5, BOOK_BUY, BOOK_MARKET, BOOK_GTC, 0, 10, &res), 0);
    ck_assert_int_eq(res.filled, 3);
    ck_assert_int_eq(res.canceled, 7);
    ck_assert_int_eq(res.rested, 0);
    ck_assert_uint_eq(book_orders(&b), 0);
    /* Into an empty book: nothing at all. */
    ck_assert_int_eq(submit(&b, &r, 6, BOOK_SELL, BOOK_MARKET, BOOK_IOC, 0, 1, &res), 0);
    ck_assert_int_eq(res.canceled, 1);
    ck_assert_uint_eq(res.fills, 0);
    book_release(&b);
}
END_TEST

START_TEST(book_ioc_remainder_canceled)
{
    struct book b;
    struct fills r = {0};
    struct book_result res;
    int64_t p, q;

    book_init(&b);
    limit(&b, 1, BOOK_SELL, 100, 2);
    limit(&b, 2, BOOK_SELL, 102, 5);
    /* IOC buy 5 at 101: takes 2 at 100, the 3 left are canceled, and the
     * 102 level (beyond its limit) is untouched. */
    ck_assert_int_eq(submit(&b, &r, 3, BOOK_BUY, BOOK_LIMIT, BOOK_IOC, 101, 5, &res), 0);
    ck_assert_int_eq(res.filled, 2);
    ck_assert_int_eq(res.canceled, 3);
    ck_assert_int_eq(res.rested, 0);
    ck_assert_ptr_null(book_find(&b, 3));
    ck_assert(!book_best(&b, BOOK_BUY, NULL, NULL));
    ck_assert(book_best(&b, BOOK_SELL, &p, &q));
    ck_assert_int_eq(p, 102);
    ck_assert_int_eq(q, 5);
    /* IOC that does not cross: canceled whole. */
    ck_assert_int_eq(submit(&b, &r, 4, BOOK_BUY, BOOK_LIMIT, BOOK_IOC, 101, 1, &res), 0);
    ck_assert_int_eq(res.canceled, 1);
    check_invariants(&b);
    book_release(&b);
}
END_TEST

START_TEST(book_refuses_bad_orders)
{
    struct book b;

    book_init(&b);
    limit(&b, 1, BOOK_SELL, 100, 2);
    ck_assert_int_eq(submit(&b, NULL, 1, BOOK_SELL, BOOK_LIMIT, BOOK_GTC, 100, 1, NULL),
                     BOOK_E_DUPID);
    ck_assert_int_eq(submit(&b, NULL, 0, BOOK_BUY, BOOK_LIMIT, BOOK_GTC, 100, 1, NULL),
                     BOOK_E_INVAL);
    ck_assert_int_eq(submit(&b, NULL, 2, BOOK_BUY, BOOK_LIMIT, BOOK_GTC, 100, 0, NULL),
                     BOOK_E_INVAL);
    ck_assert_int_eq(submit(&b, NULL, 2, BOOK_BUY, BOOK_LIMIT, BOOK_GTC, 0, 1, NULL),
                     BOOK_E_INVAL);
    ck_assert_int_eq(submit(&b, NULL, 2, 3, BOOK_LIMIT, BOOK_GTC, 100, 1, NULL),
                     BOOK_E_INVAL);
    ck_assert_int_eq(submit(&b, NULL, 2, BOOK_BUY, BOOK_LIMIT, 0, 100, 1, NULL),
                     BOOK_E_INVAL);
    /* Nothing changed. */
    ck_assert_uint_eq(book_orders(&b), 1);
    ck_assert_int_eq(book_find(&b, 1)->leaves, 2);
    ck_assert_str_eq(book_strerror(BOOK_E_DUPID), "order id already in the book");
    book_release(&b);
}
END_TEST

START_TEST(book_random_invariants)
{
    struct book b;
    struct rng rng;
    struct book_result res;
    int64_t bought = 0, sold = 0, filled = 0;

    book_init(&b);
    rng_seed_u64(&rng, 7);
    for (uint64_t id = 1; id <= 5000; id++) {
        enum book_side side = rng_below(&rng, 2) ? BOOK_BUY : BOOK_SELL;
        uint64_t k = rng_below(&rng, 10);
        if (k == 0 && id > 1) {
            book_cancel(&b, 1 + rng_below(&rng, id - 1), NULL);
            continue;
        }
        enum book_type type = k == 1 ? BOOK_MARKET : BOOK_LIMIT;
        enum book_tif tif = k == 2 ? BOOK_IOC : BOOK_GTC;
        int64_t price = type == BOOK_MARKET ? 0 : 90 + (int64_t)rng_below(&rng, 21);
        int64_t qty = 1 + (int64_t)rng_below(&rng, 9);
        ck_assert_int_eq(submit(&b, NULL, id, side, type, tif, price, qty, &res), 0);
        ck_assert_int_eq(res.filled + res.rested + res.canceled, qty);
        filled += res.filled;
        *(side == BOOK_BUY ? &bought : &sold) += res.filled;
        if (id % 97 == 0)
            check_invariants(&b);
    }
    check_invariants(&b);
    ck_assert_int_eq(filled, b.volume);
    ck_assert_int_eq(bought + sold, b.volume);   /* each fill has one taker */
    book_release(&b);
}
END_TEST

/* ---- exchange */

static const char *const SYMS[] = { "BTCUSD", "ETHUSD" };

static int n_callbacks;

static void count_report(void *ctx, struct exch_account *a, const struct exch_report *r)
{
    (void)ctx;
    ck_assert_uint_eq(r->session_seq, a->n_reports);   /* already appended */
    n_callbacks++;
}

static Stratd__Wire__NewOrder order(uint64_t id, const char *sym, int side, int64_t price,
                                   int64_t qty)
{
    Stratd__Wire__NewOrder o = STRATD__WIRE__NEW_ORDER__INIT;
    o.client_order_id = id;
    o.symbol = (char *)sym;
    o.side = side;
    o.type = price ? STRATD__WIRE__ORD_TYPE__LIMIT : STRATD__WIRE__ORD_TYPE__MARKET;
    o.price = price;
    o.qty = qty;
    o.tif = STRATD__WIRE__TIF__GTC;
    return o;
}

#define BUY STRATD__WIRE__SIDE__BUY
#define SELL STRATD__WIRE__SIDE__SELL
#define K(x) STRATD__WIRE__EXEC_REPORT__KIND__##x

static void setup_exch(struct exch *x)
{
    n_callbacks = 0;
    ck_assert_int_eq(exch_init(x, SYMS, 2, count_report, NULL), 0);
}

static const struct exch_report *last_report(const struct exch_account *a)
{
    ck_assert_uint_gt(a->n_reports, 0);
    return &a->reports[a->n_reports - 1];
}

START_TEST(exch_duplicate_id_is_idempotent)
{
    struct exch x;
    struct exch_account *a, *b;
    Stratd__Wire__NewOrder o = order(7, "BTCUSD", BUY, 100, 5);

    setup_exch(&x);
    a = exch_account(&x, "acct-1", true);
    b = exch_account(&x, "acct-2", true);
    ck_assert_ptr_eq(exch_account(&x, "acct-1", false), a);
    ck_assert_ptr_null(exch_account(&x, "nobody", false));

    ck_assert_int_eq(exch_new_order(&x, a, &o, 1), 0);
    ck_assert_uint_eq(a->n_reports, 1);
    ck_assert_int_eq(last_report(a)->kind, K(ACK));
    ck_assert_int_eq(last_report(a)->leaves, 5);
    /* Same id again (even with other fields): no second order, its state. */
    o.qty = 50;
    ck_assert_int_eq(exch_new_order(&x, a, &o, 2), 0);
    ck_assert_uint_eq(a->n_reports, 2);
    ck_assert_int_eq(last_report(a)->kind, K(ACK));
    ck_assert_int_eq(last_report(a)->qty, 5);
    ck_assert_int_eq(last_report(a)->leaves, 5);
    ck_assert_str_eq(last_report(a)->reason, "duplicate client order id");
    ck_assert_uint_eq(book_orders(&x.sym[0].book), 1);
    ck_assert_uint_eq(x.orders, 1);
    ck_assert_uint_eq(x.resends, 1);
    ck_assert_uint_eq(a->n_orders, 1);

    /* The same id on another account is another order. */
    o = order(7, "BTCUSD", SELL, 100, 2);
    ck_assert_int_eq(exch_new_order(&x, b, &o, 3), 0);
    ck_assert_uint_eq(x.orders, 2);
    ck_assert_int_eq(last_report(a)->kind, K(PARTIAL_FILL));
    ck_assert_int_eq(last_report(a)->cum_qty, 2);
    ck_assert_int_eq(last_report(a)->leaves, 3);

    /* Duplicate of a partly filled live order: ACK with cum and leaves. */
    ck_assert_int_eq(exch_new_order(&x, a, &o, 4), 0);
    ck_assert_int_eq(last_report(a)->kind, K(ACK));
    ck_assert_int_eq(last_report(a)->cum_qty, 2);
    ck_assert_int_eq(last_report(a)->leaves, 3);

    /* Duplicate of a filled order (b's 7): FILL, no new quantity. */
    ck_assert_int_eq(last_report(b)->kind, K(FILL));
    ck_assert_int_eq(exch_new_order(&x, b, &o, 5), 0);
    ck_assert_int_eq(last_report(b)->kind, K(FILL));
    ck_assert_int_eq(last_report(b)->qty, 0);
    ck_assert_int_eq(last_report(b)->cum_qty, 2);
    ck_assert_int_eq(b->position[0], -2);   /* unchanged by the restatement */

    /* Duplicate of a canceled order. */
    ck_assert_int_eq(exch_cancel(&x, a, 7, 6), 0);
    ck_assert_int_eq(last_report(a)->kind, K(CANCEL_ACK));
    ck_assert_int_eq(exch_new_order(&x, a, &o, 7), 0);
    ck_assert_int_eq(last_report(a)->kind, K(CANCEL_ACK));
    ck_assert_int_eq(last_report(a)->cum_qty, 2);
    ck_assert_uint_eq(book_orders(&x.sym[0].book), 0);

    /* Duplicate of a rejected order: the same REJECT and reason. */
    o = order(8, "DOGE", BUY, 1, 1);
    ck_assert_int_eq(exch_new_order(&x, a, &o, 8), 0);
    ck_assert_int_eq(last_report(a)->kind, K(REJECT));
    ck_assert_str_eq(last_report(a)->reason, "unknown symbol");
    ck_assert_str_eq(last_report(a)->symbol, "DOGE");
    ck_assert_int_eq(exch_new_order(&x, a, &o, 9), 0);
    ck_assert_int_eq(last_report(a)->kind, K(REJECT));
    ck_assert_str_eq(last_report(a)->reason, "unknown symbol");

    ck_assert_uint_eq(x.orders, 3);
    ck_assert_uint_eq(x.resends, 5);
    ck_assert_uint_eq(x.rejects, 1);
    ck_assert_uint_eq(a->n_orders, 2);
    ck_assert_uint_eq(a->orders[0]->client_order_id, 7);
    ck_assert_uint_eq(a->orders[1]->client_order_id, 8);
    /* Session sequence numbers: 1..n without a gap, all reported. */
    for (size_t i = 0; i < a->n_reports; i++)
        ck_assert_uint_eq(a->reports[i].session_seq, i + 1);
    ck_assert_int_eq(n_callbacks, (int)(a->n_reports + b->n_reports));
    exch_release(&x);
}
END_TEST

START_TEST(exch_fills_both_sides_and_positions)
{
    struct exch x;
    struct exch_account *a, *b;
    Stratd__Wire__NewOrder o;
    const struct exch_report *r;

    setup_exch(&x);
    a = exch_account(&x, "maker", true);
    b = exch_account(&x, "taker", true);
    o = order(1, "ETHUSD", SELL, 200, 3);
    ck_assert_int_eq(exch_new_order(&x, a, &o, 10), 0);
    o = order(2, "ETHUSD", SELL, 201, 3);
    ck_assert_int_eq(exch_new_order(&x, a, &o, 11), 0);
    /* A market buy of 4: 3 at 200, 1 at 201; both sides hear of it. */
    o = order(1, "ETHUSD", BUY, 0, 4);
    o.tif = STRATD__WIRE__TIF__IOC;
    ck_assert_int_eq(exch_new_order(&x, b, &o, 12), 0);
    ck_assert_uint_eq(b->n_reports, 3);   /* ACK, PARTIAL_FILL, FILL */
    ck_assert_int_eq(b->reports[0].kind, K(ACK));
    ck_assert_int_eq(b->reports[1].kind, K(PARTIAL_FILL));
    ck_assert_int_eq(b->reports[1].fill_price, 200);
    ck_assert_int_eq(b->reports[1].qty, 3);
    ck_assert_int_eq(b->reports[2].kind, K(FILL));
    ck_assert_int_eq(b->reports[2].fill_price, 201);
    ck_assert_int_eq(b->reports[2].cum_qty, 4);
    ck_assert_int_eq(b->reports[2].exch_time_ns, 12);
    ck_assert_uint_eq(a->n_reports, 4);   /* ACK, ACK, FILL, PARTIAL_FILL */
    r = &a->reports[2];
    ck_assert_int_eq(r->kind, K(FILL));
    ck_assert_uint_eq(r->client_order_id, 1);
    ck_assert_int_eq(r->price, 200);
    r = &a->reports[3];
    ck_assert_int_eq(r->kind, K(PARTIAL_FILL));
    ck_assert_uint_eq(r->client_order_id, 2);
    ck_assert_int_eq(r->leaves, 2);
    ck_assert_int_eq(a->position[1], -4);
    ck_assert_int_eq(b->position[1], 4);
    ck_assert_int_eq(a->position[0], 0);
    ck_assert_uint_eq(x.fills, 4);
    exch_release(&x);
}
END_TEST

START_TEST(exch_ioc_and_cancel_rejects)
{
    struct exch x;
    struct exch_account *a;
    Stratd__Wire__NewOrder o;

    setup_exch(&x);
    a = exch_account(&x, "a", true);
    o = order(1, "BTCUSD", BUY, 100, 2);
    o.tif = STRATD__WIRE__TIF__IOC;
    ck_assert_int_eq(exch_new_order(&x, a, &o, 1), 0);   /* nothing to hit */
    ck_assert_uint_eq(a->n_reports, 2);
    ck_assert_int_eq(a->reports[1].kind, K(CANCEL_ACK));
    ck_assert_str_eq(a->reports[1].reason, "IOC remainder canceled");
    ck_assert_int_eq(a->reports[1].leaves, 0);
    ck_assert_uint_eq(book_orders(&x.sym[0].book), 0);

    ck_assert_int_eq(exch_cancel(&x, a, 1, 2), 0);
    ck_assert_int_eq(last_report(a)->kind, K(CANCEL_REJECT));
    ck_assert_str_eq(last_report(a)->reason, "order already canceled");
    ck_assert_int_eq(exch_cancel(&x, a, 99, 3), 0);
    ck_assert_int_eq(last_report(a)->kind, K(CANCEL_REJECT));
    ck_assert_str_eq(last_report(a)->reason, "unknown order");
    ck_assert_str_eq(last_report(a)->symbol, "");
    ck_assert_uint_eq(last_report(a)->client_order_id, 99);
    ck_assert_uint_eq(x.orders, 1);
    exch_release(&x);
}
END_TEST

START_TEST(exch_sim_liquidity_fills_clients)
{
    struct exch x;
    struct exch_account *a;
    Stratd__Wire__NewOrder o;
    struct book_depth bids[2] = { { 99, 10 }, { 98, 10 } }, asks[2] = { { 101, 10 }, { 102, 10 } };
    struct book_depth asks2[1] = { { 97, 4 } };

    setup_exch(&x);
    a = exch_account(&x, "a", true);
    ck_assert_int_eq(exch_sim_update(&x, 0, bids, 2, asks, 2, 0, 0, 0, 1), 0);
    ck_assert_uint_eq(book_orders(&x.sym[0].book), 4);
    /* A client buy at 100 rests inside the spread... */
    o = order(1, "BTCUSD", BUY, 100, 5);
    ck_assert_int_eq(exch_new_order(&x, a, &o, 2), 0);
    ck_assert_uint_eq(a->n_reports, 1);
    /* ...a simulated sell trade at 99 reaches it (at the client's price)... */
    ck_assert_int_eq(exch_sim_update(&x, 0, bids, 2, asks, 2, BOOK_SELL, 99, 2, 3), 0);
    ck_assert_int_eq(last_report(a)->kind, K(PARTIAL_FILL));
    ck_assert_int_eq(last_report(a)->fill_price, 100);
    ck_assert_int_eq(last_report(a)->qty, 2);
    /* ...and the market moving through it fills the rest. */
    ck_assert_int_eq(exch_sim_update(&x, 0, NULL, 0, asks2, 1, 0, 0, 0, 4), 0);
    ck_assert_int_eq(last_report(a)->kind, K(FILL));
    ck_assert_int_eq(last_report(a)->fill_price, 100);
    ck_assert_int_eq(a->position[0], 5);
    /* Old simulated quotes are replaced, not piled up. */
    ck_assert_uint_eq(book_orders(&x.sym[0].book), 1);   /* the rest of 97 */
    /* A client market buy takes the simulated ask. */
    o = order(2, "BTCUSD", BUY, 0, 1);
    ck_assert_int_eq(exch_new_order(&x, a, &o, 5), 0);
    ck_assert_int_eq(last_report(a)->kind, K(FILL));
    ck_assert_int_eq(last_report(a)->fill_price, 97);
    ck_assert_int_eq(a->position[0], 6);
    exch_release(&x);
}
END_TEST

/* ---- market model */

static uint64_t stream_hash(struct mdgen *g, int n, size_t only_sym, bool filter)
{
    struct mdgen_tick t;
    uint64_t h = 1469598103934665603ull;

    for (int i = 0; i < n; i++) {
        ck_assert(mdgen_next(g, &t));
        ck_assert_int_gt(t.bid, 0);
        ck_assert_int_lt(t.bid, t.ask);
        ck_assert_uint_gt(t.n_bids, 0);
        ck_assert_uint_gt(t.n_asks, 0);
        if (filter && t.sym != only_sym)
            continue;
        int64_t v[] = { (int64_t)t.seq, t.bid, t.ask, t.last, t.size, t.aggressor };
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            h = (h ^ (uint64_t)v[k]) * 0x100000001b3ull;
    }
    return h;
}

START_TEST(mdgen_deterministic)
{
    struct mdgen g1, g2, g3, solo;
    static const char *const one[] = { "ETHUSD" };
    uint64_t h1, h2, h3;

    ck_assert_int_eq(mdgen_init_model(&g1, 42, SYMS, 2), 0);
    ck_assert_int_eq(mdgen_init_model(&g2, 42, SYMS, 2), 0);
    ck_assert_int_eq(mdgen_init_model(&g3, 43, SYMS, 2), 0);
    h1 = stream_hash(&g1, 20000, 0, false);
    h2 = stream_hash(&g2, 20000, 0, false);
    h3 = stream_hash(&g3, 20000, 0, false);
    ck_assert_uint_eq(h1, h2);
    ck_assert_uint_ne(h1, h3);
    mdgen_release(&g1);
    mdgen_release(&g2);
    mdgen_release(&g3);

    /* A symbol's stream does not depend on the other symbols. */
    ck_assert_int_eq(mdgen_init_model(&g1, 42, SYMS, 2), 0);
    ck_assert_int_eq(mdgen_init_model(&solo, 42, one, 1), 0);
    ck_assert_uint_eq(stream_hash(&g1, 2000, 1, true), stream_hash(&solo, 1000, 0, false));
    mdgen_release(&g1);
    mdgen_release(&solo);
}
END_TEST

START_TEST(mdgen_trades_happen)
{
    struct mdgen g;
    struct mdgen_tick t;
    int trades = 0;
    uint64_t seq[2] = { 0, 0 };

    ck_assert_int_eq(mdgen_init_model(&g, 1, SYMS, 2), 0);
    for (int i = 0; i < 1000; i++) {
        ck_assert(mdgen_next(&g, &t));
        ck_assert_uint_eq(t.sym, (size_t)i % 2);   /* round-robin */
        ck_assert_uint_eq(t.seq, ++seq[t.sym]);
        if (t.size > 0) {
            trades++;
            ck_assert(t.aggressor == BOOK_BUY || t.aggressor == BOOK_SELL);
        }
    }
    ck_assert_int_gt(trades, 200);
    mdgen_release(&g);
}
END_TEST

START_TEST(mdgen_csv)
{
    char path[] = "/tmp/test_book_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    struct mdgen g;
    struct mdgen_tick t;
    char err[256];

    fputs("# comment\nsymbol,bid,ask,last,size\nBTCUSD,100,102,101,3\n\nETHUSD,50,51,0,0\n"
          "BTCUSD,99,101,100,0\n", f);
    fclose(f);
    ck_assert_int_eq(mdgen_init_csv(&g, path, SYMS, 2, err, sizeof err), 0);
    ck_assert(mdgen_next(&g, &t));
    ck_assert_uint_eq(t.sym, 0);
    ck_assert_uint_eq(t.seq, 1);
    ck_assert_int_eq(t.bid, 100);
    ck_assert_int_eq(t.ask, 102);
    ck_assert_int_eq(t.size, 3);
    ck_assert_int_eq(t.aggressor, BOOK_BUY);   /* at or above the mid: a buyer */
    ck_assert(mdgen_next(&g, &t));
    ck_assert_uint_eq(t.sym, 1);
    ck_assert_uint_eq(t.seq, 1);
    ck_assert(mdgen_next(&g, &t));
    ck_assert_uint_eq(t.seq, 2);
    ck_assert_int_eq(t.aggressor, 0);
    ck_assert(!mdgen_next(&g, &t));
    mdgen_release(&g);

    f = fopen(path, "w");
    fputs("BTCUSD,100,102,101,3\nXRPUSD,1,2,1,1\n", f);
    fclose(f);
    ck_assert_int_eq(mdgen_init_csv(&g, path, SYMS, 2, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, ":2: symbol not in --symbols"));
    unlink(path);
}
END_TEST

/* ---- the --state file */

static struct exsim *sim_new(uint64_t seed, const char *const *syms, size_t n,
                             const char *path)
{
    struct exsim *s = calloc(1, sizeof *s);

    ck_assert_ptr_nonnull(s);
    s->cfg.seed = seed;
    s->cfg.symbols = (const char **)syms;
    s->cfg.n_sym = n;
    s->cfg.rate = 1000;
    s->cfg.state = path;
    ck_assert_int_eq(mdgen_init_model(&s->gen, seed, syms, n), 0);
    s->hist = calloc(n, sizeof *s->hist);
    ck_assert_ptr_nonnull(s->hist);
    ck_assert_int_eq(exch_init(&s->exch, syms, n, NULL, NULL), 0);
    return s;
}

static void sim_free(struct exsim *s)
{
    for (size_t i = 0; i < s->cfg.n_sym; i++)
        free(s->hist[i].t);
    free(s->hist);
    free(s->clock);
    exch_release(&s->exch);
    mdgen_release(&s->gen);
    free(s);
}

/* One step of a seeded client: orders near the touch (some rest, some
 * trade), market orders, cancels, duplicates, an unknown symbol. */
static void client_step(struct exsim *s, struct rng *r, uint64_t *next_id)
{
    static const char *const accts[] = { "acct-1", "acct-2" };
    struct exch_account *a = exch_account(&s->exch, accts[rng_below(r, 2)], true);
    size_t sym = rng_below(r, s->cfg.n_sym);
    const struct exsim_tick *t = s->hist[sym].n ? &s->hist[sym].t[s->hist[sym].n - 1] : NULL;
    int side = rng_below(r, 2) ? BUY : SELL;
    uint64_t k = rng_below(r, 10);
    Stratd__Wire__NewOrder o;
    int64_t now = (int64_t)s->published;

    ck_assert_ptr_nonnull(a);
    if (!t)
        return;
    if (k < 5) {
        int64_t off = ((int64_t)rng_below(r, 5) - 2) * MDGEN_PRICE_TICK;
        o = order(++*next_id, s->cfg.symbols[sym], side,
                  (side == BUY ? t->bid : t->ask) + (side == BUY ? off : -off),
                  1 + (int64_t)rng_below(r, 6));
        ck_assert_int_eq(exch_new_order(&s->exch, a, &o, now), 0);
    } else if (k < 6) {
        o = order(++*next_id, s->cfg.symbols[sym], side, 0, 1 + (int64_t)rng_below(r, 3));
        ck_assert_int_eq(exch_new_order(&s->exch, a, &o, now), 0);
    } else if (k < 8 && *next_id > 0) {
        ck_assert_int_eq(exch_cancel(&s->exch, a, 1 + rng_below(r, *next_id), now), 0);
    } else if (k < 9 && *next_id > 0) {
        o = order(1 + rng_below(r, *next_id), s->cfg.symbols[sym], side, t->bid, 1);
        ck_assert_int_eq(exch_new_order(&s->exch, a, &o, now), 0);   /* maybe known */
    } else {
        o = order(++*next_id, "NOPE", side, 100, 1);
        ck_assert_int_eq(exch_new_order(&s->exch, a, &o, now), 0);
    }
}

/* ticks of the model, with a client step every few ticks */
static void run(struct exsim *s, struct rng *r, uint64_t *next_id, int ticks)
{
    for (int i = 0; i < ticks; i++) {
        ck_assert_int_eq(exsim_generate(s, true, (int64_t)s->published), EXSIM_GEN_OK);
        if (rng_below(r, 3) == 0)
            client_step(s, r, next_id);
    }
}

static void assert_same_books(const struct book *x, const struct book *y)
{
    const struct book_half *hx[2] = { &x->bids, &x->asks }, *hy[2] = { &y->bids, &y->asks };

    check_invariants(y);
    ck_assert_uint_eq(book_orders(x), book_orders(y));
    for (int h = 0; h < 2; h++) {
        ck_assert_uint_eq(hx[h]->n, hy[h]->n);
        for (size_t i = 0; i < hx[h]->n; i++) {
            const struct book_order *a = hx[h]->lv[i].head, *b = hy[h]->lv[i].head;
            ck_assert_int_eq(hx[h]->lv[i].price, hy[h]->lv[i].price);
            for (; a && b; a = a->next, b = b->next) {
                const struct exch_order *oa = a->owner, *ob = b->owner;
                ck_assert_uint_eq(a->id, b->id);
                ck_assert_int_eq(a->qty, b->qty);
                ck_assert_int_eq(a->cum, b->cum);
                ck_assert_int_eq(a->leaves, b->leaves);
                ck_assert_int_eq(!oa, !ob);
                if (oa) {
                    ck_assert_uint_eq(oa->client_order_id, ob->client_order_id);
                    ck_assert_str_eq(oa->acct->name, ob->acct->name);
                }
            }
            ck_assert(!a && !b);
        }
    }
    ck_assert_int_eq(x->last_price, y->last_price);
    ck_assert_int_eq(x->volume, y->volume);
}

/* Everything the state file is about is the same in x and y. */
static void assert_same(const struct exsim *x, const struct exsim *y)
{
    ck_assert_uint_eq(x->published, y->published);
    ck_assert_uint_eq(x->tick_digest, y->tick_digest);
    for (size_t i = 0; i < x->cfg.n_sym; i++) {
        ck_assert_uint_eq(x->hist[i].n, y->hist[i].n);
        for (size_t k = 0; k < x->hist[i].n; k++) {
            const struct exsim_tick *a = &x->hist[i].t[k], *b = &y->hist[i].t[k];
            ck_assert(a->bid == b->bid && a->ask == b->ask && a->last == b->last &&
                      a->size == b->size && a->time_ns == b->time_ns);
        }
        assert_same_books(&x->exch.sym[i].book, &y->exch.sym[i].book);
        ck_assert_uint_eq(x->exch.sym[i].n_sim, y->exch.sym[i].n_sim);
        for (size_t k = 0; k < x->exch.sym[i].n_sim; k++)
            ck_assert_uint_eq(x->exch.sym[i].sim_ids[k], y->exch.sym[i].sim_ids[k]);
    }
    ck_assert_uint_eq(x->exch.next_book_id, y->exch.next_book_id);
    ck_assert_uint_eq(x->exch.orders, y->exch.orders);
    ck_assert_uint_eq(x->exch.resends, y->exch.resends);
    ck_assert_uint_eq(x->exch.rejects, y->exch.rejects);
    ck_assert_uint_eq(x->exch.fills, y->exch.fills);
    ck_assert_uint_eq(x->exch.cancels, y->exch.cancels);
    ck_assert_uint_eq(x->exch.n_acct, y->exch.n_acct);
    for (size_t i = 0; i < x->exch.n_acct; i++) {
        const struct exch_account *a = x->exch.acct[i], *b = y->exch.acct[i];
        ck_assert_str_eq(a->name, b->name);
        ck_assert_uint_eq(a->fills, b->fills);
        for (size_t k = 0; k < x->cfg.n_sym; k++)
            ck_assert_int_eq(a->position[k], b->position[k]);
        ck_assert_uint_eq(a->n_reports, b->n_reports);
        for (size_t k = 0; k < a->n_reports; k++) {
            const struct exch_report *p = &a->reports[k], *q = &b->reports[k];
            ck_assert(p->session_seq == q->session_seq && p->client_order_id == q->client_order_id &&
                      p->kind == q->kind && p->side == q->side && p->price == q->price &&
                      p->qty == q->qty && p->cum_qty == q->cum_qty && p->leaves == q->leaves &&
                      p->fill_price == q->fill_price && p->exch_time_ns == q->exch_time_ns);
            ck_assert_str_eq(p->symbol, q->symbol);
            ck_assert_str_eq(p->reason, q->reason);
        }
        ck_assert_uint_eq(a->n_orders, b->n_orders);
        for (size_t k = 0; k < a->n_orders; k++) {
            const struct exch_order *p = a->orders[k], *q = b->orders[k];
            ck_assert_ptr_eq(map_get(&b->by_id, q->client_order_id), q);
            ck_assert(p->client_order_id == q->client_order_id && p->book_id == q->book_id &&
                      p->sym == q->sym && p->side == q->side && p->type == q->type &&
                      p->tif == q->tif && p->price == q->price && p->qty == q->qty &&
                      p->cum == q->cum && p->leaves == q->leaves && p->state == q->state);
            ck_assert_str_eq(p->symbol, q->symbol);
            ck_assert_str_eq(p->reason, q->reason);
        }
    }
}

static void temp_path(char *buf, size_t cap)
{
    char dir[] = "/tmp/test_state_XXXXXX";

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(buf, cap, "%s/exsim.state", dir);
}

static void temp_remove(const char *path)
{
    char dir[256];

    unlink(path);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
}

START_TEST(state_restores_and_carries_on_exactly)
{
    char path[256], err[512];
    struct exsim *a, *b;
    struct rng ra, rb;
    uint64_t ida = 0, idb;
    size_t live = 0;

    temp_path(path, sizeof path);
    a = sim_new(11, SYMS, 2, path);
    rng_seed_u64(&ra, 99);
    run(a, &ra, &ida, 3000);
    for (size_t i = 0; i < a->exch.n_acct; i++)
        for (size_t k = 0; k < a->exch.acct[i]->n_orders; k++)
            live += a->exch.acct[i]->orders[k]->state == EXCH_LIVE;
    ck_assert_uint_gt(live, 0);              /* resting client orders... */
    ck_assert_uint_gt(a->exch.fills, 0);     /* ...fills... */
    ck_assert_uint_gt(a->exch.resends, 0);   /* ...and known ids, all saved */
    ck_assert_uint_gt(a->exch.cancels, 0);
    ck_assert_uint_gt(a->exch.rejects, 0);
    ck_assert_int_eq(state_save(a, err, sizeof err), 0);
    ck_assert_uint_eq(a->state_version, state_version(a));

    b = sim_new(11, SYMS, 2, path);
    ck_assert_int_eq(state_load(b, err, sizeof err), 1);
    assert_same(a, b);

    /* The same inputs from here on give the same exchange, report for
     * report: the restored one carries on exactly. */
    rb = ra;
    idb = ida;
    run(a, &ra, &ida, 3000);
    run(b, &rb, &idb, 3000);
    assert_same(a, b);

    /* Saved again from the restored one: still the same. */
    ck_assert_int_eq(state_save(b, err, sizeof err), 0);
    sim_free(b);
    b = sim_new(11, SYMS, 2, path);
    ck_assert_int_eq(state_load(b, err, sizeof err), 1);
    assert_same(a, b);
    sim_free(a);
    sim_free(b);
    temp_remove(path);
}
END_TEST

START_TEST(state_clock_survives_another_rate)
{
    char path[256], err[512];
    struct exsim *a, *b, *c;

    temp_path(path, sizeof path);
    a = sim_new(3, SYMS, 2, path);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(exsim_generate(a, true, 0), EXSIM_GEN_OK);
    ck_assert_int_eq(state_save(a, err, sizeof err), 0);
    b = sim_new(3, SYMS, 2, path);
    b->cfg.rate = 10;   /* restarted at another rate */
    ck_assert_int_eq(state_load(b, err, sizeof err), 1);
    assert_same(a, b);   /* the stamps of published ticks did not move */
    ck_assert_int_eq(exsim_tick_time(b, 100), exsim_tick_time(a, 100));
    ck_assert_int_eq(exsim_tick_time(b, 101), exsim_tick_time(a, 100) + 100000000);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(exsim_generate(b, true, 0), EXSIM_GEN_OK);
    ck_assert_int_eq(state_save(b, err, sizeof err), 0);
    c = sim_new(3, SYMS, 2, path);
    ck_assert_int_eq(state_load(c, err, sizeof err), 1);   /* back to rate 1000 */
    assert_same(b, c);
    ck_assert_uint_eq(c->n_clock, 3);
    sim_free(a);
    sim_free(b);
    sim_free(c);
    temp_remove(path);
}
END_TEST

START_TEST(state_refuses_other_arguments_and_damage)
{
    static const char *const other[] = { "BTCUSD", "XRPUSD" };
    static const char *const swapped[] = { "ETHUSD", "BTCUSD" };
    char path[256], err[512];
    struct exsim *a, *b;
    struct rng r;
    uint64_t id = 0;
    FILE *f;
    long size;
    char *data;

    temp_path(path, sizeof path);
    a = sim_new(5, SYMS, 2, path);
    b = sim_new(5, SYMS, 2, path);
    ck_assert_int_eq(state_load(b, err, sizeof err), 0);   /* no file: fresh */
    sim_free(b);
    rng_seed_u64(&r, 1);
    run(a, &r, &id, 500);
    ck_assert_int_eq(state_save(a, err, sizeof err), 0);

    b = sim_new(6, SYMS, 2, path);
    ck_assert_int_eq(state_load(b, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--seed 5 --symbols BTCUSD,ETHUSD"));
    ck_assert_ptr_nonnull(strstr(err, "not --seed 6"));
    sim_free(b);
    b = sim_new(5, other, 2, path);
    ck_assert_int_eq(state_load(b, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--symbols BTCUSD,XRPUSD"));
    sim_free(b);
    b = sim_new(5, swapped, 2, path);
    ck_assert_int_eq(state_load(b, err, sizeof err), -1);
    sim_free(b);
    b = sim_new(5, SYMS, 1, path);
    ck_assert_int_eq(state_load(b, err, sizeof err), -1);
    sim_free(b);

    /* damaged: every truncation, and a flipped byte anywhere */
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    data = malloc((size_t)size);
    ck_assert_uint_eq(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    for (long cut = 0; cut < size; cut += 1 + cut / 16) {
        f = fopen(path, "wb");
        fwrite(data, 1, (size_t)cut, f);
        fclose(f);
        b = sim_new(5, SYMS, 2, path);
        ck_assert_int_eq(state_load(b, err, sizeof err), -1);
        ck_assert(strstr(err, "truncated") || strstr(err, "not an exsim state file"));
        sim_free(b);
    }
    for (long at = 0; at < size; at += 1 + at / 8) {
        data[at] ^= 0x20;
        f = fopen(path, "wb");
        fwrite(data, 1, (size_t)size, f);
        fclose(f);
        data[at] ^= 0x20;
        b = sim_new(5, SYMS, 2, path);
        ck_assert_int_eq(state_load(b, err, sizeof err), -1);
        sim_free(b);
    }
    free(data);
    sim_free(a);
    temp_remove(path);
}
END_TEST

/* A valid checksum over records that make no sense is still refused. */
START_TEST(state_refuses_inconsistent_records)
{
    char path[256], err[512];
    struct exsim *a, *b;
    struct sink k;
    Stratd__Exsim__Header h = STRATD__EXSIM__HEADER__INIT;
    Stratd__Exsim__ClockSegment c = STRATD__EXSIM__CLOCK_SEGMENT__INIT, *cp = &c;
    Record r = STRATD__EXSIM__RECORD__INIT;
    uint64_t ticks[2] = { 0, 0 };

    temp_path(path, sizeof path);
    a = sim_new(5, SYMS, 2, path);
    for (int variant = 0; variant < 3; variant++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ck_assert_int_ge(fd, 0);
        sink_init(&k, fd);
        sink_bytes(&k, STATE_MAGIC, STATE_MAGIC_LEN, true);
        h.version = variant == 0 ? 2 : STATE_VERSION;
        h.seed = 5;
        h.n_symbols = 2;
        h.symbols = (char **)SYMS;
        h.n_ticks = 2;
        h.ticks = ticks;
        h.published = variant == 2 ? 10 : 0;   /* digest 0 will not match */
        ticks[0] = ticks[1] = variant == 2 ? 5 : 0;
        c.rate = 1000;
        h.n_clock = 1;
        h.clock = &cp;
        h.accounts = variant == 1 ? 1 : 0;     /* an account that is missing */
        r.body_case = STRATD__EXSIM__RECORD__BODY_HEADER;
        r.header = &h;
        put_record(&k, &r);
        for (uint32_t i = 0; variant == 2 && i < 2; i++) {
            Stratd__Exsim__Book book = STRATD__EXSIM__BOOK__INIT;
            book.sym = i;
            r.body_case = STRATD__EXSIM__RECORD__BODY_BOOK;
            r.book = &book;
            put_record(&k, &r);
        }
        ck_assert_int_eq(sink_finish(&k), 0);
        close(fd);
        b = sim_new(5, SYMS, 2, path);
        ck_assert_int_eq(state_load(b, err, sizeof err), -1);
        ck_assert_ptr_nonnull(strstr(err, variant == 0 ? "format version 2"
                                          : variant == 1 ? "expected an account"
                                          : "differ from those published"));
        sim_free(b);
    }
    sim_free(a);
    temp_remove(path);
}
END_TEST

START_TEST(book_restore_keeps_priority)
{
    struct book b;
    struct book_order o = {0};
    struct fills r = {0};

    book_init(&b);
    o.side = BOOK_BUY;
    o.price = 100;
    o.qty = 5;
    o.cum = 2;
    o.leaves = 3;
    o.id = 7;
    ck_assert_int_eq(book_restore(&b, &o), 0);
    o.id = 3;
    o.cum = 0;
    o.leaves = 5;
    ck_assert_int_eq(book_restore(&b, &o), 0);   /* behind 7, though older id */
    ck_assert_int_eq(book_restore(&b, &o), BOOK_E_DUPID);
    o.id = 4;
    o.leaves = 4;
    ck_assert_int_eq(book_restore(&b, &o), BOOK_E_INVAL);   /* qty != cum + leaves */
    o.side = BOOK_SELL;
    o.leaves = 5;
    ck_assert_int_eq(book_restore(&b, &o), BOOK_E_INVAL);   /* would cross */
    o.price = 101;
    ck_assert_int_eq(book_restore(&b, &o), 0);
    check_invariants(&b);
    ck_assert_int_eq(submit(&b, &r, 9, BOOK_SELL, BOOK_MARKET, BOOK_IOC, 0, 4, NULL), 0);
    assert_fill(&r, 0, 7, 100, 3);
    assert_fill(&r, 1, 3, 100, 1);
    check_invariants(&b);
    book_release(&b);
}
END_TEST

static Suite *book_suite(void)
{
    Suite *s = suite_create("book");
    TCase *bk = tcase_create("book");
    TCase *ex = tcase_create("exchange");
    TCase *md = tcase_create("mdgen");
    TCase *st = tcase_create("state");

    tcase_set_timeout(bk, 20);
    tcase_set_timeout(ex, 10);
    tcase_set_timeout(md, 20);
    tcase_set_timeout(st, 60);
    tcase_add_test(bk, book_price_priority);
    tcase_add_test(bk, book_time_priority);
    tcase_add_test(bk, book_partial_fill_rests);
    tcase_add_test(bk, book_cancels);
    tcase_add_test(bk, book_market_sweeps_levels);
    tcase_add_test(bk, book_ioc_remainder_canceled);
    tcase_add_test(bk, book_refuses_bad_orders);
    tcase_add_test(bk, book_random_invariants);
    tcase_add_test(bk, book_restore_keeps_priority);
    tcase_add_test(ex, exch_duplicate_id_is_idempotent);
    tcase_add_test(ex, exch_fills_both_sides_and_positions);
    tcase_add_test(ex, exch_ioc_and_cancel_rejects);
    tcase_add_test(ex, exch_sim_liquidity_fills_clients);
    tcase_add_test(md, mdgen_deterministic);
    tcase_add_test(md, mdgen_trades_happen);
    tcase_add_test(md, mdgen_csv);
    tcase_add_test(st, state_restores_and_carries_on_exactly);
    tcase_add_test(st, state_clock_survives_another_rate);
    tcase_add_test(st, state_refuses_other_arguments_and_damage);
    tcase_add_test(st, state_refuses_inconsistent_records);
    suite_add_tcase(s, bk);
    suite_add_tcase(s, ex);
    suite_add_tcase(s, md);
    suite_add_tcase(s, st);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(book_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
