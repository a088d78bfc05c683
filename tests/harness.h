/*
 * harness.h — run strategies in-process against fake services, with the
 * real runtime, a real (temp) journal and a clock the test controls, so a
 * strategy test needs no network, no libuv loop and no sleeping.
 *
 * Header-only (everything static inline): the Makefile links each
 * tests/test_*.c alone with build/libstratd.a and Check.
 *
 * The topology is the test's strategy entries after three fake services,
 * listed (as test-only strategy kinds) under `strategies:`:
 *
 *   line 1  journal: { path: DIR/journal, fsync: none }
 *   line 2  strategies:
 *   line 3    - { id: feed, kind: fake_feed }        role "feed"
 *   line 4    - { id: orders, kind: fake_orders }    role "orders"
 *   line 5    - { id: timer, kind: fake_timer }      role "timer"
 *   line 6    the test's first line (H_FIRST_LINE)
 *
 * so params naming a feed, an orders or a timer actor may be left out (each
 * role has exactly one actor). h_start_raw() takes everything after line 1
 * instead, for topologies without some fake.
 *
 * Each fake records every message it receives (struct h_rec, in arrival
 * order) and never sends on its own. The test drives them:
 *
 *   h_tick        the feed sends a Tick to the symbol's subscribers
 *   h_ack/h_fill/h_canceled/h_reject/h_event
 *                 the orders fake answers an order (by tag) with an
 *                 OrderEvent carrying the order's client order id
 *   h_timer_fire  the timer fake fires a requested timer
 *
 * and every one of these then runs the runtime until no mailbox holds mail
 * (h_run), committing each round as the live loop does. Like the real
 * services, a fake's answer goes to the owner and to the fake itself, and
 * the fake updates its records only when it handles that copy, so fakes
 * rebuild exactly too (h_restart).
 *
 * Time. Every message is stamped by clock_stamp(&rt.last_time_ns), which
 * returns max(wall clock, last stamp). The harness starts that stamp at
 * H_T0, far ahead of any wall clock, so every stamp equals it exactly until
 * the test moves it with h_advance() (h_timer_fire moves it to the timer's
 * deadline). actor_now() in a handler is therefore fully scripted.
 *
 * The strategy under test (h->strat) is the first actor that is not a fake.
 * h_restart() stops cleanly (digests stored), reopens the journal, rebuilds
 * every actor and compares digests as stratd's drift check does; the clock
 * carries on from where it was.
 *
 * h_stop() releases everything (leak-free under ASan); h_tcase() gives a
 * test case its timeout and a temp-directory fixture that cleans up after
 * a test that died half-way.
 */
#ifndef STRATD_HARNESS_H
#define STRATD_HARNESS_H

#include <check.h>
#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "actor.h"
#include "hash.h"
#include "journal.h"
#include "log.h"
#include "meta.h"
#include "rebuild.h"
#include "runtime.h"
#include "service.h"
#include "topology.h"

#include "testutil.h"

#define H_T0 4000000000000000000ll   /* the harness clock's start (ns, year 2096) */
#define H_MS 1000000ll
#define H_S  1000000000ll
#define H_FIRST_LINE 6                /* line of the test's first strategy entry */
#define H_SYMBOL_MAX 32
#define H_MAX_ROUNDS 100000

/* ---- the fakes ------------------------------------------------------------ */

/* One message a fake received. Fields beyond the first four are set for the
 * message kinds named beside them. */
struct h_rec {
    int kind;                 /* Stratd__Msg kind_case */
    actor_ref from;
    uint64_t lsn;
    int64_t time_ns;
    char symbol[H_SYMBOL_MAX + 1];  /* SUBSCRIBE (one rec per symbol), ORDER_REQUEST */
    int side;                       /* ORDER_REQUEST: Stratd__Side */
    int64_t price, qty;             /* ORDER_REQUEST */
    uint64_t tag;                   /* ORDER_REQUEST; CANCEL_REQUEST: the order's */
    bool ioc;                       /* ORDER_REQUEST */
    uint64_t coid;                  /* ORDER_REQUEST: assigned (= its lsn);
                                       CANCEL_REQUEST: the one to cancel */
    int64_t leaves;                 /* ORDER_REQUEST: after the events sent */
    int64_t filled;                 /* ORDER_REQUEST: sum of the FILLs sent */
    uint64_t token;                 /* TIMER_REQUEST */
    int64_t fire_at_ns;             /* TIMER_REQUEST */
    bool done;                      /* ORDER_REQUEST: finished; TIMER_REQUEST: fired */
};

