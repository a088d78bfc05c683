/*
 * test_twap.c — strategies/twap.c in the harness (tests/harness.h), with
 * scripted time (timers fire at their deadlines): the parent quantity is
 * completed exactly despite the jitter, whether children fill whole or
 * leave IOC remainders to re-work; the schedule (child sizes, times,
 * timer deadlines) is the same for the same actor id, run twice or with a
 * restart in the middle, and differs for another id; a child due while
 * another is open waits for it; rejects in a row stop the parent; bad
 * params give exact FILE:LINE:COL errors.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define BUY STRATD__SIDE__BUY
#define SELL STRATD__SIDE__SELL
#define MAX_CHILDREN 256

static const char *const twap_fmt =
    "  - { id: %s, kind: twap, params: { symbol: BTCUSD, side: %s, qty: %d, duration_s: 60, "
    "slices: %d } }\n";

enum fill_mode { FILL_ALL, FILL_HALF };

struct schedule {
    size_t n, timers;
    int64_t qty[MAX_CHILDREN], at[MAX_CHILDREN];   /* child qty, time since H_T0 */
    int64_t fire_at[MAX_CHILDREN];                  /* timer deadlines since H_T0 */
    int64_t filled;
};

static void start(struct harness *h, const char *id, const char *side, int qty, int slices)
{
    char yaml[256];

    snprintf(yaml, sizeof yaml, twap_fmt, id, side, qty, slices);
    h_start(h, yaml);
}

/* Answer the open child (all of it, or half and the rest canceled), else
 * fire the next timer, until nothing is left to do. */
static void drive(struct harness *h, enum fill_mode mode, size_t max_steps)
{
    for (size_t step = 0; step < max_steps; step++) {
        size_t n = h_n_orders(h);
        const struct h_rec *o = n ? h_last_order(h) : NULL;

        if (o && !o->done) {
            int64_t q = mode == FILL_ALL || o->qty == 1 ? o->qty : o->qty / 2;
            uint64_t tag = o->tag;
            int64_t qty = o->qty;
            h_ack(h, tag);
            h_fill(h, tag, q, 101);
            if (q < qty)
                h_canceled(h, tag);
        } else if (!h_timer_fire_next(h)) {
            return;
        }
    }
}

static void record(struct harness *h, struct schedule *s)
{
    memset(s, 0, sizeof *s);
    s->n = h_n_orders(h);
    ck_assert_uint_le(s->n, MAX_CHILDREN);
    for (size_t i = 0; i < s->n; i++) {
        s->qty[i] = h_order(h, i)->qty;
        s->at[i] = h_order(h, i)->time_ns - H_T0;
        s->filled += h_order(h, i)->filled;
    }
    s->timers = h_n_timers(h);
    ck_assert_uint_le(s->timers, MAX_CHILDREN);
    for (size_t i = 0; i < s->timers; i++)
        s->fire_at[i] = h_timer(h, i)->fire_at_ns - H_T0;
}

static bool same(const struct schedule *a, const struct schedule *b)
{
    if (a->n != b->n || a->timers != b->timers)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->qty[i] != b->qty[i] || a->at[i] != b->at[i])
            return false;
    for (size_t i = 0; i < a->timers; i++)
        if (a->fire_at[i] != b->fire_at[i])
            return false;
    return true;
}

/* A whole run of actor `id`: 100 lots in 10 slices, filled as mode says. */
static void run(const char *id, enum fill_mode mode, struct schedule *s)
{
    struct harness h;

    start(&h, id, "buy", 100, 10);
    h_tick(&h, "BTCUSD", 1, 99, 101);
    drive(&h, mode, 10000);
    record(&h, s);
    ck_assert_int_eq(h_stat_int(&h, "filled"), 100);
    ck_assert_int_eq(h_stat_int(&h, "remaining"), 0);
    ck_assert_ptr_nonnull(strstr(h_stats_json(&h), "\"state\":\"done\""));
    ck_assert_int_eq(h_stat_int(&h, "position"), 100);
    h_stop(&h);
}

