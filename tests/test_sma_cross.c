/*
 * test_sma_cross.c — the moving-average crossover (strategies/sma_cross.c)
 * in the harness (tests/harness.h): scripted ticks cross the averages both
 * ways and the exact orders (side, price, qty) and the position and PnL
 * after scripted fills are checked; a restart rebuilds it to the same
 * digest, and adding a second sma_cross to the topology (the strategy
 * guide's worked example) starts only the new one fresh. Bad params give
 * exact FILE:LINE:COL errors.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PX(x) ((int64_t)(x) * 100000000)

static const char *const sma_yaml =
    "  - { id: s1, kind: sma_cross, params: { symbol: BTCUSD, fast: 2, slow: 3, qty: 1 } }\n";

/* A tick around mid (currency units): bid mid - 1, ask mid + 1. */
static void tick(struct harness *h, uint64_t seq, int64_t mid)
{
    ck_assert_uint_eq(h_tick(h, "BTCUSD", seq, PX(mid - 1), PX(mid + 1)), 1);
}

/* Up through 106 (buy 1 at the ask), down through 90 (sell 2 at the bid:
 * 1 fills, the IOC remainder is canceled), then sell the last 1. */
static void script(struct harness *h)
{
    tick(h, 1, 100);
    tick(h, 2, 100);
    tick(h, 3, 100);                          /* averages equal: no signal */
    ck_assert_uint_eq(h_n_orders(h), 0);
    ck_assert_int_eq(h_stat_int(h, "signal"), 0);

    tick(h, 4, 106);                          /* fast 103 > slow 102 */
    ck_assert_uint_eq(h_n_orders(h), 1);
    h_assert_order(h, 0, STRATD__SIDE__BUY, PX(107), 1);
    ck_assert(h_order(h, 0)->ioc);
    ck_assert_uint_eq(h_order(h, 0)->tag, 1);
    ck_assert_int_eq(h_stat_int(h, "signal"), 1);

    tick(h, 5, 108);                          /* an order is open: nothing more */
    ck_assert_uint_eq(h_n_orders(h), 1);
    h_ack(h, 1);
    h_fill(h, 1, 1, PX(107));
    ck_assert_int_eq(h_stat_int(h, "position"), 1);
    ck_assert_int_eq(h_stat_int(h, "open_orders"), 0);

    tick(h, 6, 104);                          /* 106 = 106: signal stays long */
    ck_assert_uint_eq(h_n_orders(h), 1);

    tick(h, 7, 90);                           /* fast 97 < slow 100.67: short */
    ck_assert_uint_eq(h_n_orders(h), 2);
    h_assert_order(h, 1, STRATD__SIDE__SELL, PX(89), 2);
    ck_assert_int_eq(h_stat_int(h, "signal"), -1);
    h_ack(h, 2);
    h_fill(h, 2, 1, PX(89));                  /* half of it */
    h_canceled(h, 2);                         /* the IOC remainder */
    ck_assert_int_eq(h_stat_int(h, "position"), 0);

    tick(h, 8, 88);                           /* still short: sell the other 1 */
    ck_assert_uint_eq(h_n_orders(h), 3);
    h_assert_order(h, 2, STRATD__SIDE__SELL, PX(87), 1);
    h_fill(h, 3, 1, PX(87));
}

START_TEST(test_cross_both_ways)
{
    struct harness h;

    h_start(&h, sma_yaml);
    ck_assert_uint_eq(h_n_subs(&h), 1);
    ck_assert_str_eq(h_sub(&h, 0)->symbol, "BTCUSD");
    ck_assert_uint_eq(h_sub(&h, 0)->from, h.strat->ref);
    script(&h);

    /* long 1 @ 107 sold @ 89: -18; short 1 @ 87 marked at 88: -1 */
    ck_assert_int_eq(h_stat_int(&h, "position"), -1);
    ck_assert_int_eq(h_stat_int(&h, "realized_pnl"), -18);
    ck_assert_int_eq(h_stat_int(&h, "unrealized_pnl"), -1);
    ck_assert_int_eq(h_stat_int(&h, "open_orders"), 0);
    ck_assert_int_eq(h_stat_int(&h, "orders"), 3);
    ck_assert_int_eq(h_stat_int(&h, "fills"), 3);
    ck_assert_int_eq(h_stat_int(&h, "ticks"), 8);

    /* back up: fast 91.5 > slow 91, buy 2 at the ask (cover and go long) */
    tick(&h, 9, 95);
    ck_assert_uint_eq(h_n_orders(&h), 4);
    h_assert_order(&h, 3, STRATD__SIDE__BUY, PX(96), 2);
    ck_assert_int_eq(h_stat_int(&h, "signal"), 1);
    h_stop(&h);
}
END_TEST

START_TEST(test_reject_then_retry)
{
    struct harness h;

    h_start(&h, sma_yaml);
    tick(&h, 1, 100);
    tick(&h, 2, 100);
    tick(&h, 3, 100);
    tick(&h, 4, 106);
    h_reject(&h, 1);
    ck_assert_int_eq(h_stat_int(&h, "rejects"), 1);
    ck_assert_int_eq(h_stat_int(&h, "open_orders"), 0);
    tick(&h, 5, 108);                         /* still long: asks again */
    ck_assert_uint_eq(h_n_orders(&h), 2);
    h_assert_order(&h, 1, STRATD__SIDE__BUY, PX(109), 1);
    h_stop(&h);
}
END_TEST