struct h_fake {
    struct actor *self;
    struct h_rec *v;
    size_t n, cap;
};

static inline void h_fake_init(struct actor *a, void *state, const void *params)
{
    struct h_fake *f = state;
    (void)params;
    f->self = a;
}

static inline struct h_rec *h_fake_push(struct h_fake *f, const struct msg *m)
{
    struct h_rec *r;

    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 32;
        f->v = realloc(f->v, f->cap * sizeof *f->v);
        if (!f->v)
            abort();
    }
    r = &f->v[f->n++];
    memset(r, 0, sizeof *r);
    r->kind = (int)m->body->kind_case;
    r->from = m->sender;
    r->lsn = m->lsn;
    r->time_ns = m->time_ns;
    return r;
}

/* The copy of its own answer: update the records (replayable, like a
 * service's state). */
static inline void h_fake_own(struct h_fake *f, const Stratd__Msg *b)
{
    for (size_t i = 0; i < f->n; i++) {
        struct h_rec *r = &f->v[i];
        if (b->kind_case == STRATD__MSG__KIND_ORDER_EVENT &&
            r->kind == STRATD__MSG__KIND_ORDER_REQUEST &&
            r->coid == b->order_event->client_order_id) {
            const Stratd__OrderEvent *ev = b->order_event;
            if (ev->kind == STRATD__ORDER_EVENT__KIND__FILL)
                r->filled += ev->qty;
            if (ev->kind == STRATD__ORDER_EVENT__KIND__FILL ||
                ev->kind == STRATD__ORDER_EVENT__KIND__ACK)
                r->leaves = ev->leaves;
            if (ev->kind == STRATD__ORDER_EVENT__KIND__CANCELED ||
                ev->kind == STRATD__ORDER_EVENT__KIND__REJECT)
                r->leaves = 0;
            r->done = r->leaves == 0;
        }
        if (b->kind_case == STRATD__MSG__KIND_TIMER_FIRED &&
            r->kind == STRATD__MSG__KIND_TIMER_REQUEST &&
            r->lsn == b->timer_fired->request_lsn)
            r->done = true;
    }
}

static inline void h_fake_on_message(struct actor *a, void *state, const struct msg *m)
{
    struct h_fake *f = state;
    const Stratd__Msg *b = m->body;
    struct h_rec *r;

    if (m->sender == actor_self(a)) {
        h_fake_own(f, b);
        return;
    }
    switch (b->kind_case) {
    case STRATD__MSG__KIND_SUBSCRIBE:
        for (size_t i = 0; i < b->subscribe->n_symbols; i++) {
            r = h_fake_push(f, m);
            snprintf(r->symbol, sizeof r->symbol, "%s", b->subscribe->symbols[i]);
        }
        break;
    case STRATD__MSG__KIND_ORDER_REQUEST:
        r = h_fake_push(f, m);
        snprintf(r->symbol, sizeof r->symbol, "%s", b->order_request->symbol);
        r->side = b->order_request->side;
        r->price = b->order_request->price;
        r->qty = r->leaves = b->order_request->qty;
        r->tag = b->order_request->tag;
        r->ioc = b->order_request->ioc;
        r->coid = m->lsn;
        break;
    case STRATD__MSG__KIND_CANCEL_REQUEST:
        r = h_fake_push(f, m);
        r->coid = b->cancel_request->client_order_id;
        for (size_t i = 0; i < f->n; i++)
            if (f->v[i].kind == STRATD__MSG__KIND_ORDER_REQUEST && f->v[i].coid == r->coid)
                r->tag = f->v[i].tag;
        break;
    case STRATD__MSG__KIND_TIMER_REQUEST:
        r = h_fake_push(f, m);
        r->token = b->timer_request->token;
        r->fire_at_ns = b->timer_request->fire_at_ns;
        break;
    default:
        h_fake_push(f, m);
        break;
    }
}

