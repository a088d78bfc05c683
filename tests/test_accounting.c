/*
 * test_accounting.c — strategies/accounting.h: positions, average prices
 * and PnL from fills alone (opening, adding, reducing, flipping, closing,
 * long and short), and the open-order book kept from the order events
 * (ACK gives the client order id, partial fills keep an order, a full
 * fill, a REJECT or a CANCELED drops it).
 *
 * Fills are applied with acct_on_event directly; orders are sent through
 * the harness (tests/harness.h) so the requests the orders service would
 * get can be read back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "harness.h"

#define PX(x) ((int64_t)(x) * 100000000)   /* currency units -> price units */

static const char *const probe_yaml =
    "  - { id: p, kind: probe, params: { symbol: BTCUSD } }\n";

/* Apply one OrderEvent. */
static void event(struct accounting *ac, Stratd__OrderEvent__Kind kind, uint64_t tag,
                  const char *symbol, Stratd__Side side, int64_t qty, int64_t price,
                  int64_t leaves, uint64_t coid)
{
    Stratd__OrderEvent ev = STRATD__ORDER_EVENT__INIT;

    ev.kind = kind;
    ev.tag = tag;
    ev.client_order_id = coid;
    ev.symbol = (char *)symbol;
    ev.side = side;
    ev.qty = qty;
    ev.leaves = leaves;
    ev.fill_price = price;
    acct_on_event(ac, &ev);
}

static void fill(struct accounting *ac, const char *symbol, Stratd__Side side, int64_t qty,
                 int64_t price)
{
    event(ac, STRATD__ORDER_EVENT__KIND__FILL, 0, symbol, side, qty, price, 0, 0);
}

static void assert_pos(const struct accounting *ac, const char *symbol, int64_t qty,
                       int64_t avg, int64_t realized)
{
    const struct acct_position *p = NULL;

    for (uint32_t i = 0; i < ac->n_pos; i++)
        if (strcmp(ac->pos[i].symbol, symbol) == 0)
            p = &ac->pos[i];
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->qty, qty);
    ck_assert_int_eq(p->avg_price, avg);
    ck_assert_int_eq(p->realized, realized);
    ck_assert_int_eq(acct_position(ac, symbol), qty);
}

/* ---- positions and PnL ------------------------------------------------------ */

START_TEST(test_long_open_add_reduce_flip_close)
{
    struct accounting ac;

    memset(&ac, 0, sizeof ac);
    fill(&ac, "BTCUSD", STRATD__SIDE__BUY, 2, PX(100));          /* open */
    assert_pos(&ac, "BTCUSD", 2, PX(100), 0);
    fill(&ac, "BTCUSD", STRATD__SIDE__BUY, 1, PX(103));          /* add */
    assert_pos(&ac, "BTCUSD", 3, PX(101), 0);
    fill(&ac, "BTCUSD", STRATD__SIDE__SELL, 2, PX(110));         /* reduce: +2 x 9 */
    assert_pos(&ac, "BTCUSD", 1, PX(101), PX(18));
    fill(&ac, "BTCUSD", STRATD__SIDE__SELL, 3, PX(105));         /* flip: +1 x 4, short 2 @ 105 */
    assert_pos(&ac, "BTCUSD", -2, PX(105), PX(22));

    acct_mark(&ac, "BTCUSD", PX(100));                           /* short 2 gains 5 each */
    ck_assert_int_eq(acct_unrealized(&ac), PX(10));
    acct_mark(&ac, "BTCUSD", PX(108));
    ck_assert_int_eq(acct_unrealized(&ac), -PX(6));

    fill(&ac, "BTCUSD", STRATD__SIDE__BUY, 2, PX(102));          /* close: +2 x 3 */
    assert_pos(&ac, "BTCUSD", 0, 0, PX(28));
    ck_assert_int_eq(acct_realized(&ac), PX(28));
    ck_assert_int_eq(acct_unrealized(&ac), 0);
    ck_assert_uint_eq(ac.fills, 5);
}
END_TEST

