/*
 * test_pairs.c — strategies/pairs.c in the harness (tests/harness.h):
 * entry when |z| of the spread crosses entry_z (both directions), exit
 * when it falls below exit_z, the exact orders of both legs, one step at a
 * time, IOC remainders re-worked, PnL after the round trip, the same state
 * after a rebuild, and exact FILE:LINE:COL errors for bad params.
 *
 * The scripts: B stays at mid 50, A's mid moves, hedge_ratio 2, so the
 * spread is mid_a - 100. The first four observations (10, 12, 8, 10) fill
 * the window: mean 10, sd sqrt(2).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PX(x) ((int64_t)(x) * 100000000)
#define BUY STRATD__SIDE__BUY
#define SELL STRATD__SIDE__SELL

static const char *const pairs_yaml =
    "  - id: pr\n"
    "    kind: pairs\n"
    "    params: { symbol_a: AAA, symbol_b: BBB, hedge_ratio: 2, window: 4, entry_z: 1.5,\n"
    "              exit_z: 0.5, qty: 2 }\n";

static uint64_t seq_a, seq_b;

static void tick_a(struct harness *h, int64_t mid)
{
    ck_assert_uint_eq(h_tick(h, "AAA", ++seq_a, PX(mid - 1), PX(mid + 1)), 1);
}

static void tick_b(struct harness *h, int64_t mid)
{
    ck_assert_uint_eq(h_tick(h, "BBB", ++seq_b, PX(mid - 1), PX(mid + 1)), 1);
}

/* B at 50, then A at 110, 112, 108, 110: a full window, no signal. */
static void fill_window(struct harness *h)
{
    seq_a = seq_b = 0;
    h_start(h, pairs_yaml);
    ck_assert_uint_eq(h_n_subs(h), 2);
    ck_assert_str_eq(h_sub(h, 0)->symbol, "AAA");
    ck_assert_str_eq(h_sub(h, 1)->symbol, "BBB");
    tick_b(h, 50);
    ck_assert_int_eq(h_stat_int(h, "observations"), 0);   /* no mid of A yet */
    tick_a(h, 110);
    tick_a(h, 112);
    tick_a(h, 108);
    tick_a(h, 110);
    ck_assert_int_eq(h_stat_int(h, "observations"), 4);
    ck_assert_uint_eq(h_n_orders(h), 0);
}

START_TEST(test_short_spread_entry_and_exit)
{
    struct harness h;

    fill_window(&h);
    tick_a(&h, 120);                 /* spread 20: z = 10 / sqrt(2) = 7.07 */
    ck_assert_double_eq_tol(h_stat(&h, "z"), 10 / sqrt(2), 1e-9);
    ck_assert_double_eq_tol(h_stat(&h, "mean"), 10, 1e-9);
    ck_assert_int_eq(h_stat_int(&h, "signal"), -1);
    ck_assert_uint_eq(h_n_orders(&h), 2);
    h_assert_order(&h, 0, SELL, PX(119), 2);          /* sell a at its bid */
    ck_assert_str_eq(h_order(&h, 0)->symbol, "AAA");
    ck_assert(h_order(&h, 0)->ioc);
    h_assert_order(&h, 1, BUY, PX(51), 4);            /* buy 2 x 2 of b at its ask */
    ck_assert_str_eq(h_order(&h, 1)->symbol, "BBB");

    tick_a(&h, 121);                 /* legs open: nothing more */
    ck_assert_uint_eq(h_n_orders(&h), 2);
    h_fill(&h, 1, 2, PX(119));
    h_fill(&h, 2, 4, PX(51));
    ck_assert(strstr(h_stats_json(&h), "\"position\":{\"AAA\":-2,\"BBB\":4}") != NULL);

    /* window 8, 10, 20, 21: mean 14.75, sd 5.80; spread 15: z 0.04 */
    tick_a(&h, 115);
    ck_assert_double_lt(fabs(h_stat(&h, "z")), 0.5);
    ck_assert_int_eq(h_stat_int(&h, "signal"), 0);
    ck_assert_int_eq(h_stat_int(&h, "exits"), 1);
    ck_assert_uint_eq(h_n_orders(&h), 4);
    h_assert_order(&h, 2, BUY, PX(116), 2);
    ck_assert_str_eq(h_order(&h, 2)->symbol, "AAA");
    h_assert_order(&h, 3, SELL, PX(49), 4);
    ck_assert_str_eq(h_order(&h, 3)->symbol, "BBB");
    h_fill(&h, 3, 2, PX(116));
    h_fill(&h, 4, 4, PX(49));

    /* a: short 2 @ 119, bought @ 116: +6; b: long 4 @ 51, sold @ 49: -8 */
    ck_assert(strstr(h_stats_json(&h), "\"position\":{\"AAA\":0,\"BBB\":0}") != NULL);
    ck_assert_int_eq(h_stat_int(&h, "realized_pnl"), -2);
    ck_assert_int_eq(h_stat_int(&h, "entries"), 1);
    ck_assert_int_eq(h_stat_int(&h, "open_orders"), 0);

    tick_a(&h, 116);                 /* flat and |z| small: nothing */
    ck_assert_uint_eq(h_n_orders(&h), 4);
    h_stop(&h);
}
END_TEST