static inline uint64_t h_fake_digest(const void *state, uint64_t h)
{
    const struct h_fake *f = state;

    h = hash_u64(h, f->n);
    for (size_t i = 0; i < f->n; i++) {
        const struct h_rec *r = &f->v[i];
        h = hash_u64(h, (uint64_t)r->kind);
        h = hash_u64(h, actor_stable_key(f->self, r->from));
        h = hash_u64(h, r->lsn);
        h = hash_u64(h, (uint64_t)r->time_ns);
        h = hash_bytes(h, r->symbol, strlen(r->symbol));
        h = hash_u64(h, (uint64_t)r->side);
        h = hash_u64(h, (uint64_t)r->price);
        h = hash_u64(h, (uint64_t)r->qty);
        h = hash_u64(h, r->tag);
        h = hash_u64(h, r->coid);
        h = hash_u64(h, (uint64_t)r->leaves);
        h = hash_u64(h, (uint64_t)r->filled);
        h = hash_u64(h, r->token);
        h = hash_u64(h, (uint64_t)r->fire_at_ns);
        h = hash_u64(h, (uint64_t)r->ioc << 1 | r->done);
    }
    return h;
}

static inline void h_fake_stats(const void *state, struct stats *out)
{
    const struct h_fake *f = state;
    stats_uint(out, "received", f->n);
}

static inline void h_fake_release(void *state)
{
    struct h_fake *f = state;
    free(f->v);
}

#define H_FAKE_KIND(kname, krole)                                              \
    {                                                                          \
        .name = kname, .role = krole, .params = h_no_params,                   \
        .state_size = sizeof(struct h_fake), .init = h_fake_init,              \
        .on_message = h_fake_on_message, .digest = h_fake_digest,              \
        .stats = h_fake_stats, .release = h_fake_release,                      \
    }

/* The fake kinds, plus the test's own (NULL-terminated, may be NULL). */
static inline const struct actor_kind *const *h_kinds(const struct actor_kind *const *more)
{
    static const struct param_def h_no_params[] = {{NULL}};
    static const struct actor_kind fakes[] = {
        H_FAKE_KIND("fake_feed", "feed"),
        H_FAKE_KIND("fake_orders", "orders"),
        H_FAKE_KIND("fake_timer", "timer"),
    };
    static const struct actor_kind *all[16];
    size_t n = 0;

    for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++)
        all[n++] = &fakes[i];
    for (size_t i = 0; more && more[i] && n + 1 < sizeof all / sizeof all[0]; i++)
        all[n++] = more[i];
    all[n] = NULL;
    return all;
}

static inline bool h_is_fake(const struct actor_kind *k)
{
    return k->init == h_fake_init;
}

/* ---- temp directories ---------------------------------------------------------- */

/* Temp directories: testutil.h's (one base per test case, removed by its
 * teardown even when a test died half-way). */
#define h_rmrf tu_rmrf
#define h_mkdtemp tu_tmpdir
#define h_base_setup tu_base_setup
#define h_base_teardown tu_base_teardown

/* ---- the harness ------------------------------------------------------------------ */

struct harness {
    char dir[160], jpath[200], yaml[200];
    const struct actor_kind *const *kinds;
    struct topology topo;
    struct journal *j;
    uv_loop_t loop;
    struct runtime rt;
    bool topo_ok, loop_ok, rt_ok;
    actor_ref feed, orders, timer;   /* the fakes; ACTOR_REF_NONE when absent */
    struct actor *strat;             /* the strategy under test */
    size_t drifted;                  /* h_restart: actors whose digest differed */
    char *json;                      /* the last h_stats_json text */
};

static inline void h_noop(void *arg)
{
    (void)arg;
}

/* Write the topology file: the journal line, then body. */
static inline void h_write_yaml(const char *path, const char *jpath, const char *body)
{
    FILE *f = fopen(path, "w");

    ck_assert_msg(f != NULL, "cannot write %s", path);
    fprintf(f, "journal: { path: %s, fsync: none }\n%s", jpath, body);
    ck_assert_int_eq(fclose(f), 0);
}