START_TEST(test_short_open_add_reduce_flip)
{
    struct accounting ac;

    memset(&ac, 0, sizeof ac);
    fill(&ac, "ETHUSD", STRATD__SIDE__SELL, 2, PX(50));          /* open short */
    assert_pos(&ac, "ETHUSD", -2, PX(50), 0);
    fill(&ac, "ETHUSD", STRATD__SIDE__SELL, 2, PX(60));          /* add */
    assert_pos(&ac, "ETHUSD", -4, PX(55), 0);
    fill(&ac, "ETHUSD", STRATD__SIDE__BUY, 1, PX(40));           /* reduce: +1 x 15 */
    assert_pos(&ac, "ETHUSD", -3, PX(55), PX(15));
    fill(&ac, "ETHUSD", STRATD__SIDE__BUY, 1, PX(70));           /* reduce at a loss: -15 */
    assert_pos(&ac, "ETHUSD", -2, PX(55), 0);
    fill(&ac, "ETHUSD", STRATD__SIDE__BUY, 5, PX(45));           /* flip: +2 x 10, long 3 @ 45 */
    assert_pos(&ac, "ETHUSD", 3, PX(45), PX(20));
    acct_mark(&ac, "ETHUSD", PX(47));
    ck_assert_int_eq(acct_unrealized(&ac), PX(6));
}
END_TEST

START_TEST(test_average_price_truncates)
{
    struct accounting ac;

    /* (100 + 2 x 101) / 3 = 100.67: the integer average keeps 100 */
    memset(&ac, 0, sizeof ac);
    fill(&ac, "X", STRATD__SIDE__BUY, 1, 100);
    fill(&ac, "X", STRATD__SIDE__BUY, 2, 101);
    assert_pos(&ac, "X", 3, 100, 0);
    fill(&ac, "X", STRATD__SIDE__SELL, 3, 101);
    assert_pos(&ac, "X", 0, 0, 3);
}
END_TEST

START_TEST(test_symbols_are_separate)
{
    struct accounting ac;

    memset(&ac, 0, sizeof ac);
    fill(&ac, "A", STRATD__SIDE__BUY, 1, PX(10));
    fill(&ac, "B", STRATD__SIDE__SELL, 2, PX(20));
    fill(&ac, "A", STRATD__SIDE__SELL, 1, PX(13));
    fill(&ac, "B", STRATD__SIDE__BUY, 1, PX(21));
    assert_pos(&ac, "A", 0, 0, PX(3));
    assert_pos(&ac, "B", -1, PX(20), -PX(1));
    ck_assert_int_eq(acct_realized(&ac), PX(2));
    acct_mark(&ac, "A", PX(1));        /* flat: no unrealized */
    acct_mark(&ac, "B", PX(18));
    ck_assert_int_eq(acct_unrealized(&ac), PX(2));
    ck_assert_uint_eq(ac.n_pos, 2);
}
END_TEST

START_TEST(test_fill_price_falls_back_to_order_price)
{
    struct accounting ac;
    Stratd__OrderEvent ev = STRATD__ORDER_EVENT__INIT;

    memset(&ac, 0, sizeof ac);
    ev.kind = STRATD__ORDER_EVENT__KIND__FILL;
    ev.symbol = (char *)"X";
    ev.side = STRATD__SIDE__BUY;
    ev.qty = 2;
    ev.price = 700;    /* no fill_price: the order's price is used */
    acct_on_event(&ac, &ev);
    assert_pos(&ac, "X", 2, 700, 0);
}
END_TEST

START_TEST(test_stats_json)
{
    struct harness h;
    struct accounting ac;
    struct stats st = STATS_INIT;
    char *text;

    h_start(&h, probe_yaml);
    memset(&ac, 0, sizeof ac);
    fill(&ac, "BTCUSD", STRATD__SIDE__BUY, 3, PX(100));
    fill(&ac, "BTCUSD", STRATD__SIDE__SELL, 1, PX(104));
    acct_mark(&ac, "BTCUSD", PX(99));
    acct_send_order(&ac, h.strat, h.orders, "BTCUSD", STRATD__SIDE__SELL, PX(120), 1, false);
    acct_stats(&ac, "BTCUSD", &st);
    text = tu_stats_json(&st);
    ck_assert_str_eq(text, "{\"position\":2,\"realized_pnl\":4,\"unrealized_pnl\":-2,"
                           "\"open_orders\":1,\"orders\":1,\"fills\":2,\"rejects\":0}");
    free(text);
    stats_reset(&st);
    acct_stats(&ac, NULL, &st);
    text = tu_stats_json(&st);
    ck_assert_str_eq(text, "{\"position\":{\"BTCUSD\":2},\"realized_pnl\":4,\"unrealized_pnl\":-2,"
                           "\"open_orders\":1,\"orders\":1,\"fills\":2,\"rejects\":0}");
    free(text);
    stats_release(&st);
    h_stop(&h);
}
END_TEST