START_TEST(test_completes_exact_qty_with_jitter)
{
    struct harness h;
    int64_t sum = 0, base = 6 * H_S;
    bool sizes_differ = false, delays_differ = false;

    start(&h, "tw1", "buy", 100, 10);
    ck_assert_uint_eq(h_n_orders(&h), 0);          /* due, but no price yet */
    h_tick(&h, "BTCUSD", 1, 99, 101);
    ck_assert_uint_eq(h_n_orders(&h), 1);          /* the first child at once */
    ck_assert_int_eq(h_order(&h, 0)->time_ns, H_T0);
    h_assert_order(&h, 0, BUY, 101, h_order(&h, 0)->qty);
    ck_assert(h_order(&h, 0)->ioc);
    ck_assert_uint_eq(h_n_timers(&h), 1);
    drive(&h, FILL_ALL, 1000);

    ck_assert_uint_eq(h_n_orders(&h), 10);
    ck_assert_uint_eq(h_n_timers(&h), 9);          /* one per later slice */
    for (size_t i = 0; i < 10; i++) {
        const struct h_rec *o = h_order(&h, i);
        ck_assert_int_ge(o->qty, 1);
        ck_assert_int_eq(o->price, 101);
        sum += o->qty;
        sizes_differ |= o->qty != h_order(&h, 0)->qty;
        if (i > 0) {
            /* each child goes out when its timer fires: base x [0.5, 1.5) */
            int64_t d = o->time_ns - h_order(&h, i - 1)->time_ns;
            ck_assert_int_ge(d, base / 2);
            ck_assert_int_lt(d, base * 3 / 2);
            ck_assert_int_eq(o->time_ns, h_timer(&h, i - 1)->fire_at_ns);
            delays_differ |= d != h_order(&h, 1)->time_ns - h_order(&h, 0)->time_ns;
        }
    }
    ck_assert_int_eq(sum, 100);
    ck_assert(sizes_differ);
    ck_assert(delays_differ);
    ck_assert_int_eq(h_stat_int(&h, "sent"), 100);
    ck_assert_int_eq(h_stat_int(&h, "filled"), 100);
    ck_assert_int_eq(h_stat_int(&h, "remaining"), 0);
    ck_assert_int_eq(h_stat_int(&h, "children"), 10);
    ck_assert_int_eq(h_stat_int(&h, "slices_left"), 0);
    ck_assert_ptr_nonnull(strstr(h_stats_json(&h), "\"state\":\"done\""));

    /* done: ticks and stray timers send nothing more */
    h_tick(&h, "BTCUSD", 2, 99, 101);
    ck_assert_uint_eq(h_n_orders(&h), 10);
    h_stop(&h);
}
END_TEST

START_TEST(test_ioc_remainders_are_reworked)
{
    struct schedule s;

    run("tw1", FILL_HALF, &s);
    ck_assert_int_eq(s.filled, 100);
    ck_assert_uint_gt(s.n, 10);                      /* extra children after the slices */
}
END_TEST

START_TEST(test_sell_side_and_waiting_child)
{
    struct harness h;
    const struct h_rec *o;

    start(&h, "tw-sell", "sell", 7, 3);
    h_tick(&h, "BTCUSD", 1, 99, 101);
    ck_assert_uint_eq(h_n_orders(&h), 1);
    o = h_order(&h, 0);
    ck_assert_int_eq(o->side, SELL);
    ck_assert_int_eq(o->price, 99);                  /* at the bid */

    /* the next child is due while the first is open: it waits for it */
    h_timer_fire_next(&h);
    ck_assert_uint_eq(h_n_orders(&h), 1);
    h_ack(&h, 1);
    h_fill(&h, 1, h_order(&h, 0)->qty, 99);
    ck_assert_uint_eq(h_n_orders(&h), 2);
    ck_assert_int_eq(h_order(&h, 1)->side, SELL);

    drive(&h, FILL_ALL, 100);
    ck_assert_uint_eq(h_n_orders(&h), 3);
    ck_assert_int_eq(h_order(&h, 0)->qty + h_order(&h, 1)->qty + h_order(&h, 2)->qty, 7);
    ck_assert_int_eq(h_stat_int(&h, "position"), -7);
    h_stop(&h);
}
END_TEST

START_TEST(test_same_id_same_schedule)
{
    struct schedule a, b, c;

    run("tw1", FILL_ALL, &a);
    run("tw1", FILL_ALL, &b);
    run("tw2", FILL_ALL, &c);
    ck_assert(same(&a, &b));
    ck_assert(!same(&a, &c));
    ck_assert_uint_eq(c.n, 10);

    run("tw1", FILL_HALF, &a);
    run("tw1", FILL_HALF, &b);
    ck_assert(same(&a, &b));
}
END_TEST