/* body with the three fakes in front of the test's strategy entries. */
static inline char *h_wrap(const char *strategies)
{
    static const char fakes[] = "strategies:\n"
                                "  - { id: feed, kind: fake_feed }\n"
                                "  - { id: orders, kind: fake_orders }\n"
                                "  - { id: timer, kind: fake_timer }\n";
    size_t len = sizeof fakes + strlen(strategies);
    char *s = malloc(len);

    ck_assert_ptr_nonnull(s);
    snprintf(s, len, "%s%s", fakes, strategies);
    return s;
}

static inline void h_load(struct harness *h, const char *body)
{
    char err[1024];

    h_write_yaml(h->yaml, h->jpath, body);
    ck_assert_msg(topology_load(&h->topo, h->yaml, h->kinds, err, sizeof err) == 0,
                  "topology_load: %s", err);
    h->topo_ok = true;
}

/* Bring the runtime up over h->j: rebuild (a no-op on a new journal), the
 * clock at least at min_time, go live (Start queued for new actors). */
static inline void h_up(struct harness *h, bool fresh, int64_t min_time)
{
    char err[1024];
    struct meta m;

    /* On a brand-new journal the metadata is empty: built here rather than
     * by meta_load, which would qsort(NULL, 0, ...) (undefined; UBSan stops
     * the sanitizer build on it). */
    if (fresh)
        memset(&m, 0, sizeof m);
    else
        ck_assert_msg(meta_load(h->j, &m, err, sizeof err) == 0, "meta_load: %s", err);
    ck_assert_int_eq(uv_loop_init(&h->loop), 0);
    h->loop_ok = true;
    ck_assert_int_eq(runtime_init(&h->rt, &h->topo, h->j, &m, &h->loop), 0);
    h->rt_ok = true;
    /* The after-commit array must exist before the first runtime_commit,
     * which memmoves it even when empty (memmove(NULL, NULL, 0): UBSan). */
    if (h->rt.n_actors > 0)
        service_after_commit(&h->rt.actors[0], h_noop, NULL);
    ck_assert_msg(rebuild_run(&h->rt, NULL, NULL, err, sizeof err) == 0, "rebuild: %s", err);
    if (h->rt.last_time_ns < min_time)
        h->rt.last_time_ns = min_time;

    h->drifted = 0;
    for (size_t i = 0; h->rt.meta.clean && i < h->rt.n_actors; i++) {
        struct actor *a = &h->rt.actors[i];
        struct meta_actor *ma = meta_find_uuid(&h->rt.meta, a->uuid);
        if (!a->is_new && ma && ma->has_digest && ma->digest != runtime_digest(a)) {
            fprintf(stderr, "replay drift: actor '%s' (%s)\n", a->topo->id, a->kind->name);
            h->drifted++;
        }
    }

    h->feed = h->orders = h->timer = ACTOR_REF_NONE;
    h->strat = NULL;
    for (size_t i = 0; i < h->rt.n_actors; i++) {
        struct actor *a = &h->rt.actors[i];
        if (!h_is_fake(a->kind)) {
            if (!h->strat)
                h->strat = a;
        } else if (!strcmp(a->kind->role, "feed") && h->feed == ACTOR_REF_NONE) {
            h->feed = a->ref;
        } else if (!strcmp(a->kind->role, "orders") && h->orders == ACTOR_REF_NONE) {
            h->orders = a->ref;
        } else if (!strcmp(a->kind->role, "timer") && h->timer == ACTOR_REF_NONE) {
            h->timer = a->ref;
        }
    }
    ck_assert_int_eq(runtime_go_live(&h->rt), 0);
}

/* Run rounds, each committed, until every mailbox is empty. */
static inline void h_run(struct harness *h)
{
    for (int i = 0; i < H_MAX_ROUNDS; i++) {
        size_t n = runtime_round(&h->rt);
        ck_assert_int_eq(runtime_commit(&h->rt), 0);
        if (n == 0 && h->rt.runq_len == 0)
            return;
    }
    ck_abort_msg("mailboxes not empty after %d rounds (a message loop?)", H_MAX_ROUNDS);
}

/* Start with everything after the journal line given (`strategies:` and
 * the fakes wanted included); more: extra test kinds or NULL. */
