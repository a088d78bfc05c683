/*
 * test_market_maker.c — strategies/market_maker.c in the harness
 * (tests/harness.h): quotes around the mid, the inventory skew after a
 * fill, cancel/replace when the mid moves beyond the threshold (and not
 * before), no quote on a side beyond max_inventory, quotes pulled when
 * ticks stop (scripted time), no re-quote loop after rejects, the same
 * state after a rebuild, and exact FILE:LINE:COL errors for bad params.
 *
 * Prices are raw price units: mid 10000, half_spread 5, skew 2 per lot.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define BUY STRATD__SIDE__BUY
#define SELL STRATD__SIDE__SELL

static const char *const mm_yaml =
    "  - id: mm\n"
    "    kind: market_maker\n"
    "    params: { symbol: BTCUSD, half_spread: 5, qty: 1, max_inventory: 2, skew: 2,\n"
    "              requote_threshold: 3, stale_ms: 1000 }\n";

static const char *const mm_tight_yaml =
    "  - id: mm\n"
    "    kind: market_maker\n"
    "    params: { symbol: BTCUSD, half_spread: 5, qty: 1, max_inventory: 1, skew: 2,\n"
    "              requote_threshold: 3, stale_ms: 1000 }\n";

/* A tick with this mid, spread 20. */
static void tick(struct harness *h, uint64_t seq, int64_t mid)
{
    ck_assert_uint_eq(h_tick(h, "BTCUSD", seq, mid - 10, mid + 10), 1);
}

/* Start, one tick at 10000: the first two quotes, acknowledged. */
static void start_quoting(struct harness *h, const char *yaml)
{
    h_start(h, yaml);
    tick(h, 1, 10000);
    ck_assert_uint_eq(h_n_orders(h), 2);
    h_ack(h, 1);
    h_ack(h, 2);
}

START_TEST(test_quotes_around_mid)
{
    struct harness h;

    h_start(&h, mm_yaml);
    ck_assert_uint_eq(h_n_subs(&h), 1);
    ck_assert_str_eq(h_sub(&h, 0)->symbol, "BTCUSD");
    ck_assert_uint_eq(h_n_orders(&h), 0);     /* no mid yet */

    tick(&h, 1, 10000);
    ck_assert_uint_eq(h_n_orders(&h), 2);
    h_assert_order(&h, 0, BUY, 9995, 1);
    h_assert_order(&h, 1, SELL, 10005, 1);
    ck_assert(!h_order(&h, 0)->ioc);
    ck_assert(!h_order(&h, 1)->ioc);
    ck_assert_str_eq(h_order(&h, 0)->symbol, "BTCUSD");
    ck_assert(strstr(h_stats_json(&h), "\"quoting\":true") != NULL);
    ck_assert_int_eq(h_stat_int(&h, "quotes"), 1);
    ck_assert_int_eq(h_stat_int(&h, "open_orders"), 2);

    /* within the threshold: the quotes stay */
    tick(&h, 2, 10003);
    tick(&h, 3, 9997);
    ck_assert_uint_eq(h_n_orders(&h), 2);
    ck_assert_uint_eq(h_n_cancels(&h), 0);
    ck_assert_int_eq(h_stat_int(&h, "requotes"), 0);
    h_stop(&h);
}
END_TEST

