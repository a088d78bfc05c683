/*
 * test_typed.c — the strategies rewritten on the typed API
 * (<stratd/strategy.h>) behave exactly as they did on the raw actor API.
 *
 * For each kind, tests/legacy/KIND.c (the code as it was, test-only kind
 * "legacy_KIND") and strategies/KIND.c run in turn under the same actor id
 * (so the same uuid, rng seed and client order ids) through one scripted
 * market: a seeded random walk of quotes, answers to every order drawn
 * from a seeded generator (acks, full and partial fills, cancels, rejects),
 * cancels honoured, timers fired when due, stretches without ticks; the
 * third seed rejects almost half the orders. Every
 * message the fakes received — subscriptions, orders, cancels, timer
 * requests, with lsn and time — forms a trace; the two traces must be
 * equal line for line, and so must the final state digests (the account
 * now lives in the runtime, in front of the kind's state, and digests as
 * the old embedded one did, so journals written before rebuild unchanged).
 */
#include "harness.h"
#include "strbuf.h"

extern const struct actor_kind legacy_sma_cross_kind, legacy_market_maker_kind,
    legacy_pairs_kind, legacy_twap_kind;

static const struct actor_kind *const legacy_kinds[] = {
    &legacy_sma_cross_kind, &legacy_market_maker_kind, &legacy_pairs_kind,
    &legacy_twap_kind, NULL,
};

/* splitmix64: the script's own generator, independent of the actors'. */
static uint64_t draw(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct market {
    uint64_t rng;
    unsigned reject_pct;     /* of new orders */
    const char *symbols[2];
    size_t n_symbols;
    int64_t mid[2];
    uint64_t seq[2];
    uint8_t acked[4096];     /* by order index: acknowledged, resting */
    size_t cancels_seen;
};

/* Answer every order still working, by a draw per order and step. */
static void answer_orders(struct harness *h, struct market *mk)
{
    size_t n = h_n_orders(h);

    for (size_t i = 0; i < n && i < sizeof mk->acked; i++) {
        const struct h_rec *o = h_order(h, i);
        uint64_t tag = o->tag, r = draw(&mk->rng) % 100;
        int64_t px = o->price ? o->price : mk->mid[0];
        if (o->done)
            continue;
        if (!mk->acked[i] && r < mk->reject_pct) {
            h_reject(h, tag);
        } else if (o->ioc) {   /* IOC: fill all, some (rest canceled), or none */
            int64_t q = r < 55 ? o->leaves : r < 80 ? (o->leaves + 1) / 2 : 0;
            if (q > 0)
                h_fill(h, tag, q, px);
            if (!h_order_by_tag(h, tag)->done)
                h_canceled(h, tag);
        } else if (!mk->acked[i]) {
            mk->acked[i] = 1;
            h_ack(h, tag);
        } else if (r < 25) {   /* a resting order trades */
            h_fill(h, tag, r < 12 ? o->leaves : (o->leaves + 1) / 2, px);
        }
    }
    for (size_t n_c = h_n_cancels(h); mk->cancels_seen < n_c; mk->cancels_seen++) {
        uint64_t tag = h_cancel_req(h, mk->cancels_seen)->tag;
        if (!h_order_by_tag(h, tag)->done)
            h_canceled(h, tag);
    }
}

static void fire_due_timers(struct harness *h)
{
    for (;;) {
        size_t n = h_n_timers(h), due = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            const struct h_rec *r = h_timer(h, i);
            if (!r->done && r->fire_at_ns <= h_now(h) &&
                (due == SIZE_MAX || r->fire_at_ns < h_timer(h, due)->fire_at_ns))
                due = i;
        }
        if (due == SIZE_MAX)
            return;
        h_fire(h, due);
    }
}

static void play(struct harness *h, struct market *mk, int steps)
{
    for (int step = 0; step < steps; step++) {
        size_t k = draw(&mk->rng) % mk->n_symbols;
        int64_t spread = 100 + (int64_t)(draw(&mk->rng) % 400);
        uint64_t r = draw(&mk->rng) % 100;

        h_advance(h, (int64_t)(draw(&mk->rng) % 200) * H_MS);
        if (r < 3)
            h_advance(h, 3 * H_S);   /* a quiet stretch: staleness checks */
        fire_due_timers(h);
        mk->mid[k] += ((int64_t)(draw(&mk->rng) % 2001) - 1000) * (r < 90 ? 1 : 8);
        h_tick(h, mk->symbols[k], ++mk->seq[k], mk->mid[k] - spread, mk->mid[k] + spread);
        answer_orders(h, mk);
    }
}

static void trace_fake(struct strbuf *b, struct harness *h, actor_ref r)
{
    const struct h_fake *f = h_fake(h, r);

    for (size_t i = 0; i < f->n; i++) {
        const struct h_rec *x = &f->v[i];
        strbuf_printf(b, "%s lsn=%llu t=%lld kind=%d from=%u sym=%s side=%d px=%lld qty=%lld "
                      "tag=%llu ioc=%d coid=%llu token=%llu at=%lld\n",
                      h->rt.actors[r].topo->id, (unsigned long long)x->lsn,
                      (long long)(x->time_ns - H_T0), x->kind, x->from, x->symbol, x->side,
                      (long long)x->price, (long long)x->qty, (unsigned long long)x->tag,
                      x->ioc, (unsigned long long)x->coid, (unsigned long long)x->token,
                      (long long)(x->fire_at_ns ? x->fire_at_ns - H_T0 : 0));
    }
}

