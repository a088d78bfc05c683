/*
 * test_kinds.c — stratd-test: the daemon plus strategy kinds that exist only
 * to let integration tests provoke what production code must never do.
 *
 *   drifter  folds $STRATD_TEST_DRIFT into its state on every tick: reading
 *            the environment in a handler is exactly the non-determinism the
 *            drift check must catch.
 *   kicker   after delay_ms sends `count` Pokes (values 1..count) to its
 *            target; with $STRATD_TEST_CRASH_AFTER_COMMIT set it kills the
 *            process right after the batch holding them is committed: more
 *            Pokes than one loop iteration handles, so some are journaled
 *            and not yet handled.
 *   relay    counts Pokes and passes each on to its sink, value + 1.
 *   sink     counts Pokes and sums their values.
 *   trader   every `every` ticks sends a marketable IOC order (side flips
 *            with the position's sign, qty 1-3 from its rng); its position
 *            comes only from fills. It trades steadily, for order tests.
 *   echo     answers every tick with an IOC order far from the market (it
 *            never fills) tagged with the tick's seq: the tick-to-order
 *            latency benchmark's strategy.
 *
 * $STRATD_TEST_FAIL_COMMIT_AFTER=N makes the journal's commit after N
 * successful ones fail like an I/O error (journal_inject_fault).
 * $STRATD_TEST_CRASH_BEFORE_SEND=N kills the process when the Nth accepted
 * order, committed, is about to leave (orders_test_crash_before_send).
 * $STRATD_TEST_PUT_JOURNAL=DIR with $STRATD_TEST_PUT="REC ..." writes raw
 * records into the (stopped) journal DIR and exits, the daemon not run:
 * REC is meta:KEYHEX:VALHEX or log:LSN:VALHEX. The damage tests use it for
 * what RocksDB's checksums cannot catch (a watermark of the wrong length,
 * an actor record that does not decode, an entry of an unknown kind).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "journal.h"
#include "orders.h"
#include "service.h"
#include "stats.h"
#include "stratd.h"

/* --- drifter --------------------------------------------------------------- */

struct drifter_params {
    actor_ref feed;
    char *symbol;
};

struct drifter_state {
    uint64_t ticks;
    uint64_t acc;
};

static void drifter_on_start(struct actor *a, void *state)
{
    const struct drifter_params *p = actor_params(a);
    (void)state;
    actor_subscribe(a, p->feed, p->symbol);
}

static void drifter_on_message(struct actor *a, void *state, const struct msg *m)
{
    struct drifter_state *s = state;
    const char *env = getenv("STRATD_TEST_DRIFT");
    (void)a;

    if (m->body->kind_case != STRATD__MSG__KIND_TICK)
        return;
    s->ticks++;
    if (env)
        s->acc = hash_bytes(s->acc, env, strlen(env));
}

static void drifter_stats(const void *state, struct stats *out)
{
    const struct drifter_state *s = state;
    stats_uint(out, "ticks", s->ticks);
    stats_hex(out, "acc", s->acc);
}

static const struct param_def drifter_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", offsetof(struct drifter_params, feed), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", offsetof(struct drifter_params, symbol), NULL},
    {NULL},
};

static const struct actor_kind drifter_kind = {
    .name = "drifter",
    .params = drifter_params,
    .params_size = sizeof(struct drifter_params),
    .state_size = sizeof(struct drifter_state),
    .on_start = drifter_on_start,
    .on_message = drifter_on_message,
    .stats = drifter_stats,
};

/* --- kicker, relay, sink ------------------------------------------------------ */

struct kicker_params {
    actor_ref timer;
    actor_ref target;
    int64_t delay_ms;
    int64_t count;
};

struct poke_state {
    uint64_t pokes;
    uint64_t sum;
    uint64_t fired;
};

static void send_poke(struct actor *a, actor_ref to, uint64_t value)
{
    Stratd__Poke p = STRATD__POKE__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;

    p.value = value;
    m.kind_case = STRATD__MSG__KIND_POKE;
    m.poke = &p;
    actor_send(a, to, &m);
}

static void crash_now(void *arg)
{
    (void)arg;
    raise(SIGKILL);
}

static void kicker_on_start(struct actor *a, void *state)
{
    const struct kicker_params *p = actor_params(a);
    (void)state;
    actor_timer_at(a, p->timer, actor_now(a) + p->delay_ms * 1000000, 1);
}

static void kicker_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct kicker_params *p = actor_params(a);
    struct poke_state *s = state;

    if (m->body->kind_case != STRATD__MSG__KIND_TIMER_FIRED)
        return;
    s->fired++;
    for (int64_t i = 1; i <= p->count; i++)
        send_poke(a, p->target, (uint64_t)i);
    if (!actor_replaying(a) && getenv("STRATD_TEST_CRASH_AFTER_COMMIT"))
        service_after_commit(a, crash_now, NULL);
}