static inline void h_start_raw_with(struct harness *h, const char *body,
                                    const struct actor_kind *const *more)
{
    char err[1024];

    memset(h, 0, sizeof *h);
    log_init(LOG_WARN);
    h->kinds = h_kinds(more);
    h_mkdtemp(h->dir, sizeof h->dir);
    snprintf(h->jpath, sizeof h->jpath, "%s/journal", h->dir);
    snprintf(h->yaml, sizeof h->yaml, "%s/topo.yaml", h->dir);
    h_load(h, body);
    h->j = journal_open(h->jpath, true, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(h->j != NULL, "journal_open: %s", err);
    h_up(h, true, H_T0);
    h_run(h);
}

static inline void h_start_raw(struct harness *h, const char *body)
{
    h_start_raw_with(h, body, NULL);
}

/* Start the three fakes and the given strategy entries (YAML list items,
 * each line "  - { id: ..., kind: ..., params: {...} }"). */
static inline void h_start(struct harness *h, const char *strategies)
{
    char *body = h_wrap(strategies);
    h_start_raw_with(h, body, NULL);
    free(body);
}

static inline void h_start_with(struct harness *h, const char *strategies,
                                const struct actor_kind *const *more)
{
    char *body = h_wrap(strategies);
    h_start_raw_with(h, body, more);
    free(body);
}

static inline void h_down(struct harness *h)
{
    if (h->rt_ok) {
        runtime_close_handles(&h->rt);
        uv_run(&h->loop, UV_RUN_DEFAULT);
        runtime_release(&h->rt);
        h->rt_ok = false;
    }
    if (h->loop_ok) {
        ck_assert_int_eq(uv_loop_close(&h->loop), 0);
        h->loop_ok = false;
    }
}

/* Release everything and remove the harness's directory. */
static inline void h_stop(struct harness *h)
{
    h_down(h);
    if (h->j)
        journal_close(h->j);
    h->j = NULL;
    if (h->topo_ok)
        topology_release(&h->topo);
    h->topo_ok = false;
    free(h->json);
    h->json = NULL;
    h_rmrf(h->dir);
}

/* A clean stop and a restart: runtime_stop stores every digest, the
 * journal is reopened, every actor rebuilt from it (h->drifted counts the
 * digests that differ) and brought live again. strategies: the new
 * strategy entries (the operator edited the YAML), or NULL for the same
 * topology. A new actor gets its Start; rebuilt ones do not. */
static inline void h_restart(struct harness *h, const char *strategies)
{
    char err[1024];
    int64_t last = h->rt.last_time_ns;

    ck_assert_int_eq(runtime_stop(&h->rt), 0);
    h_down(h);
    journal_close(h->j);
    h->j = NULL;
    if (strategies) {
        char *body = h_wrap(strategies);
        topology_release(&h->topo);
        h->topo_ok = false;
        h_load(h, body);
        free(body);
    }
    h->j = journal_open(h->jpath, false, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(h->j != NULL, "journal_open: %s", err);
    h_up(h, false, last);
    h_run(h);
}

/* ---- time ----------------------------------------------------------------------- */

/* The time the next message will be stamped with. */
static inline int64_t h_now(const struct harness *h)
{
    return h->rt.last_time_ns;
}

static inline void h_advance(struct harness *h, int64_t ns)
{
    ck_assert_int_ge(ns, 0);
    h->rt.last_time_ns += ns;
}

/* ---- stimuli ------------------------------------------------------------------------ */

static inline struct actor *h_actor(struct harness *h, const char *id)
{
    struct actor *a = runtime_by_id(&h->rt, id);
    ck_assert_msg(a != NULL, "no actor '%s'", id);
    return a;
}

static inline struct h_fake *h_fake(struct harness *h, actor_ref r)
{
    ck_assert_msg(r != ACTOR_REF_NONE, "this topology has no such fake");
    return h->rt.actors[r].state;
}

/* The fake feed sends Tick{seq, symbol, bid, ask, last = mid} to every
 * actor that subscribed to symbol (one send, as the real feeds do), then
 * runs. Returns the number of receivers. */
static inline size_t h_tick(struct harness *h, const char *symbol, uint64_t seq,
                            int64_t bid, int64_t ask)
{
    struct h_fake *f = h_fake(h, h->feed);
    Stratd__Tick t = STRATD__TICK__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    actor_ref to[64];
    size_t n = 0;

    for (size_t i = 0; i < f->n; i++) {
        const struct h_rec *r = &f->v[i];
        bool dup = false;
        if (r->kind != STRATD__MSG__KIND_SUBSCRIBE || strcmp(r->symbol, symbol))
            continue;
        for (size_t k = 0; k < n; k++)
            dup |= to[k] == r->from;
        if (!dup && n < sizeof to / sizeof to[0])
            to[n++] = r->from;
    }
    t.seq = seq;
    t.symbol = (char *)symbol;
    t.bid = bid;
    t.ask = ask;
    t.last = (bid + ask) / 2;
    t.size = 1;
    m.kind_case = STRATD__MSG__KIND_TICK;
    m.tick = &t;
    if (n > 0)
        actor_send_many(f->self, to, n, &m);
    h_run(h);
    return n;
}

/* Records of kind `kind` held by fake r: how many, and the i-th. */
static inline size_t h_count(struct harness *h, actor_ref r, int kind)
{
    struct h_fake *f = h_fake(h, r);
    size_t n = 0;

    for (size_t i = 0; i < f->n; i++)
        n += f->v[i].kind == kind;
    return n;
}

static inline const struct h_rec *h_nth(struct harness *h, actor_ref r, int kind, size_t nth)
{
    struct h_fake *f = h_fake(h, r);
    size_t k = 0;

    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].kind == kind && k++ == nth)
            return &f->v[i];
    ck_abort_msg("fake '%s' has no record #%zu of that kind", h->rt.actors[r].topo->id, nth);
    return NULL;
}