struct run {
    char *trace;
    uint64_t digest;
    size_t orders, fills, cancels, timers;
};

static struct run run_kind(const char *kind, const char *params, const char *const *symbols,
                           size_t n_symbols, uint64_t seed, int steps)
{
    struct harness h;
    /* the last seed is a hostile day: many rejects (twap's stop path) */
    struct market mk = {.rng = seed, .reject_pct = seed == 3 ? 45 : 10,
                        .n_symbols = n_symbols};
    struct strbuf yaml = STRBUF_INIT, b = STRBUF_INIT;
    struct run out = {0};

    for (size_t i = 0; i < n_symbols; i++) {
        mk.symbols[i] = symbols[i];
        mk.mid[i] = (int64_t)(100000 + 20000 * i) * 100000;
    }
    strbuf_printf(&yaml, "  - { id: s, kind: %s, params: { %s } }\n", kind, params);
    h_start_with(&h, strbuf_str(&yaml), legacy_kinds);
    play(&h, &mk, steps);
    trace_fake(&b, &h, h.feed);
    trace_fake(&b, &h, h.orders);
    if (h.timer != ACTOR_REF_NONE)
        trace_fake(&b, &h, h.timer);
    out.trace = strbuf_take(&b);
    out.digest = h_digest(&h);
    out.orders = h_n_orders(&h);
    out.cancels = h_n_cancels(&h);
    out.timers = h_n_timers(&h);
    for (size_t i = 0; i < out.orders; i++)
        out.fills += h_order(&h, i)->filled > 0;
    h_stop(&h);
    strbuf_release(&yaml);
    return out;
}

/* The first line where a and b differ, for the failure message. */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    size_t line = 1;
    const char *la = a, *lb = b;

    while (*a && *a == *b) {
        if (*a == '\n') {
            line++;
            la = a + 1;
            lb = b + 1;
        }
        a++, b++;
    }
    snprintf(out, len, "line %zu:\n  legacy: %.160s\n  typed:  %.160s", line, la, lb);
}

static void same_behaviour(const char *kind, const char *params, const char *const *symbols,
                           size_t n_symbols, int steps, size_t min_orders)
{
    char legacy_kind[64], diff[512];

    snprintf(legacy_kind, sizeof legacy_kind, "legacy_%s", kind);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct run old = run_kind(legacy_kind, params, symbols, n_symbols, seed, steps);
        struct run now = run_kind(kind, params, symbols, n_symbols, seed, steps);

        first_difference(old.trace, now.trace, diff, sizeof diff);
        ck_assert_msg(strcmp(old.trace, now.trace) == 0, "%s seed %llu: traces differ at %s",
                      kind, (unsigned long long)seed, diff);
        ck_assert_msg(old.digest == now.digest, "%s seed %llu: digest %016llx, legacy %016llx",
                      kind, (unsigned long long)seed, (unsigned long long)now.digest,
                      (unsigned long long)old.digest);
        /* the script must have exercised the strategy, or equality says little */
        ck_assert_msg(now.orders >= min_orders, "%s seed %llu: only %zu orders", kind,
                      (unsigned long long)seed, now.orders);
        ck_assert_msg(now.fills >= min_orders / 2, "%s seed %llu: only %zu orders filled",
                      kind, (unsigned long long)seed, now.fills);
        free(old.trace);
        free(now.trace);
    }
}

static const char *const btc[] = {"BTCUSD"};
static const char *const pair[] = {"BTCUSD", "ETHUSD"};

START_TEST(sma_cross_same)
{
    same_behaviour("sma_cross", "symbol: BTCUSD, fast: 3, slow: 8, qty: 2", btc, 1, 600, 20);
}
END_TEST

START_TEST(market_maker_same)
{
    same_behaviour("market_maker", "symbol: BTCUSD, half_spread: 20000, qty: 1, "
                   "max_inventory: 3, skew: 5000, requote_threshold: 30000, stale_ms: 1000",
                   btc, 1, 600, 40);
}
END_TEST

START_TEST(pairs_same)
{
    same_behaviour("pairs", "symbol_a: BTCUSD, symbol_b: ETHUSD, hedge_ratio: 0.5, "
                   "window: 12, entry_z: 1.0, exit_z: 0.3, qty: 4", pair, 2, 800, 10);
}
END_TEST

START_TEST(twap_same)
{
    same_behaviour("twap", "symbol: BTCUSD, side: buy, qty: 60, duration_s: 30, slices: 9",
                   btc, 1, 500, 9);
}
END_TEST

/* The mm script must reach its cancel and timer paths (not only orders). */
START_TEST(market_maker_script_cancels_and_times)
{
    struct run r = run_kind("market_maker", "symbol: BTCUSD, half_spread: 20000, qty: 1, "
                            "max_inventory: 3, skew: 5000, requote_threshold: 30000, "
                            "stale_ms: 1000", btc, 1, 1, 600);
    ck_assert_uint_gt(r.cancels, 5);
    ck_assert_uint_gt(r.timers, 5);
    free(r.trace);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("typed");
    TCase *tc = h_tcase(s, "same orders as the raw-API versions");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sma_cross_same);
    tcase_add_test(tc, market_maker_same);
    tcase_add_test(tc, pairs_same);
    tcase_add_test(tc, twap_same);
    tcase_add_test(tc, market_maker_script_cancels_and_times);
    return h_run_suite(s);
}
