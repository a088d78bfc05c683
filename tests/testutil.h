/*
 * testutil.h — helpers shared by the core unit tests (journal, runtime,
 * rng, rebuild): temp directories, journal entries built by hand, a
 * test-only strategy kind ("recorder") and a small rig that brings a
 * runtime up over a temp journal and takes it down again leak-free.
 *
 * Header-only: everything is static inline (or a static object inside one),
 * so a test file that does not use a helper gets no unused-symbol warning.
 */
#ifndef STRATD_TESTUTIL_H
#define STRATD_TESTUTIL_H

#include <check.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "actor.h"
#include "journal.h"
#include "json.h"
#include "meta.h"
#include "runtime.h"
#include "service.h"
#include "topology.h"

/* The daemon's stats sink; a plain "stats.h" here would find the strategy
 * API's include/stratd/stats.h first. */
#include "../daemon/stats.h"

/* ---- temp directories ---------------------------------------------------- */

/* One base directory per test case, made by tu_base_setup in the Check
 * parent (an unchecked fixture) and removed by tu_base_teardown even when a
 * test failed half-way; each test makes its own directory under it. */
static inline char *tu_base(void)
{
    static char base[128];
    return base;
}

static inline int tu_rm_one(const char *path, const struct stat *st, int flag,
                            struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* rm -rf path */
static inline void tu_rmrf(const char *path)
{
    if (path && *path)
        nftw(path, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void tu_base_setup(void)
{
    snprintf(tu_base(), 128, "/tmp/stratd-unit-XXXXXX");
    if (!mkdtemp(tu_base())) {
        perror("mkdtemp");
        abort();
    }
}

static inline void tu_base_teardown(void)
{
    tu_rmrf(tu_base());
    tu_base()[0] = '\0';
}

/* A fresh directory (under the base when there is one) into out. */
static inline void tu_tmpdir(char *out, size_t len)
{
    snprintf(out, len, "%s/t-XXXXXX", tu_base()[0] ? tu_base() : "/tmp");
    ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp %s failed", out);
}

static inline void tu_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- journal entries built by hand ----------------------------------------- */

/* Pack an Entry (time, sender number, receivers, Poke{value}) into a
 * malloc'd buffer; returns its length. */
static inline size_t tu_pack_poke(uint8_t **out, int64_t time_ns, uint32_t sender,
                                  const uint32_t *receivers, size_t n, uint64_t value)
{
    Stratd__Entry pe = STRATD__ENTRY__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    Stratd__Poke p = STRATD__POKE__INIT;
    size_t len;

    p.value = value;
    m.kind_case = STRATD__MSG__KIND_POKE;
    m.poke = &p;
    pe.time_ns = time_ns;
    pe.sender = sender;
    pe.n_receivers = n;
    pe.receivers = (uint32_t *)receivers;
    pe.msg = &m;
    len = stratd__entry__get_packed_size(&pe);
    *out = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(*out);
    ck_assert_uint_eq(stratd__entry__pack(&pe, *out), len);
    return len;
}

/* Append one Poke entry to the journal's pending batch. */
static inline void tu_append_poke(struct journal *j, uint64_t lsn, int64_t time_ns,
                                  uint32_t sender, const uint32_t *receivers,
                                  size_t n, uint64_t value)
{
    uint8_t *buf;
    size_t len = tu_pack_poke(&buf, time_ns, sender, receivers, n, value);
    journal_append(j, lsn, buf, len);
    free(buf);
}

/* An in-memory entry carrying Poke{value}, with `refs` references (one per
 * runtime_enqueue it is meant for). */
static inline struct entry *tu_entry(uint64_t lsn, int64_t time_ns, actor_ref sender,
                                     uint64_t value, uint32_t refs)
{
    struct entry *e = calloc(1, sizeof *e);
    uint8_t *buf;
    size_t len = tu_pack_poke(&buf, time_ns, 0, NULL, 0, value);

    ck_assert_ptr_nonnull(e);
    e->lsn = lsn;
    e->time_ns = time_ns;
    e->sender = sender;
    e->refs = refs;
    e->pb = stratd__entry__unpack(NULL, len, buf);
    free(buf);
    ck_assert_ptr_nonnull(e->pb);
    return e;
}

/* Send Poke{value} from actor `from` to n actors (as a service would from a
 * libuv callback): journaled at once, one entry for all receivers. */
static inline void tu_send_poke(struct actor *from, const actor_ref *to, size_t n,
                                uint64_t value)
{
    Stratd__Msg m = STRATD__MSG__INIT;
    Stratd__Poke p = STRATD__POKE__INIT;

    p.value = value;
    m.kind_case = STRATD__MSG__KIND_POKE;
    m.poke = &p;
    actor_send_many(from, to, n, &m);
}

/* ---- the "recorder" strategy kind ----------------------------------------
 *
 * Records every Poke it handles (value, lsn, the message's time, actor_now()
 * at that moment, the sender's stable key) and draws one number from its rng
 * per Poke. A Poke whose value is below REC_FWD is forwarded, as
 * Poke{value + REC_FWD}, to its peers (params `peer`, `peer2`, both
 * optional) with ONE send to all of them; forwarded values are not forwarded
 * again. Start is counted. The state is flat, so the runtime's default
 * digest (the state's bytes + rng) covers all of it. */

#define REC_MAX 2048
#define REC_FWD 1000000u

struct rec_item {
    uint64_t value, lsn;
    int64_t time_ns, now_ns;
    uint64_t sender_key;
};

struct rec_state {
    uint64_t n, overflow;
    uint64_t started;
    uint64_t rand_acc;
    struct rec_item items[REC_MAX];
};

struct rec_params {
    actor_ref peer, peer2;
    int64_t tag;
};

static inline void rec_on_start(struct actor *a, void *state)
{
    struct rec_state *s = state;
    (void)a;
    s->started++;
}

static inline void rec_on_message(struct actor *a, void *state, const struct msg *m)
{
    const struct rec_params *p = actor_params(a);
    struct rec_state *s = state;
    actor_ref to[2];
    size_t n = 0;
    uint64_t v;

    if (m->body->kind_case != STRATD__MSG__KIND_POKE)
        return;
    v = m->body->poke->value;
    if (s->n < REC_MAX) {
        struct rec_item *it = &s->items[s->n];
        it->value = v;
        it->lsn = m->lsn;
        it->time_ns = m->time_ns;
        it->now_ns = actor_now(a);
        it->sender_key = m->sender == ACTOR_REF_NONE ? 0 : actor_stable_key(a, m->sender);
        s->n++;
    } else {
        s->overflow++;
    }
    s->rand_acc = s->rand_acc * 31 + actor_rand(a);
    if (v >= REC_FWD)
        return;
    if (p->peer != ACTOR_REF_NONE)
        to[n++] = p->peer;
    if (p->peer2 != ACTOR_REF_NONE)
        to[n++] = p->peer2;
    if (n > 0)
        tu_send_poke(a, to, n, v + REC_FWD);
}

static inline const struct actor_kind *recorder_kind(void)
{
    static const struct param_def params[] = {
        {"peer", PARAM_REF, 0, 0, 0, NULL, offsetof(struct rec_params, peer), NULL},
        {"peer2", PARAM_REF, 0, 0, 0, NULL, offsetof(struct rec_params, peer2), NULL},
        {"tag", PARAM_INT, 0, 0, 1000000, NULL, offsetof(struct rec_params, tag), "0"},
        {NULL},
    };
    static const struct actor_kind kind = {
        .name = "recorder",
        .params = params,
        .params_size = sizeof(struct rec_params),
        .state_size = sizeof(struct rec_state),
        .on_start = rec_on_start,
        .on_message = rec_on_message,
    };
    return &kind;
}

static inline struct rec_state *rec_state_of(struct runtime *rt, const char *id)
{
    struct actor *a = runtime_by_id(rt, id);
    ck_assert_msg(a != NULL, "no actor '%s'", id);
    return a->state;
}

/* ---- a runtime over a temp journal ----------------------------------------- */

struct tu_rig {
    char dir[160];
    char jpath[200];
    char yaml[200];
    struct topology topo;
    struct journal *j;
    uv_loop_t loop;
    bool loop_ok, rt_ok;
    struct runtime rt;
};

static inline void tu_meta_load(struct journal *j, struct meta *m)
{
    char err[256];
    ck_assert_msg(meta_load(j, m, err, sizeof err) == 0, "meta_load: %s", err);
}

/* Bring up a runtime (not yet rebuilt nor live) over r->j. */
static inline void tu_rig_up(struct tu_rig *r)
{
    struct meta m;

    tu_meta_load(r->j, &m);
    ck_assert_int_eq(uv_loop_init(&r->loop), 0);
    r->loop_ok = true;
    ck_assert_int_eq(runtime_init(&r->rt, &r->topo, r->j, &m, &r->loop), 0);
    r->rt_ok = true;
}

/* Take the runtime down: handles closed, loop run to finish them, runtime
 * released, loop closed (which fails if a handle was left open). */
static inline void tu_rig_down(struct tu_rig *r)
{
    if (r->rt_ok) {
        runtime_close_handles(&r->rt);
        uv_run(&r->loop, UV_RUN_DEFAULT);
        runtime_release(&r->rt);
        r->rt_ok = false;
    }
    if (r->loop_ok) {
        ck_assert_int_eq(uv_loop_close(&r->loop), 0);
        r->loop_ok = false;
    }
}

/* Write the rig's topology file with `strategies` (YAML list items, each
 * line starting with "  - ") and load it with the recorder kind. */
static inline void tu_rig_topology(struct tu_rig *r, const char *strategies)
{
    const struct actor_kind *kinds[] = {recorder_kind(), NULL};
    char err[512], *text;
    size_t len;

    len = strlen(strategies) + strlen(r->jpath) + 128;
    text = malloc(len);
    ck_assert_ptr_nonnull(text);
    snprintf(text, len, "journal: { path: %s, fsync: none }\nstrategies:\n%s",
             r->jpath, strategies);
    tu_write_file(r->yaml, text);
    free(text);
    ck_assert_msg(topology_load(&r->topo, r->yaml, kinds, err, sizeof err) == 0,
                  "topology_load: %s", err);
}

/* A fresh temp dir, its topology, its journal (created), a runtime up. */
static inline void tu_rig_open(struct tu_rig *r, const char *strategies)
{
    char err[512];

    memset(r, 0, sizeof *r);
    tu_tmpdir(r->dir, sizeof r->dir);
    snprintf(r->jpath, sizeof r->jpath, "%s/journal", r->dir);
    snprintf(r->yaml, sizeof r->yaml, "%s/topo.yaml", r->dir);
    tu_rig_topology(r, strategies);
    r->j = journal_open(r->jpath, true, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(r->j != NULL, "journal_open: %s", err);
    tu_rig_up(r);
}

/* A restart: runtime down, journal closed and reopened, a fresh runtime up
 * (not rebuilt yet). The pending batch, if any, is lost as in a crash. */
static inline void tu_rig_restart(struct tu_rig *r)
{
    char err[512];

    tu_rig_down(r);
    journal_close(r->j);
    r->j = journal_open(r->jpath, false, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(r->j != NULL, "journal_open: %s", err);
    tu_rig_up(r);
}

/* A restart with another topology (the operator edited the YAML). */
static inline void tu_rig_restart_with(struct tu_rig *r, const char *strategies)
{
    char err[512];

    tu_rig_down(r);
    journal_close(r->j);
    topology_release(&r->topo);
    tu_rig_topology(r, strategies);
    r->j = journal_open(r->jpath, false, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(r->j != NULL, "journal_open: %s", err);
    tu_rig_up(r);
}

static inline void tu_rig_close(struct tu_rig *r)
{
    tu_rig_down(r);
    journal_close(r->j);
    r->j = NULL;
    topology_release(&r->topo);
    tu_rmrf(r->dir);
}

/* Number of journal entries with lsn >= from. */
static inline size_t tu_count_entries(struct journal *j, uint64_t from)
{
    struct journal_iter *it = journal_scan(j, from);
    const uint8_t *val;
    uint64_t lsn;
    size_t len, n = 0;

    while (journal_iter_next(it, &lsn, &val, &len))
        n++;
    journal_iter_free(it);
    return n;
}

/* ---- stats -------------------------------------------------------------- */

/* The figures in st as one compact JSON object, as `stratctl actors --json`
 * shows them under "stats" (the JSON renderer's output). Caller frees. */
static inline char *tu_stats_json(const struct stats *st)
{
    struct json j;

    json_init(&j);
    json_obj_begin(&j);
    stats_render_json(st, &j);
    json_obj_end(&j);
    return json_take(&j);
}

/* ---- Check ----------------------------------------------------------------- */

/* A Check suite with one test case, the common settings applied. */
static inline TCase *tu_tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
    suite_add_tcase(s, tc);
    return tc;
}

static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