START_TEST(test_skew_after_fill)
{
    struct harness h;

    start_quoting(&h, mm_yaml);
    h_fill(&h, 1, 1, 9995);                  /* bought: long 1 */
    ck_assert_int_eq(h_stat_int(&h, "position"), 1);
    ck_assert_uint_eq(h_n_cancels(&h), 1);   /* the ask is pulled */
    ck_assert_uint_eq(h_cancel_req(&h, 0)->tag, 2);
    ck_assert_uint_eq(h_cancel_req(&h, 0)->coid, h_order(&h, 1)->coid);
    ck_assert_uint_eq(h_n_orders(&h), 2);    /* nothing new before the CANCELED */

    h_canceled(&h, 2);
    ck_assert_uint_eq(h_n_orders(&h), 4);    /* shifted down by skew x 1 */
    h_assert_order(&h, 2, BUY, 9993, 1);
    h_assert_order(&h, 3, SELL, 10003, 1);

    /* sold at the skewed ask: flat, the bid (not acknowledged yet) is
     * cancelled as soon as its ACK names it */
    h_fill(&h, 4, 1, 10003);
    ck_assert_int_eq(h_stat_int(&h, "position"), 0);
    ck_assert_double_eq_tol(h_stat(&h, "realized_pnl"), 8e-8, 1e-15);   /* 8 units */
    ck_assert_uint_eq(h_n_cancels(&h), 1);
    h_ack(&h, 3);
    ck_assert_uint_eq(h_n_cancels(&h), 2);
    ck_assert_uint_eq(h_cancel_req(&h, 1)->tag, 3);
    h_canceled(&h, 3);
    ck_assert_uint_eq(h_n_orders(&h), 6);
    h_assert_order(&h, 4, BUY, 9995, 1);
    h_assert_order(&h, 5, SELL, 10005, 1);

    /* short 1 raises both quotes by 2 */
    h_ack(&h, 5);
    h_ack(&h, 6);
    h_fill(&h, 6, 1, 10005);
    h_canceled(&h, 5);
    h_assert_order(&h, 6, BUY, 9997, 1);
    h_assert_order(&h, 7, SELL, 10007, 1);
    h_stop(&h);
}
END_TEST

START_TEST(test_cancel_replace_on_mid_move)
{
    struct harness h;

    start_quoting(&h, mm_yaml);
    tick(&h, 2, 10004);                      /* moved 4 > 3 */
    ck_assert_int_eq(h_stat_int(&h, "requotes"), 1);
    ck_assert_uint_eq(h_n_cancels(&h), 2);
    ck_assert_uint_eq(h_cancel_req(&h, 0)->tag, 1);
    ck_assert_uint_eq(h_cancel_req(&h, 1)->tag, 2);
    ck_assert_uint_eq(h_n_orders(&h), 2);

    tick(&h, 3, 10006);                      /* while pulling: nothing more */
    ck_assert_uint_eq(h_n_cancels(&h), 2);
    ck_assert_int_eq(h_stat_int(&h, "requotes"), 1);

    h_canceled(&h, 1);
    ck_assert_uint_eq(h_n_orders(&h), 2);    /* the ask is still out */
    h_canceled(&h, 2);
    ck_assert_uint_eq(h_n_orders(&h), 4);    /* around the latest mid */
    h_assert_order(&h, 2, BUY, 10001, 1);
    h_assert_order(&h, 3, SELL, 10011, 1);
    ck_assert_int_eq(h_stat_int(&h, "quotes"), 2);

    /* a move before the ACKs: the cancels wait for them */
    tick(&h, 4, 10020);
    ck_assert_uint_eq(h_n_cancels(&h), 2);
    h_ack(&h, 4);
    ck_assert_uint_eq(h_n_cancels(&h), 3);
    ck_assert_uint_eq(h_cancel_req(&h, 2)->tag, 4);
    h_ack(&h, 3);
    ck_assert_uint_eq(h_n_cancels(&h), 4);
    ck_assert_uint_eq(h_cancel_req(&h, 3)->tag, 3);

    /* one side fills while its cancel is out: a CANCELED for the other
     * is enough to quote again */
    h_fill(&h, 3, 1, 10001);
    ck_assert_int_eq(h_stat_int(&h, "position"), 1);
    h_canceled(&h, 4);
    ck_assert_uint_eq(h_n_orders(&h), 6);
    h_assert_order(&h, 4, BUY, 10013, 1);
    h_assert_order(&h, 5, SELL, 10023, 1);
    h_stop(&h);
}
END_TEST