START_TEST(test_restart_keeps_schedule)
{
    struct schedule whole, cut;
    struct harness h;
    uint64_t before;

    run("tw1", FILL_HALF, &whole);

    start(&h, "tw1", "buy", 100, 10);
    h_tick(&h, "BTCUSD", 1, 99, 101);
    drive(&h, FILL_HALF, 9);                         /* stop half-way */
    before = h_digest(&h);
    h_restart(&h, NULL);
    ck_assert_uint_eq(h.drifted, 0);
    ck_assert_uint_eq(h_digest(&h), before);
    drive(&h, FILL_HALF, 10000);
    record(&h, &cut);
    ck_assert(same(&whole, &cut));
    ck_assert_int_eq(h_stat_int(&h, "filled"), 100);
    h_stop(&h);
}
END_TEST

START_TEST(test_rejects_stop_the_parent)
{
    struct harness h;

    start(&h, "tw1", "buy", 100, 10);
    h_tick(&h, "BTCUSD", 1, 99, 101);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(h_n_orders(&h), (size_t)i + 1);
        h_reject(&h, 0);
        h_timer_fire_next(&h);
    }
    ck_assert_ptr_nonnull(strstr(h_stats_json(&h), "\"state\":\"stopped\""));
    ck_assert_int_eq(h_stat_int(&h, "rejects"), 5);
    ck_assert_int_eq(h_stat_int(&h, "filled"), 0);
    ck_assert_uint_eq(h_n_orders(&h), 5);
    while (h_timer_fire_next(&h))
        ;
    h_tick(&h, "BTCUSD", 2, 99, 101);
    ck_assert_uint_eq(h_n_orders(&h), 5);
    h_stop(&h);
}
END_TEST

/* ---- bad params ------------------------------------------------------------------ */

START_TEST(test_bad_params)
{
    h_assert_config_error(
        "  - { id: t, kind: twap, params: { symbol: X, side: hold, qty: 5, duration_s: 60 } }\n",
        "topo.yaml:6:47: param 'side' must be buy or sell");
    h_assert_config_error(
        "  - { id: t, kind: twap, params: { symbol: X, side: buy, qty: 0, duration_s: 60 } }\n",
        "topo.yaml:6:63: param 'qty' must be an integer between 1 and 1000000000 (got 0)");
    h_assert_config_error(
        "  - { id: t, kind: twap, params: { symbol: X, side: buy, qty: 5, duration_s: 60 } }\n",
        "topo.yaml:6:34: param 'slices' must not exceed 'qty' (every child is at least 1 lot)");
    h_assert_config_error(
        "  - { id: t, kind: twap, params: { symbol: X, side: sell, qty: 50, duration_s: 0 } }\n",
        "topo.yaml:6:80: param 'duration_s' must be an integer between 1 and 604800 (got 0)");
    h_assert_config_error(
        "  - { id: t, kind: twap, params: { symbol: X, side: buy, qty: 50 } }\n",
        "topo.yaml:6:34: missing required param 'duration_s'");
    h_assert_config_error_raw(
        "strategies:\n"
        "  - { id: feed, kind: fake_feed }\n"
        "  - { id: orders, kind: fake_orders }\n"
        "  - { id: t, kind: twap, params: { symbol: X, side: buy, qty: 50, duration_s: 60 } }\n",
        "topo.yaml:5:34: missing required param 'timer' (this topology has no timer actor to "
        "use)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("twap");
    TCase *tc = h_tcase(s, "working");

    tcase_add_test(tc, test_completes_exact_qty_with_jitter);
    tcase_add_test(tc, test_ioc_remainders_are_reworked);
    tcase_add_test(tc, test_sell_side_and_waiting_child);
    tcase_add_test(tc, test_rejects_stop_the_parent);
    tc = h_tcase(s, "determinism");
    tcase_add_test(tc, test_same_id_same_schedule);
    tcase_add_test(tc, test_restart_keeps_schedule);
    tc = h_tcase(s, "params");
    tcase_add_test(tc, test_bad_params);
    return h_run_suite(s);
}