static void relay_on_message(struct actor *a, void *state, const struct msg *m)
{
    const actor_ref *sink = actor_params(a);
    struct poke_state *s = state;

    if (m->body->kind_case != STRATD__MSG__KIND_POKE)
        return;
    s->pokes++;
    s->sum += m->body->poke->value;
    send_poke(a, *sink, m->body->poke->value + 1);
}

static void sink_on_message(struct actor *a, void *state, const struct msg *m)
{
    struct poke_state *s = state;
    (void)a;

    if (m->body->kind_case != STRATD__MSG__KIND_POKE)
        return;
    s->pokes++;
    s->sum += m->body->poke->value;
}

static void poke_stats(const void *state, struct stats *out)
{
    const struct poke_state *s = state;
    stats_uint(out, "pokes", s->pokes);
    stats_uint(out, "sum", s->sum);
    stats_uint(out, "fired", s->fired);
}

static const struct param_def kicker_params[] = {
    {"timer", PARAM_REF, PARAM_REQUIRED, 0, 0, "timer", offsetof(struct kicker_params, timer), NULL},
    {"target", PARAM_REF, PARAM_REQUIRED, 0, 0, "relay", offsetof(struct kicker_params, target), NULL},
    {"delay_ms", PARAM_INT, 0, 0, 60000, NULL, offsetof(struct kicker_params, delay_ms), "200"},
    {"count", PARAM_INT, 0, 1, 1000000, NULL, offsetof(struct kicker_params, count), "1"},
    {NULL},
};

static const struct param_def relay_params[] = {
    {"sink", PARAM_REF, PARAM_REQUIRED, 0, 0, "sink", 0, NULL},
    {NULL},
};

static const struct param_def no_params[] = {
    {NULL},
};

static const struct actor_kind kicker_kind = {
    .name = "kicker",
    .params = kicker_params,
    .params_size = sizeof(struct kicker_params),
    .state_size = sizeof(struct poke_state),
    .on_start = kicker_on_start,
    .on_message = kicker_on_message,
    .stats = poke_stats,
};

static const struct actor_kind relay_kind = {
    .name = "relay",
    .role = "relay",
    .params = relay_params,
    .params_size = sizeof(actor_ref),
    .state_size = sizeof(struct poke_state),
    .on_message = relay_on_message,
    .stats = poke_stats,
};

static const struct actor_kind sink_kind = {
    .name = "sink",
    .role = "sink",
    .params = no_params,
    .state_size = sizeof(struct poke_state),
    .on_message = sink_on_message,
    .stats = poke_stats,
};

/* --- trader ------------------------------------------------------------------ */

struct trader_params {
    actor_ref feed, orders;
    char *symbol;
    int64_t every;
};

struct trader_state {
    uint64_t ticks, orders, fills, rejects, acks, cancels;
    int64_t position;
};

static void trader_on_start(struct actor *a, void *state)
{
    const struct trader_params *p = actor_params(a);
    (void)state;
    actor_subscribe(a, p->feed, p->symbol);
}

static void trader_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct trader_params *p = actor_params(a);
    struct trader_state *s = state;

    if (m->body->kind_case == STRATD__MSG__KIND_TICK) {
        const Stratd__Tick *t = m->body->tick;
        Stratd__OrderRequest r = STRATD__ORDER_REQUEST__INIT;
        Stratd__Msg om = STRATD__MSG__INIT;
        if (++s->ticks % (uint64_t)p->every != 0 || t->bid <= 0 || t->ask <= 0)
            return;
        r.symbol = p->symbol;
        r.side = s->position > 0 ? STRATD__SIDE__SELL : STRATD__SIDE__BUY;
        r.price = r.side == STRATD__SIDE__BUY ? t->ask : t->bid;
        r.qty = 1 + (int64_t)actor_rand_below(a, 3);
        r.tag = s->orders;
        r.ioc = true;
        om.kind_case = STRATD__MSG__KIND_ORDER_REQUEST;
        om.order_request = &r;
        actor_send(a, p->orders, &om);
        s->orders++;
    } else if (m->body->kind_case == STRATD__MSG__KIND_ORDER_EVENT) {
        const Stratd__OrderEvent *ev = m->body->order_event;
        switch (ev->kind) {
        case STRATD__ORDER_EVENT__KIND__FILL:
            s->fills++;
            s->position += (ev->side == STRATD__SIDE__BUY ? 1 : -1) * ev->qty;
            break;
        case STRATD__ORDER_EVENT__KIND__REJECT: s->rejects++; break;
        case STRATD__ORDER_EVENT__KIND__ACK: s->acks++; break;
        case STRATD__ORDER_EVENT__KIND__CANCELED: s->cancels++; break;
        default: break;
        }
    }
}

static void trader_stats(const void *state, struct stats *out)
{
    const struct trader_state *s = state;
    stats_int(out, "position", s->position);
    stats_uint(out, "ticks", s->ticks);
    stats_uint(out, "orders", s->orders);
    stats_uint(out, "fills", s->fills);
    stats_uint(out, "acks", s->acks);
    stats_uint(out, "rejects", s->rejects);
    stats_uint(out, "cancels", s->cancels);
}