START_TEST(test_no_quote_beyond_max_inventory)
{
    struct harness h;

    start_quoting(&h, mm_tight_yaml);
    h_fill(&h, 1, 1, 9995);                  /* long 1 = max_inventory */
    h_canceled(&h, 2);
    ck_assert_uint_eq(h_n_orders(&h), 3);    /* the ask only */
    h_assert_order(&h, 2, SELL, 10003, 1);

    /* a mid move re-quotes the ask alone */
    h_ack(&h, 3);
    tick(&h, 2, 10010);
    h_canceled(&h, 3);
    ck_assert_uint_eq(h_n_orders(&h), 4);
    h_assert_order(&h, 3, SELL, 10013, 1);

    /* sold: flat, both sides again */
    h_fill(&h, 4, 1, 10013);
    ck_assert_uint_eq(h_n_orders(&h), 6);
    h_assert_order(&h, 4, BUY, 10005, 1);
    h_assert_order(&h, 5, SELL, 10015, 1);

    /* sold again: short 1, the bid only */
    h_ack(&h, 5);
    h_fill(&h, 6, 1, 10015);
    h_canceled(&h, 5);
    ck_assert_uint_eq(h_n_orders(&h), 7);
    h_assert_order(&h, 6, BUY, 10007, 1);
    ck_assert_int_eq(h_stat_int(&h, "position"), -1);
    h_stop(&h);
}
END_TEST

START_TEST(test_stale_pulls_quotes)
{
    struct harness h;

    h_start(&h, mm_yaml);
    ck_assert_uint_eq(h_n_timers(&h), 1);    /* the staleness check, every 500 ms */
    ck_assert_uint_eq(h_timer(&h, 0)->token, 1);
    ck_assert_int_eq(h_timer(&h, 0)->fire_at_ns, H_T0 + 500 * H_MS);
    tick(&h, 1, 10000);
    h_ack(&h, 1);
    h_ack(&h, 2);

    h_timer_fire(&h, 1);                     /* 500 ms without a tick: fine */
    ck_assert_uint_eq(h_n_cancels(&h), 0);
    ck_assert_uint_eq(h_n_timers(&h), 2);
    ck_assert_int_eq(h_timer(&h, 1)->fire_at_ns, H_T0 + 1000 * H_MS);

    h_advance(&h, 400 * H_MS);               /* a tick at 900 ms */
    tick(&h, 2, 10001);
    h_timer_fire(&h, 1);                     /* at 1000 ms: 100 ms since */
    ck_assert_uint_eq(h_n_cancels(&h), 0);
    h_timer_fire(&h, 1);                     /* at 1500 ms: 600 ms */
    ck_assert_uint_eq(h_n_cancels(&h), 0);
    h_timer_fire(&h, 1);                     /* at 2000 ms: 1100 ms: stale */
    ck_assert_uint_eq(h_n_cancels(&h), 2);
    ck_assert(strstr(h_stats_json(&h), "\"stale\":true") != NULL);
    ck_assert_int_eq(h_stat_int(&h, "stale_pulls"), 1);
    h_canceled(&h, 1);
    h_canceled(&h, 2);
    ck_assert_uint_eq(h_n_orders(&h), 2);    /* stale: nothing placed */
    ck_assert(strstr(h_stats_json(&h), "\"quoting\":false") != NULL);

    h_timer_fire(&h, 1);                     /* still stale: counted once */
    ck_assert_int_eq(h_stat_int(&h, "stale_pulls"), 1);

    tick(&h, 3, 10050);                      /* ticks again: quotes again */
    ck_assert(strstr(h_stats_json(&h), "\"stale\":false") != NULL);
    ck_assert_uint_eq(h_n_orders(&h), 4);
    h_assert_order(&h, 2, BUY, 10045, 1);
    h_assert_order(&h, 3, SELL, 10055, 1);
    ck_assert_uint_eq(h_n_timers(&h), 6);    /* the check keeps running */
    h_stop(&h);
}
END_TEST

START_TEST(test_no_timer_when_stale_ms_zero)
{
    struct harness h;

    h_start_raw(&h,
                "strategies:\n"
                "  - { id: feed, kind: fake_feed }\n"
                "  - { id: orders, kind: fake_orders }\n"
                "  - { id: mm, kind: market_maker, params: { symbol: BTCUSD, half_spread: 5, "
                "stale_ms: 0 } }\n");
    ck_assert_uint_eq(h.timer, ACTOR_REF_NONE);
    tick(&h, 1, 10000);
    ck_assert_uint_eq(h_n_orders(&h), 2);
    h_stop(&h);
}
END_TEST