/* ---- open orders -------------------------------------------------------------- */

START_TEST(test_order_request_and_pending)
{
    struct harness h;
    struct accounting ac;
    const struct h_rec *o;
    uint64_t t1, t2;

    h_start(&h, probe_yaml);
    memset(&ac, 0, sizeof ac);
    t1 = acct_send_order(&ac, h.strat, h.orders, "BTCUSD", STRATD__SIDE__BUY, PX(100), 3, true);
    t2 = acct_send_order(&ac, h.strat, h.orders, "BTCUSD", STRATD__SIDE__SELL, PX(101), 1, false);
    h_run(&h);
    ck_assert_uint_eq(t1, 1);
    ck_assert_uint_eq(t2, 2);
    ck_assert_uint_eq(ac.n_open, 2);
    ck_assert_uint_eq(ac.orders, 2);
    ck_assert_int_eq(acct_pending(&ac, "BTCUSD"), 3 - 1);
    ck_assert_int_eq(acct_pending(&ac, "ETHUSD"), 0);

    ck_assert_uint_eq(h_n_orders(&h), 2);
    o = h_order(&h, 0);
    ck_assert_str_eq(o->symbol, "BTCUSD");
    ck_assert_int_eq(o->side, STRATD__SIDE__BUY);
    ck_assert_int_eq(o->price, PX(100));
    ck_assert_int_eq(o->qty, 3);
    ck_assert_uint_eq(o->tag, 1);
    ck_assert(o->ioc);
    ck_assert_uint_eq(o->from, h.strat->ref);
    h_assert_order(&h, 1, STRATD__SIDE__SELL, PX(101), 1);
    ck_assert(!h_order(&h, 1)->ioc);
    h_stop(&h);
}
END_TEST

START_TEST(test_fills_keep_then_drop_orders)
{
    struct accounting ac;

    memset(&ac, 0, sizeof ac);
    /* an order tracked by hand as acct_send_order would leave it */
    ac.n_open = 1;
    ac.next_tag = 1;
    ac.open[0].tag = 1;
    strcpy(ac.open[0].symbol, "X");
    ac.open[0].side = STRATD__SIDE__BUY;
    ac.open[0].state = ACCT_PENDING;
    ac.open[0].qty = ac.open[0].leaves = 5;
    ac.n_pos = 1;
    strcpy(ac.pos[0].symbol, "X");

    event(&ac, STRATD__ORDER_EVENT__KIND__ACK, 1, "X", STRATD__SIDE__BUY, 5, 0, 5, 77);
    ck_assert_uint_eq(ac.open[0].coid, 77);
    ck_assert_int_eq(ac.open[0].state, ACCT_OPEN_ORDER);
    event(&ac, STRATD__ORDER_EVENT__KIND__FILL, 1, "X", STRATD__SIDE__BUY, 2, 10, 3, 77);
    ck_assert_uint_eq(ac.n_open, 1);
    ck_assert_int_eq(ac.open[0].leaves, 3);
    ck_assert_int_eq(acct_pending(&ac, "X"), 3);
    event(&ac, STRATD__ORDER_EVENT__KIND__FILL, 1, "X", STRATD__SIDE__BUY, 3, 10, 0, 77);
    ck_assert_uint_eq(ac.n_open, 0);
    ck_assert_int_eq(acct_pending(&ac, "X"), 0);
    ck_assert_int_eq(acct_position(&ac, "X"), 5);
    /* a dropped slot is zeroed again (flat state, default digest) */
    ck_assert_uint_eq(ac.open[0].tag, 0);
    ck_assert_uint_eq(ac.open[0].coid, 0);
}
END_TEST