/* The OrderRequests the orders fake received, in order. */
static inline size_t h_n_orders(struct harness *h)
{
    return h_count(h, h->orders, STRATD__MSG__KIND_ORDER_REQUEST);
}

static inline const struct h_rec *h_order(struct harness *h, size_t i)
{
    return h_nth(h, h->orders, STRATD__MSG__KIND_ORDER_REQUEST, i);
}

static inline const struct h_rec *h_last_order(struct harness *h)
{
    size_t n = h_n_orders(h);
    ck_assert_msg(n > 0, "no order was sent");
    return h_order(h, n - 1);
}

/* The CancelRequests (coid, and the tag of the order it names). */
static inline size_t h_n_cancels(struct harness *h)
{
    return h_count(h, h->orders, STRATD__MSG__KIND_CANCEL_REQUEST);
}

static inline const struct h_rec *h_cancel_req(struct harness *h, size_t i)
{
    return h_nth(h, h->orders, STRATD__MSG__KIND_CANCEL_REQUEST, i);
}

/* The TimerRequests the timer fake received. */
static inline size_t h_n_timers(struct harness *h)
{
    return h_count(h, h->timer, STRATD__MSG__KIND_TIMER_REQUEST);
}

static inline const struct h_rec *h_timer(struct harness *h, size_t i)
{
    return h_nth(h, h->timer, STRATD__MSG__KIND_TIMER_REQUEST, i);
}

/* The Subscribes the feed fake received (one record per symbol). */
static inline size_t h_n_subs(struct harness *h)
{
    return h_count(h, h->feed, STRATD__MSG__KIND_SUBSCRIBE);
}

static inline const struct h_rec *h_sub(struct harness *h, size_t i)
{
    return h_nth(h, h->feed, STRATD__MSG__KIND_SUBSCRIBE, i);
}

/* The most recent order with this tag; tag 0: the last order. */
static inline const struct h_rec *h_order_by_tag(struct harness *h, uint64_t tag)
{
    struct h_fake *f = h_fake(h, h->orders);

    for (size_t i = f->n; i-- > 0;)
        if (f->v[i].kind == STRATD__MSG__KIND_ORDER_REQUEST && (tag == 0 || f->v[i].tag == tag))
            return &f->v[i];
    ck_abort_msg("no order with tag %llu", (unsigned long long)tag);
    return NULL;
}

/* The orders fake answers the order with `tag` (0: the last order) with an
 * OrderEvent: kind, qty, leaves as given; price is the fill price (FILL);
 * symbol, side, limit price and client order id are the order's. */