START_TEST(test_reject_holds_until_tick)
{
    struct harness h;

    h_start(&h, mm_yaml);
    tick(&h, 1, 10000);
    h_reject(&h, 1);
    h_reject(&h, 2);
    ck_assert_uint_eq(h_n_orders(&h), 2);    /* no loop of quotes and rejects */
    ck_assert_int_eq(h_stat_int(&h, "rejects"), 2);
    tick(&h, 2, 10000);
    ck_assert_uint_eq(h_n_orders(&h), 4);
    h_assert_order(&h, 2, BUY, 9995, 1);
    h_assert_order(&h, 3, SELL, 10005, 1);
    h_stop(&h);
}
END_TEST

START_TEST(test_restart_rebuilds_same_state)
{
    struct harness h;
    uint64_t before;
    char stats[1024];

    start_quoting(&h, mm_yaml);
    h_fill(&h, 1, 1, 9995);
    tick(&h, 2, 10010);
    h_timer_fire(&h, 1);
    before = h_digest(&h);
    snprintf(stats, sizeof stats, "%s", h_stats_json(&h));
    h_restart(&h, NULL);
    ck_assert_uint_eq(h.drifted, 0);
    ck_assert_uint_eq(h_digest(&h), before);
    ck_assert_str_eq(h_stats_json(&h), stats);
    /* and it carries on where it was: the ask's cancel is out */
    h_canceled(&h, 2);
    h_assert_order(&h, 2, BUY, 10003, 1);
    h_assert_order(&h, 3, SELL, 10013, 1);
    h_stop(&h);
}
END_TEST

/* ---- bad params ------------------------------------------------------------------ */

START_TEST(test_bad_params)
{
    h_assert_config_error(
        "  - { id: m, kind: market_maker, params: { symbol: X, half_spread: 0 } }\n",
        "topo.yaml:6:68: param 'half_spread' must be an integer between 1 and "
        "1000000000000 (got 0)");
    h_assert_config_error(
        "  - { id: m, kind: market_maker, params: { symbol: X } }\n",
        "topo.yaml:6:42: missing required param 'half_spread'");
    h_assert_config_error(
        "  - { id: m, kind: market_maker, params: { symbol: X, half_spread: 5, qty: 3, "
        "max_inventory: 2 } }\n",
        "topo.yaml:6:79: param 'max_inventory' must be at least 'qty' (no quote could be "
        "placed)");
    h_assert_config_error(
        "  - { id: m, kind: market_maker, params: { symbol: X, half_spread: 5, skew: -1 } }\n",
        "topo.yaml:6:77: param 'skew' must be an integer between 0 and 1000000000000 "
        "(got -1)");
    h_assert_config_error(
        "  - { id: m, kind: market_maker, params: { symbol: X, half_spread: 5, "
        "requote_threshold: 1.5 } }\n",
        "topo.yaml:6:90: param 'requote_threshold' must be an integer between 0 and "
        "1000000000000 (got 1.5)");
    /* staleness needs a timer: here there is none */
    h_assert_config_error_raw(
        "strategies:\n"
        "  - { id: feed, kind: fake_feed }\n"
        "  - { id: orders, kind: fake_orders }\n"
        "  - { id: m, kind: market_maker, params: { symbol: X, half_spread: 5 } }\n",
        "topo.yaml:5:42: param 'stale_ms' needs a timer actor: add a timer service (or name "
        "one with 'timer'), or set stale_ms: 0 to quote without a staleness check");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("market_maker");
    TCase *tc = h_tcase(s, "quoting");

    tcase_add_test(tc, test_quotes_around_mid);
    tcase_add_test(tc, test_skew_after_fill);
    tcase_add_test(tc, test_cancel_replace_on_mid_move);
    tcase_add_test(tc, test_no_quote_beyond_max_inventory);
    tcase_add_test(tc, test_reject_holds_until_tick);
    tc = h_tcase(s, "staleness");
    tcase_add_test(tc, test_stale_pulls_quotes);
    tcase_add_test(tc, test_no_timer_when_stale_ms_zero);
    tc = h_tcase(s, "restart");
    tcase_add_test(tc, test_restart_rebuilds_same_state);
    tc = h_tcase(s, "params");
    tcase_add_test(tc, test_bad_params);
    return h_run_suite(s);
}