START_TEST(test_reject_and_cancel_drop_orders)
{
    struct harness h;
    struct accounting ac;
    uint64_t t1, t2, t3;

    h_start(&h, probe_yaml);
    memset(&ac, 0, sizeof ac);
    t1 = acct_send_order(&ac, h.strat, h.orders, "BTCUSD", STRATD__SIDE__BUY, PX(100), 1, false);
    t2 = acct_send_order(&ac, h.strat, h.orders, "BTCUSD", STRATD__SIDE__SELL, PX(102), 2, false);
    t3 = acct_send_order(&ac, h.strat, h.orders, "BTCUSD", STRATD__SIDE__BUY, PX(99), 4, false);
    h_run(&h);
    ck_assert_uint_eq(ac.n_open, 3);
    ck_assert_int_eq(acct_pending(&ac, "BTCUSD"), 1 - 2 + 4);

    /* a cancel before the ACK cannot name the order: nothing is sent */
    acct_cancel(&ac, h.strat, h.orders, t2);
    h_run(&h);
    ck_assert_uint_eq(h_n_cancels(&h), 0);

    event(&ac, STRATD__ORDER_EVENT__KIND__REJECT, t1, "BTCUSD", STRATD__SIDE__BUY, 1, 0, 0, 11);
    ck_assert_uint_eq(ac.n_open, 2);
    ck_assert_uint_eq(ac.rejects, 1);
    ck_assert_uint_eq(ac.open[0].tag, t2);
    ck_assert_uint_eq(ac.open[1].tag, t3);

    event(&ac, STRATD__ORDER_EVENT__KIND__ACK, t2, "BTCUSD", STRATD__SIDE__SELL, 2, 0, 2, 12);
    acct_cancel(&ac, h.strat, h.orders, t2);
    h_run(&h);
    ck_assert_uint_eq(h_n_cancels(&h), 1);
    ck_assert_uint_eq(h_cancel_req(&h, 0)->coid, 12);
    ck_assert_uint_eq(ac.n_open, 2);   /* open until the CANCELED */

    event(&ac, STRATD__ORDER_EVENT__KIND__CANCELED, t2, "BTCUSD", STRATD__SIDE__SELL, 0, 0, 0, 12);
    ck_assert_uint_eq(ac.n_open, 1);
    ck_assert_uint_eq(ac.cancels, 1);
    ck_assert_uint_eq(ac.open[0].tag, t3);
    ck_assert_int_eq(acct_pending(&ac, "BTCUSD"), 4);
    ck_assert_uint_eq(ac.open[1].tag, 0);
    ck_assert_int_eq(acct_position(&ac, "BTCUSD"), 0);

    /* events for unknown tags change nothing but the counters */
    event(&ac, STRATD__ORDER_EVENT__KIND__CANCELED, 99, "BTCUSD", STRATD__SIDE__SELL, 0, 0, 0, 5);
    ck_assert_uint_eq(ac.n_open, 1);
    h_stop(&h);
}
END_TEST

START_TEST(test_limits_send_nothing)
{
    struct harness h;
    struct accounting ac;
    char sym[16];

    h_start(&h, probe_yaml);
    memset(&ac, 0, sizeof ac);
    for (int i = 0; i < ACCT_OPEN; i++)
        ck_assert_uint_ne(acct_send_order(&ac, h.strat, h.orders, "A", STRATD__SIDE__BUY,
                                          1, 1, false), 0);
    ck_assert_uint_eq(acct_send_order(&ac, h.strat, h.orders, "A", STRATD__SIDE__BUY, 1, 1,
                                      false), 0);
    h_run(&h);
    ck_assert_uint_eq(h_n_orders(&h), ACCT_OPEN);
    ck_assert_uint_eq(ac.orders, ACCT_OPEN);

    memset(&ac, 0, sizeof ac);
    for (int i = 0; i < ACCT_SYMBOLS; i++) {
        snprintf(sym, sizeof sym, "S%d", i);
        ck_assert_uint_ne(acct_send_order(&ac, h.strat, h.orders, sym, STRATD__SIDE__SELL,
                                          1, 1, false), 0);
    }
    ck_assert_uint_eq(acct_send_order(&ac, h.strat, h.orders, "ONEMORE", STRATD__SIDE__SELL,
                                      1, 1, false), 0);
    h_stop(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("accounting");
    TCase *tc = h_tcase(s, "positions");

    tcase_add_test(tc, test_long_open_add_reduce_flip_close);
    tcase_add_test(tc, test_short_open_add_reduce_flip);
    tcase_add_test(tc, test_average_price_truncates);
    tcase_add_test(tc, test_symbols_are_separate);
    tcase_add_test(tc, test_fill_price_falls_back_to_order_price);
    tcase_add_test(tc, test_stats_json);
    tc = h_tcase(s, "orders");
    tcase_add_test(tc, test_order_request_and_pending);
    tcase_add_test(tc, test_fills_keep_then_drop_orders);
    tcase_add_test(tc, test_reject_and_cancel_drop_orders);
    tcase_add_test(tc, test_limits_send_nothing);
    return h_run_suite(s);
}