static inline void h_event(struct harness *h, Stratd__OrderEvent__Kind kind, uint64_t tag,
                           int64_t qty, int64_t price, int64_t leaves)
{
    const struct h_rec *o = h_order_by_tag(h, tag);
    struct h_fake *f = h_fake(h, h->orders);
    Stratd__OrderEvent ev = STRATD__ORDER_EVENT__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    char symbol[H_SYMBOL_MAX + 1];
    actor_ref to[2];

    snprintf(symbol, sizeof symbol, "%s", o->symbol);
    ev.kind = kind;
    ev.client_order_id = o->coid;
    ev.tag = o->tag;
    ev.symbol = symbol;
    ev.side = (Stratd__Side)o->side;
    ev.price = o->price;
    ev.qty = qty;
    ev.leaves = leaves;
    if (kind == STRATD__ORDER_EVENT__KIND__FILL)
        ev.fill_price = price;
    if (kind == STRATD__ORDER_EVENT__KIND__REJECT)
        ev.reason = (char *)"rejected by the test";
    m.kind_case = STRATD__MSG__KIND_ORDER_EVENT;
    m.order_event = &ev;
    to[0] = o->from;
    to[1] = f->self->ref;
    actor_send_many(f->self, to, 2, &m);
    h_run(h);
}

static inline void h_ack(struct harness *h, uint64_t tag)
{
    const struct h_rec *o = h_order_by_tag(h, tag);
    h_event(h, STRATD__ORDER_EVENT__KIND__ACK, tag, o->qty, 0, o->leaves);
}

/* A fill of qty at price; leaves follow from what was filled before. */
static inline void h_fill(struct harness *h, uint64_t tag, int64_t qty, int64_t price)
{
    const struct h_rec *o = h_order_by_tag(h, tag);
    ck_assert_int_le(qty, o->leaves);
    h_event(h, STRATD__ORDER_EVENT__KIND__FILL, tag, qty, price, o->leaves - qty);
}

static inline void h_canceled(struct harness *h, uint64_t tag)
{
    h_event(h, STRATD__ORDER_EVENT__KIND__CANCELED, tag, 0, 0, 0);
}

static inline void h_reject(struct harness *h, uint64_t tag)
{
    h_event(h, STRATD__ORDER_EVENT__KIND__REJECT, tag, 0, 0, 0);
}

/* Fire timer request #i (in the order requested): the clock moves to its
 * deadline if that is ahead, and TimerFired goes to its owner. */
static inline void h_fire(struct harness *h, size_t i)
{
    const struct h_rec *r = h_timer(h, i);
    struct h_fake *f = h_fake(h, h->timer);
    Stratd__TimerFired tf = STRATD__TIMER_FIRED__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    actor_ref to[2];

    ck_assert_msg(!r->done, "timer #%zu has fired already", i);
    if (r->fire_at_ns > h->rt.last_time_ns)
        h->rt.last_time_ns = r->fire_at_ns;
    tf.token = r->token;
    tf.fire_at_ns = r->fire_at_ns;
    tf.request_lsn = r->lsn;
    m.kind_case = STRATD__MSG__KIND_TIMER_FIRED;
    m.timer_fired = &tf;
    to[0] = r->from;
    to[1] = f->self->ref;
    actor_send_many(f->self, to, 2, &m);
    h_run(h);
}

/* Fire the pending timer with this token (the first requested). */
static inline void h_timer_fire(struct harness *h, uint64_t token)
{
    size_t n = h_n_timers(h);

    for (size_t i = 0; i < n; i++)
        if (h_timer(h, i)->token == token && !h_timer(h, i)->done) {
            h_fire(h, i);
            return;
        }
    ck_abort_msg("no pending timer with token %llu", (unsigned long long)token);
}

/* Fire the pending timer with the earliest deadline; false if none. */
static inline bool h_timer_fire_next(struct harness *h)
{
    size_t n = h_n_timers(h), best = SIZE_MAX;

    for (size_t i = 0; i < n; i++) {
        const struct h_rec *r = h_timer(h, i);
        if (!r->done && (best == SIZE_MAX || r->fire_at_ns < h_timer(h, best)->fire_at_ns))
            best = i;
    }
    if (best == SIZE_MAX)
        return false;
    h_fire(h, best);
    return true;
}