START_TEST(test_other_symbols_ignored)
{
    struct harness h;

    h_start(&h, sma_yaml);
    ck_assert_uint_eq(h_tick(&h, "ETHUSD", 1, PX(1), PX(2)), 0);   /* nobody subscribed */
    ck_assert_int_eq(h_stat_int(&h, "ticks"), 0);
    h_stop(&h);
}
END_TEST

START_TEST(test_restart_rebuilds_same_state)
{
    struct harness h;
    uint64_t before;
    char stats[512];

    h_start(&h, sma_yaml);
    script(&h);
    before = h_digest(&h);
    snprintf(stats, sizeof stats, "%s", h_stats_json(&h));
    h_restart(&h, NULL);
    ck_assert_uint_eq(h.drifted, 0);
    ck_assert_uint_eq(h_digest(&h), before);
    ck_assert_str_eq(h_stats_json(&h), stats);
    ck_assert_uint_eq(h_n_subs(&h), 1);     /* no second Start, no second Subscribe */
    h_stop(&h);
}
END_TEST

/* The worked example of strategies/README.md: a second sma_cross with other
 * params is added to the topology and the daemon restarted. */
START_TEST(test_add_second_sma_and_restart)
{
    struct harness h;
    struct actor *s1, *s2;
    uint64_t before;

    h_start(&h, sma_yaml);
    script(&h);
    before = h_digest(&h);
    h_restart(&h,
              "  - { id: s1, kind: sma_cross, params: { symbol: BTCUSD, fast: 2, slow: 3, qty: 1 } }\n"
              "  - { id: s2, kind: sma_cross, params: { symbol: BTCUSD, fast: 3, slow: 5, qty: 2 } }\n");
    ck_assert_uint_eq(h.drifted, 0);
    s1 = h_actor(&h, "s1");
    s2 = h_actor(&h, "s2");
    ck_assert(!s1->is_new);
    ck_assert(s2->is_new);
    ck_assert_uint_eq(runtime_digest(s1), before);          /* rebuilt */
    ck_assert_uint_eq(h_n_subs(&h), 2);                     /* s2's Start subscribed it */
    ck_assert_uint_eq(h_sub(&h, 1)->from, s2->ref);
    ck_assert_ptr_nonnull(strstr(h_stats_json_of(&h, s2), "\"orders\":0,"));
    ck_assert_ptr_nonnull(strstr(h_stats_json_of(&h, s2), "\"ticks\":0}"));

    /* both trade on the next ticks, each with its own book */
    ck_assert_uint_eq(h_tick(&h, "BTCUSD", 9, PX(94), PX(96)), 2);
    ck_assert_int_eq(h_stat_int(&h, "ticks"), 9);
    h_stop(&h);
}
END_TEST

/* ---- bad params ------------------------------------------------------------------ */

START_TEST(test_bad_params)
{
    h_assert_config_error(
        "  - { id: s, kind: sma_cross, params: { symbol: BTCUSD, fast: 5, slow: 5 } }\n",
        "topo.yaml:6:57: param 'fast' must be smaller than 'slow'");
    h_assert_config_error(
        "  - { id: s, kind: sma_cross, params: { symbol: BTCUSD, qty: 0 } }\n",
        "topo.yaml:6:62: param 'qty' must be an integer between 1 and 1000000 (got 0)");
    h_assert_config_error(
        "  - { id: s, kind: sma_cross, params: { symbol: BTCUSD, slow: 2000 } }\n",
        "topo.yaml:6:63: param 'slow' must be an integer between 2 and 1024 (got 2000)");
    h_assert_config_error(
        "  - { id: s, kind: sma_cross, params: { fast: 3 } }\n",
        "topo.yaml:6:39: missing required param 'symbol'");
    h_assert_config_error(
        "  - { id: s, kind: sma_cross, params: { symbol: BTCUSD, fats: 3 } }\n",
        "topo.yaml:6:57: unknown param 'fats' for kind 'sma_cross' (expected one of: "
        "feed, orders, symbol, fast, slow, qty)");
    /* refs by role: a timer is not an orders service */
    h_assert_config_error(
        "  - { id: s, kind: sma_cross, params: { symbol: BTCUSD, orders: timer } }\n",
        "topo.yaml:6:65: param 'orders' names 'timer', a timer, but must name an orders");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sma_cross");
    TCase *tc = h_tcase(s, "trading");

    tcase_add_test(tc, test_cross_both_ways);
    tcase_add_test(tc, test_reject_then_retry);
    tcase_add_test(tc, test_other_symbols_ignored);
    tc = h_tcase(s, "restart");
    tcase_add_test(tc, test_restart_rebuilds_same_state);
    tcase_add_test(tc, test_add_second_sma_and_restart);
    tc = h_tcase(s, "params");
    tcase_add_test(tc, test_bad_params);
    return h_run_suite(s);
}