static const struct param_def trader_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", offsetof(struct trader_params, feed), NULL},
    {"orders", PARAM_REF, PARAM_REQUIRED, 0, 0, "orders", offsetof(struct trader_params, orders), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, "feed", offsetof(struct trader_params, symbol), NULL},
    {"every", PARAM_INT, 0, 1, 1000000, NULL, offsetof(struct trader_params, every), "10"},
    {NULL},
};

static const struct actor_kind trader_kind = {
    .name = "trader",
    .params = trader_params,
    .params_size = sizeof(struct trader_params),
    .state_size = sizeof(struct trader_state),
    .on_start = trader_on_start,
    .on_message = trader_on_message,
    .stats = trader_stats,
};

/* --- echo ------------------------------------------------------------------- */

static void echo_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct trader_params *p = actor_params(a);
    struct trader_state *s = state;
    Stratd__OrderRequest r = STRATD__ORDER_REQUEST__INIT;
    Stratd__Msg om = STRATD__MSG__INIT;
    const Stratd__Tick *t;

    if (m->body->kind_case == STRATD__MSG__KIND_ORDER_EVENT) {
        s->acks += m->body->order_event->kind == STRATD__ORDER_EVENT__KIND__ACK;
        s->cancels += m->body->order_event->kind == STRATD__ORDER_EVENT__KIND__CANCELED;
        s->rejects += m->body->order_event->kind == STRATD__ORDER_EVENT__KIND__REJECT;
        return;
    }
    if (m->body->kind_case != STRATD__MSG__KIND_TICK)
        return;
    t = m->body->tick;
    s->ticks++;
    if (t->bid <= 0 || strcmp(t->symbol, p->symbol) != 0)
        return;
    r.symbol = p->symbol;
    r.side = STRATD__SIDE__BUY;
    r.price = t->bid / 2 > 0 ? t->bid / 2 : 1;
    r.qty = 1;
    r.tag = t->seq;
    r.ioc = true;
    om.kind_case = STRATD__MSG__KIND_ORDER_REQUEST;
    om.order_request = &r;
    actor_send(a, p->orders, &om);
    s->orders++;
}

static const struct actor_kind echo_kind = {
    .name = "echo",
    .params = trader_params,
    .params_size = sizeof(struct trader_params),
    .state_size = sizeof(struct trader_state),
    .on_start = trader_on_start,
    .on_message = echo_on_message,
    .stats = trader_stats,
};

static const struct actor_kind *const test_kinds[] = {
    &drifter_kind, &kicker_kind, &relay_kind, &sink_kind, &trader_kind, &echo_kind, NULL,
};

/* --- raw journal records ---------------------------------------------------- */

/* Hex text into out (at most cap bytes): the length, or -1. */
static long unhex(const char *h, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (long)(n / 2);
}

/* One REC of $STRATD_TEST_PUT staged into j. 0 or -1. */
static int put_record(struct journal *j, const char *rec)
{
    static uint8_t key[512], val[4096];
    const char *a = strchr(rec, ':'), *b = a ? strchr(a + 1, ':') : NULL;
    const char *end = b ? b + strcspn(b, " ") : NULL;
    long kl, vl;

    if (!b || (vl = unhex(b + 1, (size_t)(end - b - 1), val, sizeof val)) < 0)
        return -1;
    if (strncmp(rec, "log:", 4) == 0) {
        journal_append(j, strtoull(a + 1, NULL, 10), val, (size_t)vl);
        return 0;
    }
    if (strncmp(rec, "meta:", 5) != 0 ||
        (kl = unhex(a + 1, (size_t)(b - a - 1), key, sizeof key)) < 0)
        return -1;
    journal_meta_put(j, key, (size_t)kl, val, (size_t)vl);
    return 0;
}

static int put_records(const char *path, const char *recs)
{
    char err[1024];
    struct journal *j = journal_open(path, false, false, FSYNC_ALWAYS, err, sizeof err);

    if (!j) {
        fprintf(stderr, "stratd-test: %s\n", err);
        return 1;
    }
    for (const char *r = recs; *r; r += strcspn(r, " "), r += strspn(r, " ")) {
        if (put_record(j, r) != 0) {
            fprintf(stderr, "stratd-test: bad record in STRATD_TEST_PUT: %.40s\n", r);
            journal_close(j);
            return 2;
        }
    }
    int rc = journal_commit(j) == 0 && journal_flush(j) == 0 ? 0 : 1;
    journal_close(j);
    return rc;
}

int main(int argc, char **argv)
{
    const char *put_journal = getenv("STRATD_TEST_PUT_JOURNAL");

    if (put_journal)
        return put_records(put_journal, getenv("STRATD_TEST_PUT") ? getenv("STRATD_TEST_PUT") : "");

    const char *fault = getenv("STRATD_TEST_FAIL_COMMIT_AFTER");

    const char *crash = getenv("STRATD_TEST_CRASH_BEFORE_SEND");

    if (fault)
        journal_inject_fault(atol(fault));
    if (crash)
        orders_test_crash_before_send(strtoull(crash, NULL, 10));
    return stratd_main(argc, argv, test_kinds);
}