START_TEST(test_long_spread_entry_and_rework)
{
    struct harness h;

    fill_window(&h);
    tick_a(&h, 100);                 /* spread 0: z = -7.07 */
    ck_assert_int_eq(h_stat_int(&h, "signal"), 1);
    ck_assert_uint_eq(h_n_orders(&h), 2);
    h_assert_order(&h, 0, BUY, PX(101), 2);
    h_assert_order(&h, 1, SELL, PX(49), 4);
    h_fill(&h, 1, 1, PX(101));       /* half of leg a */
    h_canceled(&h, 1);               /* the IOC remainder */
    h_fill(&h, 2, 4, PX(49));

    /* B ticks: an observation too. Window 12, 8, 10, 0: mean 7.5, sd 4.56;
     * spread 0: z = -1.65, still beyond exit_z: the missing lot of a */
    tick_b(&h, 50);
    ck_assert_double_eq_tol(h_stat(&h, "z"), -7.5 / sqrt(20.75), 1e-9);
    ck_assert_int_eq(h_stat_int(&h, "signal"), 1);
    ck_assert_uint_eq(h_n_orders(&h), 3);
    h_assert_order(&h, 2, BUY, PX(101), 1);
    ck_assert_str_eq(h_order(&h, 2)->symbol, "AAA");
    h_fill(&h, 3, 1, PX(101));
    ck_assert(strstr(h_stats_json(&h), "\"position\":{\"AAA\":2,\"BBB\":-4}") != NULL);

    /* window 8, 10, 0, 0: mean 4.5, sd 4.56; spread 10: z 1.21, between
     * exit_z and entry_z: hold */
    tick_a(&h, 110);
    ck_assert_double_eq_tol(h_stat(&h, "z"), 5.5 / sqrt(20.75), 1e-9);
    ck_assert_double_gt(fabs(h_stat(&h, "z")), 0.5);
    ck_assert_uint_eq(h_n_orders(&h), 3);
    h_stop(&h);
}
END_TEST

START_TEST(test_flat_window_no_signal)
{
    struct harness h;

    seq_a = seq_b = 0;
    h_start(&h, pairs_yaml);
    tick_b(&h, 50);
    for (int i = 0; i < 6; i++)
        tick_a(&h, 110);             /* sd 0: no z */
    ck_assert_ptr_null(strstr(h_stats_json(&h), "\"z\":"));
    ck_assert_uint_eq(h_n_orders(&h), 0);
    h_stop(&h);
}
END_TEST

START_TEST(test_restart_rebuilds_same_state)
{
    struct harness h;
    uint64_t before;
    char stats[1024];

    fill_window(&h);
    tick_a(&h, 120);
    h_fill(&h, 1, 2, PX(119));
    h_fill(&h, 2, 3, PX(51));
    tick_b(&h, 49);
    before = h_digest(&h);
    snprintf(stats, sizeof stats, "%s", h_stats_json(&h));
    h_restart(&h, NULL);
    ck_assert_uint_eq(h.drifted, 0);
    ck_assert_uint_eq(h_digest(&h), before);
    ck_assert_str_eq(h_stats_json(&h), stats);
    h_stop(&h);
}
END_TEST

/* ---- bad params ------------------------------------------------------------------ */

START_TEST(test_bad_params)
{
    h_assert_config_error(
        "  - { id: p, kind: pairs, params: { symbol_a: A, symbol_b: B, entry_z: 0.5, exit_z: 1 } }\n",
        "topo.yaml:6:63: param 'entry_z' must be greater than 'exit_z'");
    h_assert_config_error(
        "  - { id: p, kind: pairs, params: { symbol_a: A, symbol_b: B, window: 1 } }\n",
        "topo.yaml:6:71: param 'window' must be an integer between 2 and 1024 (got 1)");
    h_assert_config_error(
        "  - { id: p, kind: pairs, params: { symbol_a: A, symbol_b: B, hedge_ratio: 0 } }\n",
        "topo.yaml:6:63: param 'hedge_ratio' must be greater than 0");
    h_assert_config_error(
        "  - { id: p, kind: pairs, params: { symbol_a: A, symbol_b: B, hedge_ratio: 0.2, qty: 2 } }\n",
        "topo.yaml:6:63: param 'hedge_ratio' times 'qty' must round to at least 1 lot of "
        "symbol_b");
    h_assert_config_error(
        "  - { id: p, kind: pairs, params: { symbol_a: A, symbol_b: A } }\n",
        "topo.yaml:6:50: param 'symbol_b' must differ from 'symbol_a'");
    h_assert_config_error(
        "  - { id: p, kind: pairs, params: { symbol_a: A, symbol_b: B, exit_z: -1 } }\n",
        "topo.yaml:6:71: param 'exit_z' must be a number between 0 and 1000 (got -1)");
    h_assert_config_error(
        "  - { id: p, kind: pairs, params: { symbol_a: A } }\n",
        "topo.yaml:6:35: missing required param 'symbol_b'");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pairs");
    TCase *tc = h_tcase(s, "trading");

    tcase_add_test(tc, test_short_spread_entry_and_exit);
    tcase_add_test(tc, test_long_spread_entry_and_rework);
    tcase_add_test(tc, test_flat_window_no_signal);
    tc = h_tcase(s, "restart");
    tcase_add_test(tc, test_restart_rebuilds_same_state);
    tc = h_tcase(s, "params");
    tcase_add_test(tc, test_bad_params);
    return h_run_suite(s);
}