/* ---- what the strategy shows ----------------------------------------------------- */

/* The stats object of actor a (the strategy under test when NULL), as
 * compact JSON. Valid until the next call or h_stop. */
static inline const char *h_stats_json_of(struct harness *h, struct actor *a)
{
    struct stats st = STATS_INIT;

    if (!a)
        a = h->strat;
    ck_assert_msg(a != NULL, "the topology has no strategy besides the fakes");
    runtime_stats(a, &st);
    free(h->json);
    h->json = tu_stats_json(&st);
    stats_release(&st);
    return h->json;
}

static inline const char *h_stats_json(struct harness *h)
{
    return h_stats_json_of(h, NULL);
}

/* The number after "key": in the stats (the first such key). */
static inline double h_stat(struct harness *h, const char *key)
{
    const char *js = h_stats_json(h), *p;
    char pat[80];

    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(js, pat);
    ck_assert_msg(p != NULL, "no '%s' in stats %s", key, js);
    return strtod(p + strlen(pat), NULL);
}

static inline int64_t h_stat_int(struct harness *h, const char *key)
{
    const char *js = h_stats_json(h), *p;
    char pat[80];

    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(js, pat);
    ck_assert_msg(p != NULL, "no '%s' in stats %s", key, js);
    return strtoll(p + strlen(pat), NULL, 10);
}

static inline uint64_t h_digest(struct harness *h)
{
    ck_assert_msg(h->strat != NULL, "the topology has no strategy besides the fakes");
    return runtime_digest(h->strat);
}

/* ---- config errors --------------------------------------------------------------- */

/* Load body (everything after the journal line) and return 0 if it is
 * valid; else -1 with the error in out as "topo.yaml:LINE:COL: message"
 * (the temp directory taken off the file name). */
static inline int h_config_error_raw(const char *body, char *out, size_t len)
{
    char dir[160], path[200], jpath[200], err[1024];
    struct topology t;
    size_t skip;
    int rc;

    log_init(LOG_WARN);
    h_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/topo.yaml", dir);
    snprintf(jpath, sizeof jpath, "%s/journal", dir);
    h_write_yaml(path, jpath, body);
    rc = topology_load(&t, path, h_kinds(NULL), err, sizeof err);
    if (rc == 0) {
        topology_release(&t);
        snprintf(out, len, "(no error)");
    } else {
        skip = strlen(dir) + 1;
        snprintf(out, len, "%s", strncmp(err, dir, skip - 1) == 0 ? err + skip : err);
    }
    h_rmrf(dir);
    return rc == 0 ? 0 : -1;
}

/* The same with the three fakes in front: the strategies' first line is
 * line H_FIRST_LINE. */
static inline int h_config_error(const char *strategies, char *out, size_t len)
{
    char *body = h_wrap(strategies);
    int rc = h_config_error_raw(body, out, len);
    free(body);
    return rc;
}

#define h_assert_config_error(strategies, expected)                            \
    do {                                                                       \
        char e_[1024];                                                         \
        ck_assert_msg(h_config_error((strategies), e_, sizeof e_) != 0,        \
                      "the topology loaded; expected: %s", (expected));        \
        ck_assert_str_eq(e_, (expected));                                      \
    } while (0)

#define h_assert_config_error_raw(body, expected)                              \
    do {                                                                       \
        char e_[1024];                                                         \
        ck_assert_msg(h_config_error_raw((body), e_, sizeof e_) != 0,          \
                      "the topology loaded; expected: %s", (expected));        \
        ck_assert_str_eq(e_, (expected));                                      \
    } while (0)

/* Order #i is (side, price, qty). */
#define h_assert_order(h, i, side_, price_, qty_)                              \
    do {                                                                       \
        const struct h_rec *o_ = h_order((h), (i));                            \
        ck_assert_int_eq(o_->side, (side_));                                   \
        ck_assert_int_eq(o_->price, (price_));                                 \
        ck_assert_int_eq(o_->qty, (qty_));                                     \
    } while (0)

/* ---- Check plumbing: testutil.h's (timeout, temp directory fixture, fork
 * mode, CK_NORMAL) ---- */

#define h_tcase tu_tcase
#define h_run_suite tu_run

#endif
