/*
 * test_runtime.c — mailboxes, the fair scheduler, the send path and the
 * group commit (runtime.h), driven directly: entries are enqueued by hand or
 * sent as a service would, rounds and commits are called one by one, and
 * the journal and its metadata are read back to see what was written.
 *
 * The actors are "recorder"s (testutil.h): they record every Poke and
 * forward Pokes below REC_FWD to their peers.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hash.h"
#include "log.h"
#include "metrics.h"
#include "rebuild.h"
#include "runtime.h"
#include "service.h"
#include "uuid.h"

#include "testutil.h"

/* a -> c; fan -> b and c (one send); b and c forward to nobody */
static const char *const actors_yaml =
    "  - { id: a, kind: recorder, params: { peer: c } }\n"
    "  - { id: b, kind: recorder }\n"
    "  - { id: c, kind: recorder }\n"
    "  - { id: fan, kind: recorder, params: { peer: b, peer2: c, tag: 7 } }\n";

enum { A, B, C, FAN };

static struct actor *act(struct tu_rig *r, int i)
{
    ck_assert_uint_lt((size_t)i, r->rt.n_actors);
    return &r->rt.actors[i];
}

static struct rec_state *st(struct tu_rig *r, int i)
{
    return act(r, i)->state;
}

/* The entry at position i of a's mailbox (0 = next to be handled). */
static struct entry *mbox_at(const struct actor *a, size_t i)
{
    ck_assert_uint_lt(i, a->mbox.len);
    return a->mbox.v[(a->mbox.head + i) % a->mbox.cap];
}

static void enqueue_pokes(struct actor *a, uint64_t from, uint64_t to)
{
    for (uint64_t v = from; v <= to; v++)
        runtime_enqueue(a, tu_entry(v, (int64_t)(1000 + v), ACTOR_REF_NONE, v, 1));
}

/* Decoded journal entry lsn (caller frees with stratd__entry__free_unpacked). */
static Stratd__Entry *read_entry(struct journal *j, uint64_t lsn)
{
    struct journal_iter *it = journal_scan(j, lsn);
    Stratd__Entry *pe = NULL;
    const uint8_t *val;
    uint64_t got;
    size_t len;

    if (journal_iter_next(it, &got, &val, &len) && got == lsn)
        pe = stratd__entry__unpack(NULL, len, val);
    journal_iter_free(it);
    return pe;
}

static struct meta_actor *meta_of(struct meta *m, const char *id)
{
    struct meta_actor *ma = meta_find_id(m, id);
    ck_assert_msg(ma != NULL, "no metadata for '%s'", id);
    return ma;
}

/* go_live, then one round and one commit: every recorder has its Start. */
static void live_and_started(struct tu_rig *r)
{
    ck_assert_int_eq(runtime_go_live(&r->rt), 0);
    runtime_round(&r->rt);
    ck_assert_int_eq(runtime_commit(&r->rt), 0);
    for (size_t i = 0; i < r->rt.n_actors; i++)
        ck_assert_uint_eq(st(r, (int)i)->started, 1);
}

/* ---- mailboxes ------------------------------------------------------------------- */

START_TEST(test_mailbox_fifo_wraparound)
{
    struct tu_rig r;
    struct actor *b;
    struct rec_state *s;

    tu_rig_open(&r, actors_yaml);
    b = act(&r, B);
    s = b->state;
    r.rt.batch_per_turn = 5;

    enqueue_pokes(b, 1, 10);
    ck_assert_uint_eq(b->mbox.cap, 16);
    ck_assert_uint_eq(b->mbox.len, 10);
    ck_assert(b->in_runq);
    ck_assert_uint_eq(runtime_round(&r.rt), 5);
    ck_assert_uint_eq(b->mbox.head, 5);
    ck_assert_uint_eq(s->n, 5);

    /* fill past the end of the ring: slot 0 is reused */
    enqueue_pokes(b, 11, 21);
    ck_assert_uint_eq(b->mbox.cap, 16);
    ck_assert_uint_eq(b->mbox.len, 16);
    ck_assert_uint_eq(b->mbox.head, 5);
    ck_assert_uint_eq(b->mbox.v[0]->lsn, 17);
    ck_assert_uint_eq(b->mbox.v[4]->lsn, 21);
    ck_assert_uint_eq(b->mbox.v[5]->lsn, 6);
    /* and grow while wrapped: the order is kept */
    enqueue_pokes(b, 22, 40);
    ck_assert_uint_eq(b->mbox.cap, 64);
    ck_assert_uint_eq(b->mbox.len, 35);
    for (size_t i = 0; i < b->mbox.len; i++)
        ck_assert_uint_eq(mbox_at(b, i)->lsn, 6 + i);
    ck_assert_uint_ge(r.rt.mailbox_max, 35);

    r.rt.batch_per_turn = 64;
    ck_assert_uint_eq(runtime_round(&r.rt), 35);
    ck_assert_uint_eq(b->mbox.len, 0);
    ck_assert(!b->in_runq);
    ck_assert_uint_eq(runtime_round(&r.rt), 0);
    ck_assert_uint_eq(s->n, 40);
    for (uint64_t i = 0; i < 40; i++) {
        ck_assert_uint_eq(s->items[i].value, i + 1);
        ck_assert_uint_eq(s->items[i].lsn, i + 1);
        ck_assert_int_eq(s->items[i].now_ns, (int64_t)(1001 + i));
    }
    /* a live delivery moves the watermark to the last lsn handled */
    ck_assert_uint_eq(b->watermark, 40);
    ck_assert_uint_eq(b->handled, 40);
    ck_assert_uint_eq(r.rt.delivered, 40);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_release_frees_queued_mail)
{
    /* entries left in mailboxes (one shared by two) are freed by
     * runtime_release: LeakSanitizer checks it under make asan */
    struct tu_rig r;
    struct entry *e;

    tu_rig_open(&r, actors_yaml);
    enqueue_pokes(act(&r, B), 1, 100);
    e = tu_entry(101, 2000, ACTOR_REF_NONE, 5, 2);
    runtime_enqueue(act(&r, B), e);
    runtime_enqueue(act(&r, C), e);
    ck_assert_uint_eq(act(&r, B)->mbox.len, 101);
    ck_assert_uint_eq(act(&r, C)->mbox.len, 1);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_entry_new_refs)
{
    /* the one constructor of the send path and of rebuild: fields from the
     * packed bytes, one reference for the caller, one per mailbox */
    struct tu_rig r;
    struct entry *e;
    uint32_t rcv[2] = {2, 3};
    uint8_t *buf;
    size_t len = tu_pack_poke(&buf, 4242, 1, rcv, 2, 77);

    tu_rig_open(&r, actors_yaml);
    e = runtime_entry_new(9, A, buf, len);
    free(buf);   /* borrowed: the entry keeps its own decoded copy */
    ck_assert_uint_eq(e->lsn, 9);
    ck_assert_int_eq(e->time_ns, 4242);
    ck_assert_uint_eq(e->sender, A);
    ck_assert_uint_eq(e->refs, 1);
    ck_assert_uint_eq(e->pb->n_receivers, 2);
    ck_assert_int_eq(e->pb->msg->kind_case, STRATD__MSG__KIND_POKE);
    ck_assert_uint_eq(e->pb->msg->poke->value, 77);
    e->refs++;
    runtime_enqueue(act(&r, B), e);
    e->refs++;
    runtime_enqueue(act(&r, C), e);
    runtime_entry_unref(e);
    ck_assert_uint_eq(e->refs, 2);
    ck_assert_uint_eq(runtime_round(&r.rt), 2);   /* each delivery drops one */
    ck_assert_uint_eq(st(&r, B)->items[0].value, 77);
    ck_assert_uint_eq(st(&r, C)->items[0].sender_key, act(&r, A)->stable_key);
    tu_rig_close(&r);
}
END_TEST

/* ---- the scheduler ------------------------------------------------------------- */

static void check_fairness(bool big_first)
{
    struct tu_rig r;
    struct actor *big, *small;
    size_t rounds = 0, handled;

    tu_rig_open(&r, actors_yaml);
    ck_assert_uint_eq(r.rt.batch_per_turn, 64);
    big = act(&r, B);
    small = act(&r, C);
    if (big_first) {
        enqueue_pokes(big, 1, 1000);
        enqueue_pokes(small, 1001, 1003);
    } else {
        enqueue_pokes(small, 1001, 1003);
        enqueue_pokes(big, 1, 1000);
    }
    ck_assert_uint_eq(r.rt.runq_len, 2);

    handled = runtime_round(&r.rt);
    ck_assert_uint_eq(handled, 64 + 3);
    ck_assert_uint_eq(((struct rec_state *)big->state)->n, 64);
    ck_assert_uint_eq(((struct rec_state *)small->state)->n, 3);
    ck_assert_uint_eq(big->mbox.len, 936);
    ck_assert(big->in_runq);
    ck_assert(!small->in_runq);
    ck_assert_uint_eq(r.rt.runq_len, 1);
    rounds = 1;

    /* then 64 per round until drained: ceil(1000 / 64) rounds in all */
    while ((handled = runtime_round(&r.rt)) > 0) {
        ck_assert_uint_le(handled, 64);
        rounds++;
    }
    ck_assert_uint_eq(rounds, 16);
    ck_assert_uint_eq(((struct rec_state *)big->state)->n, 1000);
    for (uint64_t i = 0; i < 1000; i++)
        ck_assert_uint_eq(((struct rec_state *)big->state)->items[i].value, i + 1);
    ck_assert_uint_eq(r.rt.runq_len, 0);
    ck_assert_uint_eq(r.rt.mailbox_max, 1000);
    tu_rig_close(&r);
}

START_TEST(test_fairness_big_first)
{
    check_fairness(true);
}
END_TEST

START_TEST(test_fairness_small_first)
{
    check_fairness(false);
}
END_TEST

START_TEST(test_batch_per_turn_setting)
{
    struct tu_rig r;

    tu_rig_open(&r, actors_yaml);
    r.rt.batch_per_turn = 1;
    enqueue_pokes(act(&r, B), 1, 3);
    enqueue_pokes(act(&r, C), 4, 6);
    /* strict alternation, one each per round */
    for (int round = 1; round <= 3; round++) {
        ck_assert_uint_eq(runtime_round(&r.rt), 2);
        ck_assert_uint_eq(st(&r, B)->n, (uint64_t)round);
        ck_assert_uint_eq(st(&r, C)->n, (uint64_t)round);
    }
    ck_assert_uint_eq(runtime_round(&r.rt), 0);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_sent_during_round_waits)
{
    struct tu_rig r;
    struct rec_state *sc;
    uint64_t lsn0;

    tu_rig_open(&r, actors_yaml);
    sc = st(&r, C);
    lsn0 = r.rt.next_lsn;
    enqueue_pokes(act(&r, A), 5, 5);   /* a forwards it to c */

    ck_assert_uint_eq(runtime_round(&r.rt), 1);
    ck_assert_uint_eq(st(&r, A)->n, 1);
    /* c was not in the run queue when the round began: not handled yet */
    ck_assert_uint_eq(sc->n, 0);
    ck_assert_uint_eq(act(&r, C)->mbox.len, 1);
    ck_assert(act(&r, C)->in_runq);
    ck_assert_uint_eq(r.rt.next_lsn, lsn0 + 1);

    ck_assert_uint_eq(runtime_round(&r.rt), 1);
    ck_assert_uint_eq(sc->n, 1);
    ck_assert_uint_eq(sc->items[0].value, 5 + REC_FWD);
    ck_assert_uint_eq(sc->items[0].lsn, lsn0);
    ck_assert_uint_eq(sc->items[0].sender_key, act(&r, A)->stable_key);
    ck_assert_uint_eq(runtime_round(&r.rt), 0);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_sent_to_queued_actor_same_round)
{
    /* the other side of the rule (runtime.h: "every actor that had mail
     * when the round began handles up to batch_per_turn messages"): b is
     * already queued behind fan, so fan's send to b is handled in the same
     * round, while c, not queued, waits for the next */
    struct tu_rig r;

    tu_rig_open(&r, actors_yaml);
    enqueue_pokes(act(&r, FAN), 1, 1);
    enqueue_pokes(act(&r, B), 2, 2);
    ck_assert_uint_eq(runtime_round(&r.rt), 3);
    ck_assert_uint_eq(st(&r, B)->n, 2);
    ck_assert_uint_eq(st(&r, B)->items[0].value, 2);
    ck_assert_uint_eq(st(&r, B)->items[1].value, 1 + REC_FWD);
    ck_assert_uint_eq(st(&r, C)->n, 0);
    ck_assert_uint_eq(runtime_round(&r.rt), 1);
    ck_assert_uint_eq(st(&r, C)->n, 1);
    tu_rig_close(&r);
}
END_TEST

/* ---- the send path, the journal and the commit ------------------------------------ */

START_TEST(test_go_live_start)
{
    struct tu_rig r;
    Stratd__Entry *pe;
    struct meta m;
    char err[256];

    tu_rig_open(&r, actors_yaml);
    ck_assert_uint_eq(r.rt.next_lsn, 1);
    for (size_t i = 0; i < r.rt.n_actors; i++) {
        ck_assert(r.rt.actors[i].is_new);
        ck_assert_uint_eq(r.rt.actors[i].number, i + 1);
    }
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    ck_assert_int_eq(r.rt.phase, PHASE_LIVE);
    ck_assert(!r.rt.replaying);

    /* one Start entry, committed, to every new actor, from the daemon */
    ck_assert_uint_eq(journal_last_lsn(r.j), 1);
    pe = read_entry(r.j, 1);
    ck_assert_ptr_nonnull(pe);
    ck_assert_uint_eq(pe->sender, 0);
    ck_assert_uint_eq(pe->n_receivers, 4);
    for (uint32_t i = 0; i < 4; i++)
        ck_assert_uint_eq(pe->receivers[i], i + 1);
    ck_assert_ptr_nonnull(pe->msg);
    ck_assert_int_eq(pe->msg->kind_case, STRATD__MSG__KIND_START);
    stratd__entry__free_unpacked(pe, NULL);

    /* the actors' records and the format are committed */
    ck_assert_int_eq(meta_load(r.j, &m, err, sizeof err), 0);
    ck_assert_uint_eq(m.format, JOURNAL_FORMAT_VERSION);
    ck_assert_uint_eq(m.n, 4);
    ck_assert_str_eq(meta_of(&m, "a")->kind, "recorder");
    ck_assert_str_eq(meta_of(&m, "a")->params, "peer=c\ntag=0\n");
    ck_assert_str_eq(meta_of(&m, "fan")->params, "peer=b\npeer2=c\ntag=7\n");
    ck_assert_uint_eq(meta_of(&m, "fan")->number, 4);
    ck_assert_mem_eq(meta_of(&m, "fan")->uuid, act(&r, FAN)->uuid, 16);
    ck_assert_uint_eq(meta_of(&m, "a")->watermark, 0);
    meta_release(&m);

    /* the Start is in every mailbox, handled by the next round */
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(act(&r, (int)i)->mbox.len, 1);
        ck_assert_uint_eq(st(&r, (int)i)->started, 0);
    }
    ck_assert_uint_eq(mbox_at(act(&r, A), 0)->refs, 4);
    ck_assert_uint_eq(runtime_round(&r.rt), 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(st(&r, (int)i)->started, 1);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_commit_writes_watermarks)
{
    struct tu_rig r;
    struct meta m;
    char err[256];
    actor_ref to_b = B;

    tu_rig_open(&r, actors_yaml);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    ck_assert_uint_eq(runtime_round(&r.rt), 4);

    /* handled but not committed: nothing written yet */
    ck_assert_int_eq(meta_load(r.j, &m, err, sizeof err), 0);
    for (size_t i = 0; i < m.n; i++)
        ck_assert_uint_eq(m.actors[i].watermark, 0);
    meta_release(&m);

    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_uint_eq(journal_pending(r.j), 0);
    ck_assert_int_eq(meta_load(r.j, &m, err, sizeof err), 0);
    for (size_t i = 0; i < m.n; i++)
        ck_assert_uint_eq(m.actors[i].watermark, 1);
    meta_release(&m);

    /* only b handles the next message: only b's watermark moves */
    tu_send_poke(act(&r, A), &to_b, 1, 99);
    ck_assert_uint_eq(runtime_round(&r.rt), 1);
    ck_assert_uint_eq(act(&r, B)->watermark, 2);
    ck_assert(act(&r, B)->dirty);
    ck_assert_uint_eq(r.rt.n_dirty, 1);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert(!act(&r, B)->dirty);
    ck_assert_uint_eq(r.rt.n_dirty, 0);
    ck_assert_int_eq(meta_load(r.j, &m, err, sizeof err), 0);
    ck_assert_uint_eq(meta_of(&m, "b")->watermark, 2);
    ck_assert_uint_eq(meta_of(&m, "a")->watermark, 1);
    ck_assert_uint_eq(meta_of(&m, "c")->watermark, 1);
    ck_assert_uint_eq(meta_of(&m, "fan")->watermark, 1);
    meta_release(&m);

    /* a commit with nothing to do writes nothing and is not counted */
    {
        uint64_t commits = r.rt.commits;
        ck_assert_int_eq(runtime_commit(&r.rt), 0);
        ck_assert_uint_eq(r.rt.commits, commits);
    }
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_send_journaled_at_enqueue)
{
    struct tu_rig r;
    Stratd__Entry *pe;
    struct entry *e;
    actor_ref to_c = C;
    uint64_t lsn;
    int64_t before, stamped;

    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    lsn = r.rt.next_lsn;
    before = r.rt.last_time_ns;
    tu_send_poke(act(&r, A), &to_c, 1, 77);

    /* staged in the batch at once, with the next lsn and a time stamp */
    ck_assert_uint_eq(r.rt.next_lsn, lsn + 1);
    ck_assert_uint_eq(journal_pending(r.j), 1);
    ck_assert_uint_eq(journal_last_lsn(r.j), lsn - 1);
    e = mbox_at(act(&r, C), 0);
    ck_assert_uint_eq(e->lsn, lsn);
    ck_assert_int_ge(e->time_ns, before);
    ck_assert_int_eq(e->time_ns, r.rt.last_time_ns);
    ck_assert_uint_eq(e->sender, A);
    ck_assert_uint_eq(e->refs, 1);
    stamped = e->time_ns;

    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    pe = read_entry(r.j, lsn);
    ck_assert_ptr_nonnull(pe);
    ck_assert_int_eq(pe->time_ns, stamped);
    ck_assert_uint_eq(pe->sender, act(&r, A)->number);
    ck_assert_uint_eq(pe->n_receivers, 1);
    ck_assert_uint_eq(pe->receivers[0], act(&r, C)->number);
    ck_assert_int_eq(pe->msg->kind_case, STRATD__MSG__KIND_POKE);
    ck_assert_uint_eq(pe->msg->poke->value, 77);
    stratd__entry__free_unpacked(pe, NULL);

    /* the handler sees what the journal holds, time included */
    runtime_round(&r.rt);
    ck_assert_uint_eq(st(&r, C)->n, 1);
    ck_assert_int_eq(st(&r, C)->items[0].time_ns, stamped);
    ck_assert_int_eq(st(&r, C)->items[0].now_ns, stamped);
    tu_rig_close(&r);
}
END_TEST

/* Entries with lsn >= from whose Poke value is v; the last one's decoded
 * receivers and sender go to out (when given). */
static size_t count_pokes(struct journal *j, uint64_t from, uint64_t v,
                          Stratd__Entry **out)
{
    struct journal_iter *it = journal_scan(j, from);
    const uint8_t *val;
    uint64_t lsn;
    size_t len, n = 0;

    while (journal_iter_next(it, &lsn, &val, &len)) {
        Stratd__Entry *pe = stratd__entry__unpack(NULL, len, val);
        ck_assert_ptr_nonnull(pe);
        if (pe->msg && pe->msg->kind_case == STRATD__MSG__KIND_POKE &&
            pe->msg->poke->value == v) {
            n++;
            if (out) {
                if (*out)
                    stratd__entry__free_unpacked(*out, NULL);
                *out = pe;
                continue;
            }
        }
        stratd__entry__free_unpacked(pe, NULL);
    }
    journal_iter_free(it);
    return n;
}

START_TEST(test_fanout_one_entry)
{
    struct tu_rig r;
    Stratd__Entry *pe = NULL;
    actor_ref to_fan = FAN;
    uint64_t first;

    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    first = r.rt.next_lsn;
    tu_send_poke(act(&r, A), &to_fan, 1, 7);
    ck_assert_uint_eq(runtime_round(&r.rt), 1);   /* fan handles, sends */

    /* one entry for both receivers: the same entry in both mailboxes */
    ck_assert_uint_eq(r.rt.next_lsn, first + 2);
    ck_assert_uint_eq(act(&r, B)->mbox.len, 1);
    ck_assert_uint_eq(act(&r, C)->mbox.len, 1);
    ck_assert_ptr_eq(mbox_at(act(&r, B), 0), mbox_at(act(&r, C), 0));
    ck_assert_uint_eq(mbox_at(act(&r, B), 0)->refs, 2);
    ck_assert_uint_eq(count_pokes(r.j, first, 7 + REC_FWD, NULL), 0);   /* not committed */

    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_uint_eq(tu_count_entries(r.j, first), 2);
    ck_assert_uint_eq(count_pokes(r.j, first, 7 + REC_FWD, &pe), 1);
    ck_assert_ptr_nonnull(pe);
    ck_assert_uint_eq(pe->sender, act(&r, FAN)->number);
    ck_assert_uint_eq(pe->n_receivers, 2);
    ck_assert_uint_eq(pe->receivers[0], act(&r, B)->number);
    ck_assert_uint_eq(pe->receivers[1], act(&r, C)->number);
    stratd__entry__free_unpacked(pe, NULL);

    ck_assert_uint_eq(runtime_round(&r.rt), 2);
    ck_assert_uint_eq(st(&r, B)->items[0].lsn, first + 1);
    ck_assert_uint_eq(st(&r, C)->items[0].lsn, first + 1);
    ck_assert_int_eq(st(&r, B)->items[0].time_ns, st(&r, C)->items[0].time_ns);

    /* a send to many from outside: one entry too */
    {
        actor_ref to[3] = {B, C, A};
        pe = NULL;
        first = r.rt.next_lsn;
        tu_send_poke(act(&r, FAN), to, 3, 2 * REC_FWD);
        ck_assert_int_eq(runtime_commit(&r.rt), 0);
        ck_assert_uint_eq(tu_count_entries(r.j, first), 1);
        ck_assert_uint_eq(count_pokes(r.j, first, 2 * REC_FWD, &pe), 1);
        ck_assert_uint_eq(pe->n_receivers, 3);
        ck_assert_uint_eq(pe->receivers[2], act(&r, A)->number);
        stratd__entry__free_unpacked(pe, NULL);
        ck_assert_uint_eq(mbox_at(act(&r, A), 0)->refs, 3);
    }
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_send_unknown_ref_skipped)
{
    struct tu_rig r;
    Stratd__Entry *pe = NULL;
    actor_ref to[3] = {B, 999, ACTOR_REF_NONE};
    uint64_t first;

    log_init(LOG_ERROR);   /* the warnings are expected */
    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    first = r.rt.next_lsn;
    tu_send_poke(act(&r, A), to, 3, 31);
    /* nobody at all: no entry, no lsn used */
    tu_send_poke(act(&r, A), to + 1, 2, 32);
    ck_assert_uint_eq(r.rt.next_lsn, first + 1);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_uint_eq(count_pokes(r.j, first, 31, &pe), 1);
    ck_assert_uint_eq(pe->n_receivers, 1);
    ck_assert_uint_eq(pe->receivers[0], act(&r, B)->number);
    stratd__entry__free_unpacked(pe, NULL);
    ck_assert_uint_eq(count_pokes(r.j, first, 32, NULL), 0);
    ck_assert_uint_eq(act(&r, B)->mbox.len, 1);
    ck_assert_uint_eq(mbox_at(act(&r, B), 0)->refs, 1);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_replaying_drops_sends)
{
    struct tu_rig r;
    struct entry *e;
    uint64_t next, journaled, wm;

    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    next = r.rt.next_lsn;
    journaled = r.rt.journaled;
    wm = act(&r, A)->watermark;

    r.rt.replaying = true;
    /* runtime_replay: handled (a records it), its forward is dropped, the
     * watermark stays, the clock is the entry's */
    e = tu_entry(wm, 123456789, ACTOR_REF_NONE, 9, 1);
    runtime_replay(act(&r, A), e);
    runtime_entry_unref(e);
    ck_assert_uint_eq(st(&r, A)->n, 1);
    ck_assert_int_eq(st(&r, A)->items[0].now_ns, 123456789);
    ck_assert_int_eq(actor_now(act(&r, A)), 123456789);
    ck_assert_uint_eq(act(&r, A)->watermark, wm);
    ck_assert(!act(&r, A)->dirty);
    ck_assert_uint_eq(r.rt.next_lsn, next);
    ck_assert_uint_eq(r.rt.journaled, journaled);
    ck_assert_uint_eq(journal_pending(r.j), 0);
    ck_assert_uint_eq(act(&r, C)->mbox.len, 0);

    /* through the scheduler too */
    enqueue_pokes(act(&r, A), 10, 12);
    ck_assert_uint_eq(runtime_round(&r.rt), 3);
    ck_assert_uint_eq(st(&r, A)->n, 4);
    ck_assert_uint_eq(r.rt.next_lsn, next);
    ck_assert_uint_eq(journal_pending(r.j), 0);
    ck_assert_uint_eq(act(&r, C)->mbox.len, 0);
    /* and from outside */
    {
        actor_ref to = C;
        tu_send_poke(act(&r, B), &to, 1, 5);
        ck_assert_uint_eq(r.rt.next_lsn, next);
        ck_assert_uint_eq(act(&r, C)->mbox.len, 0);
    }
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_uint_eq(journal_last_lsn(r.j), next - 1);

    /* replay over: the same message is forwarded and journaled */
    r.rt.replaying = false;
    enqueue_pokes(act(&r, A), 13, 13);
    ck_assert_uint_eq(runtime_round(&r.rt), 1);
    ck_assert_uint_eq(r.rt.next_lsn, next + 1);
    ck_assert_uint_eq(act(&r, C)->mbox.len, 1);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_uint_eq(journal_last_lsn(r.j), next);
    tu_rig_close(&r);
}
END_TEST

/* ---- the loop, output commit, stop --------------------------------------------- */

static int after_calls[8];
static int after_seen_lsn_committed;

struct after_arg {
    struct tu_rig *r;
    int slot;
    uint64_t lsn;     /* an entry that must be committed when fn runs */
};

static void after_fn(void *arg)
{
    struct after_arg *x = arg;
    after_calls[x->slot]++;
    if (x->lsn && journal_last_lsn(x->r->j) >= x->lsn)
        after_seen_lsn_committed++;
}

START_TEST(test_after_commit_output)
{
    struct tu_rig r;
    struct after_arg x1, x2;
    actor_ref to = B;

    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    tu_send_poke(act(&r, A), &to, 1, 1);
    x1 = (struct after_arg){&r, 0, r.rt.next_lsn - 1};
    service_after_commit(act(&r, A), after_fn, &x1);
    ck_assert_int_eq(after_calls[0], 0);
    runtime_round(&r.rt);
    ck_assert_int_eq(after_calls[0], 0);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    /* released after, and only after, the batch holding the send landed */
    ck_assert_int_eq(after_calls[0], 1);
    ck_assert_int_eq(after_seen_lsn_committed, 1);
    ck_assert_uint_eq(r.rt.n_after, 0);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_int_eq(after_calls[0], 1);   /* once */

    /* registered with nothing staged: still released at the next commit */
    x2 = (struct after_arg){&r, 1, 0};
    service_after_commit(act(&r, A), after_fn, &x2);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_int_eq(after_calls[1], 1);
    tu_rig_close(&r);
}
END_TEST

/* Make the next runtime_commit fail for good: its batch holds a value too
 * big for any file to take (files may not grow past 64 KiB while it runs;
 * RLIMIT_FSIZE, SIGXFSZ ignored). The expected error line is discarded.
 * Returns runtime_commit's result. */
static int failing_commit(struct tu_rig *r)
{
    struct rlimit old, lim;
    size_t n = 1 << 20;
    char *big = malloc(n);
    int rc, saved, devnull;

    ck_assert_ptr_nonnull(big);
    memset(big, 'x', n);
    journal_meta_put(r->j, "big", 3, big, n);
    free(big);
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 64 << 10;
    fflush(stderr);
    saved = dup(2);
    devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    rc = runtime_commit(&r->rt);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    return rc;
}

START_TEST(test_commit_failure_holds_output)
{
    struct tu_rig r;
    struct after_arg x;
    actor_ref to = B;
    uint64_t last;

    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    last = journal_last_lsn(r.j);

    tu_send_poke(act(&r, A), &to, 1, 1);
    x = (struct after_arg){&r, 2, 0};
    service_after_commit(act(&r, A), after_fn, &x);
    ck_assert_int_eq(failing_commit(&r), -1);
    ck_assert(r.rt.failed);
    ck_assert_ptr_nonnull(journal_error(r.j));
    /* the output of the lost batch is never released */
    ck_assert_int_eq(after_calls[2], 0);
    ck_assert_uint_eq(r.rt.n_after, 0);
    /* handling stops, sends are dropped */
    ck_assert_uint_eq(runtime_round(&r.rt), 0);
    ck_assert_uint_eq(st(&r, B)->n, 0);
    ck_assert_uint_eq(act(&r, B)->mbox.len, 1);
    {
        uint64_t next = r.rt.next_lsn;
        tu_send_poke(act(&r, A), &to, 1, 2);
        ck_assert_uint_eq(r.rt.next_lsn, next);
        ck_assert_uint_eq(act(&r, B)->mbox.len, 1);
    }
    /* a commit with something staged fails too, and the stop refuses */
    meta_put_watermark(r.j, 1, 99);
    ck_assert_int_eq(runtime_commit(&r.rt), -1);
    ck_assert_int_eq(runtime_stop(&r.rt), -1);
    ck_assert_uint_eq(journal_last_lsn(r.j), last);
    ck_assert_int_eq(after_calls[2], 0);
    tu_rig_close(&r);
}
END_TEST

/* Regression: runtime_commit returns -1 once the journal failed (sticky),
 * even with nothing staged, and releases no after-commit output registered
 * since the failure. */
START_TEST(test_commit_failure_sticky)
{
    struct tu_rig r;
    struct after_arg x;

    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    ck_assert_int_eq(failing_commit(&r), -1);
    x = (struct after_arg){&r, 3, 0};
    service_after_commit(act(&r, A), after_fn, &x);
    ck_assert_int_eq(runtime_commit(&r.rt), -1);
    ck_assert_int_eq(after_calls[3], 0);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_loop_and_stop)
{
    struct tu_rig r;
    struct meta m;
    uint64_t digests[4];
    char err[256];
    actor_ref to[2] = {A, FAN};

    tu_rig_open(&r, actors_yaml);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    /* the loop: idle runs rounds, prepare commits */
    for (int i = 0; i < 5; i++)
        uv_run(&r.loop, UV_RUN_NOWAIT);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(st(&r, (int)i)->started, 1);
    ck_assert_int_eq(meta_load(r.j, &m, err, sizeof err), 0);
    for (size_t i = 0; i < m.n; i++)
        ck_assert_uint_eq(m.actors[i].watermark, 1);
    ck_assert(!m.clean);
    meta_release(&m);

    /* mail from outside, as a service's callback would send it */
    tu_send_poke(act(&r, B), to, 2, 3);
    for (int i = 0; i < 5; i++)
        uv_run(&r.loop, UV_RUN_NOWAIT);
    ck_assert_uint_eq(st(&r, A)->n, 1);
    ck_assert_uint_eq(st(&r, FAN)->n, 1);
    ck_assert_uint_eq(st(&r, B)->n, 1);   /* from fan */
    ck_assert_uint_eq(st(&r, C)->n, 2);   /* from a and from fan */
    ck_assert_uint_eq(r.rt.runq_len, 0);
    ck_assert_uint_eq(journal_pending(r.j), 0);
    ck_assert_uint_eq(journal_last_lsn(r.j), r.rt.next_lsn - 1);
    ck_assert_uint_eq(journal_last_lsn(r.j), 4);

    /* clean stop: digests and the clean marker */
    for (size_t i = 0; i < 4; i++)
        digests[i] = runtime_digest(act(&r, (int)i));
    ck_assert_int_eq(runtime_stop(&r.rt), 0);
    ck_assert_int_eq(r.rt.phase, PHASE_STOPPING);
    ck_assert_int_eq(meta_load(r.j, &m, err, sizeof err), 0);
    ck_assert(m.clean);
    for (size_t i = 0; i < 4; i++) {
        struct meta_actor *ma = meta_of(&m, act(&r, (int)i)->topo->id);
        ck_assert(ma->has_digest);
        ck_assert_uint_eq(ma->digest, digests[i]);
        ck_assert_uint_eq(ma->watermark, act(&r, (int)i)->watermark);
    }
    meta_release(&m);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_digest)
{
    struct tu_rig r, r2;
    uint64_t d[4];
    struct entry *e;

    tu_rig_open(&r, actors_yaml);
    /* same state, different actors: different digests (stable key) */
    for (size_t i = 0; i < 4; i++) {
        d[i] = runtime_digest(act(&r, (int)i));
        for (size_t k = 0; k < i; k++)
            ck_assert_uint_ne(d[k], d[i]);
    }
    /* the same in another runtime over another journal (uuid-based) */
    tu_rig_open(&r2, actors_yaml);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(runtime_digest(&r2.rt.actors[i]), d[i]);
    tu_rig_close(&r2);

    /* the rng is part of it */
    actor_rand(act(&r, B));
    ck_assert_uint_ne(runtime_digest(act(&r, B)), d[B]);
    /* and the state */
    d[B] = runtime_digest(act(&r, B));
    st(&r, B)->started++;
    ck_assert_uint_ne(runtime_digest(act(&r, B)), d[B]);
    st(&r, B)->started--;
    ck_assert_uint_eq(runtime_digest(act(&r, B)), d[B]);
    /* handling a message changes it; the bookkeeping beside it does not */
    e = tu_entry(1, 5, ACTOR_REF_NONE, 1, 1);
    runtime_replay(act(&r, C), e);
    runtime_entry_unref(e);
    ck_assert_uint_ne(runtime_digest(act(&r, C)), d[C]);
    d[C] = runtime_digest(act(&r, C));
    act(&r, C)->handled += 10;
    act(&r, C)->watermark += 10;
    ck_assert_uint_eq(runtime_digest(act(&r, C)), d[C]);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_histogram_buckets)
{
    /* a value on a bound counts in that bound's bucket; above the last,
     * in +Inf; the runtime's histograms start empty */
    struct tu_rig r;
    struct histogram h;

    histogram_init(&h, histogram_entries_le);
    histogram_observe(&h, 1);
    histogram_observe(&h, 1.5);
    histogram_observe(&h, 10000);
    histogram_observe(&h, 10001);
    ck_assert_uint_eq(h.counts[0], 1);
    ck_assert_uint_eq(h.counts[1], 1);
    ck_assert_uint_eq(h.counts[HIST_BUCKETS - 1], 1);
    ck_assert_uint_eq(h.counts[HIST_BUCKETS], 1);
    ck_assert_uint_eq(h.count, 4);
    ck_assert(h.sum == 1 + 1.5 + 10000 + 10001);

    tu_rig_open(&r, actors_yaml);
    ck_assert_ptr_eq(r.rt.commit_seconds.le, histogram_seconds_le);
    ck_assert_ptr_eq(r.rt.batch_entries.le, histogram_entries_le);
    ck_assert_uint_eq(r.rt.commit_seconds.count, 0);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    /* go_live committed once (records and Start, one batch): one seen */
    ck_assert_uint_eq(r.rt.batch_entries.count, 1);
    ck_assert_uint_eq(r.rt.commit_seconds.count, 1);
    tu_rig_close(&r);
}
END_TEST

/* ---- message-kind counters ----------------------------------------------------- */

/* Every field of a Msg-like descriptor (its kinds) gets its own counter
 * slot, in range; numbers it does not have get none. */
static void check_kind_slots(const ProtobufCMessageDescriptor *d)
{
    struct runtime_kinds k;

    runtime_kinds_init(&k, d);
    ck_assert_uint_eq(k.n, d->n_fields);
    for (unsigned i = 0; i < d->n_fields; i++) {
        size_t si = runtime_kind_slot(&k, d->fields[i].id);
        ck_assert_msg(si < k.n, "kind %s (%u): slot %zu out of range", d->fields[i].name,
                      d->fields[i].id, si);
        for (unsigned j = 0; j < i; j++)
            ck_assert_msg(runtime_kind_slot(&k, d->fields[j].id) != si,
                          "kinds %u and %u share counter slot %zu", d->fields[j].id,
                          d->fields[i].id, si);
    }
    ck_assert_uint_eq(runtime_kind_slot(&k, 0), k.n);   /* KIND__NOT_SET */
    ck_assert_uint_eq(runtime_kind_slot(&k, 1000), k.n);
    runtime_kinds_release(&k);
}

START_TEST(test_kind_slots_distinct)
{
    check_kind_slots(&stratd__msg__descriptor);
}
END_TEST

START_TEST(test_kind_slots_seventeen_kinds)
{
    /* stratd.proto with a 17th message kind: kinds 1 and 17 must not
     * share a counter (a modulo-16 table would alias them) */
    static ProtobufCFieldDescriptor fields[17];
    static char names[17][8];
    ProtobufCMessageDescriptor d = stratd__msg__descriptor;

    for (unsigned i = 0; i < 17; i++) {
        snprintf(names[i], sizeof names[i], "k%u", i + 1);
        fields[i].name = names[i];
        fields[i].id = i + 1;
    }
    d.n_fields = 17;
    d.fields = fields;
    check_kind_slots(&d);
}
END_TEST

START_TEST(test_kind_counters)
{
    /* counted by kind when journaled and when handled live */
    struct tu_rig r;
    actor_ref to = B;
    size_t poke, start;

    tu_rig_open(&r, actors_yaml);
    poke = runtime_kind_slot(&r.rt.kinds, STRATD__MSG__KIND_POKE);
    start = runtime_kind_slot(&r.rt.kinds, STRATD__MSG__KIND_START);
    live_and_started(&r);
    ck_assert_uint_eq(r.rt.kinds.journaled[start], 1);
    ck_assert_uint_eq(r.rt.kinds.handled[start], 4);
    tu_send_poke(act(&r, A), &to, 1, 1);
    ck_assert_uint_eq(r.rt.kinds.journaled[poke], 1);
    ck_assert_uint_eq(r.rt.kinds.handled[poke], 0);
    runtime_round(&r.rt);
    ck_assert_uint_eq(r.rt.kinds.handled[poke], 1);
    ck_assert_uint_eq(r.rt.kinds.journaled[start], 1);
    /* the metrics: one line per kind, in the descriptor's order */
    {
        char *text = metrics_render(&r.rt), *p;
        const ProtobufCMessageDescriptor *d = &stratd__msg__descriptor;
        ck_assert_ptr_nonnull(strstr(text, "\nstratd_messages_handled_total{kind=\"start\"} 4\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nstratd_messages_handled_total{kind=\"poke\"} 1\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nstratd_messages_journaled_total{kind=\"start\"} 1\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nstratd_messages_journaled_total{kind=\"poke\"} 1\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nstratd_messages_handled_total{kind=\"tick\"} 0\n"));
        p = text;
        for (unsigned i = 0; i < d->n_fields; i++) {
            char line[128];
            snprintf(line, sizeof line, "stratd_messages_journaled_total{kind=\"%s\"} ",
                     d->fields[i].name);
            p = strstr(p, line);
            ck_assert_msg(p != NULL, "no (or out of order) %s", line);
        }
        free(text);
    }
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_identity)
{
    struct tu_rig r;
    uint8_t u[16];

    tu_rig_open(&r, actors_yaml);
    ck_assert_ptr_eq(runtime_by_id(&r.rt, "fan"), act(&r, FAN));
    ck_assert_ptr_null(runtime_by_id(&r.rt, "nobody"));
    uuid_v5(u, uuid_ns_stratd, "fan", 3);
    ck_assert_mem_eq(act(&r, FAN)->uuid, u, 16);
    ck_assert_uint_eq(act(&r, FAN)->stable_key, hash_bytes(HASH_SEED, u, 16));
    ck_assert_uint_eq(actor_stable_key(act(&r, A), FAN), act(&r, FAN)->stable_key);
    ck_assert_uint_eq(actor_stable_key(act(&r, A), 99), 0);
    ck_assert_uint_eq(actor_self(act(&r, FAN)), FAN);
    ck_assert_str_eq(actor_id(act(&r, FAN)), "fan");
    ck_assert_str_eq(actor_id_of(act(&r, A), FAN), "fan");
    ck_assert_str_eq(actor_id_of(act(&r, A), ACTOR_REF_NONE), "stratd");
    ck_assert_int_eq(((const struct rec_params *)actor_params(act(&r, FAN)))->tag, 7);
    ck_assert_uint_eq(((const struct rec_params *)actor_params(act(&r, FAN)))->peer2, C);
    {
        struct rng rr;
        rng_seed(&rr, u);
        ck_assert_mem_eq(rr.s, act(&r, FAN)->rng.s, sizeof rr.s);
        ck_assert_uint_eq(actor_rand(act(&r, FAN)), rng_next(&rr));
    }
    tu_rig_close(&r);
}
END_TEST

/* Regression (sanitizer build): with no after-commit callback ever
 * registered rt->after is NULL; a commit must not hand that NULL to memmove
 * (declared nonnull: UBSan would stop the test). */
START_TEST(test_commit_without_callbacks)
{
    struct tu_rig r;

    tu_rig_open(&r, actors_yaml);
    /* undo the rig's workaround: no callback array at all */
    free(r.rt.after);
    r.rt.after = NULL;
    r.rt.n_after = r.rt.cap_after = 0;
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    ck_assert_uint_eq(runtime_round(&r.rt), 4);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_uint_eq(act(&r, A)->watermark, 1);
    tu_rig_close(&r);
}
END_TEST

/* A new actor's metadata record and its Start are one batch: a commit
 * failure right after the first commit of going live must not leave actors
 * the journal knows that never get Start (after the restart they are no
 * longer new, so nobody would send it). */
START_TEST(test_start_with_record_one_batch)
{
    struct tu_rig r;
    char err[256];

    tu_rig_open(&r, actors_yaml);
    journal_inject_fault(1);   /* the second commit fails */
    runtime_go_live(&r.rt);    /* may fail: the journal is what counts */
    journal_inject_fault(-1);
    tu_rig_restart(&r);
    ck_assert_msg(rebuild_run(&r.rt, NULL, NULL, err, sizeof err) == 0, "rebuild: %s", err);
    live_and_started(&r);      /* each recorder has handled Start once */
    tu_rig_close(&r);
}
END_TEST

/* ---- journal failures while live (disk full, I/O errors) ------------------------ */

static int released;   /* after-commit output let out */

static void count_release(void *arg)
{
    (void)arg;
    released++;
}

/* Run fn(arg) with stderr sent to /dev/null (the expected error line). */
static int quietly(int (*fn)(void *), void *arg)
{
    int saved, devnull, rc;

    fflush(stderr);
    saved = dup(2);
    devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    rc = fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    return rc;
}

static int sync_journal(void *j)
{
    return journal_sync(j);
}

static int run_loop(void *loop)
{
    return uv_run(loop, UV_RUN_DEFAULT);
}

START_TEST(test_failed_sync_releases_nothing)
{
    /* The journal failed outside a commit (its WAL sync): from then on no
     * after-commit output leaves, not even through a commit with nothing
     * staged, sends are dropped and the stop refuses. */
    struct tu_rig r;
    actor_ref to = B;
    uint64_t next, last;

    tu_rig_open(&r, actors_yaml);
    live_and_started(&r);
    last = journal_last_lsn(r.j);
    released = 0;
    journal_inject_sync_fault(0);
    ck_assert_int_eq(quietly(sync_journal, r.j), -1);
    ck_assert_str_eq(journal_error(r.j), "rocksdb_flush_wal: IO error: injected fault");

    service_after_commit(act(&r, A), count_release, NULL);
    ck_assert_int_eq(runtime_commit(&r.rt), -1);
    ck_assert_int_eq(released, 0);
    ck_assert(r.rt.failed);
    next = r.rt.next_lsn;
    tu_send_poke(act(&r, A), &to, 1, 1);
    ck_assert_uint_eq(r.rt.next_lsn, next);
    ck_assert_int_eq(runtime_commit(&r.rt), -1);
    ck_assert_int_eq(runtime_stop(&r.rt), -1);
    ck_assert_int_eq(released, 0);
    ck_assert_uint_eq(journal_last_lsn(r.j), last);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_interval_sync_failure_stops_loop)
{
    /* fsync: interval: the timer's WAL sync fails; the loop stops by
     * itself, what was committed before was released, nothing after. */
    struct tu_rig r;
    actor_ref to[2] = {A, FAN};

    tu_rig_open(&r, actors_yaml);
    r.topo.fsync = FSYNC_INTERVAL;
    r.topo.fsync_interval_ms = 1;
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    released = 0;
    journal_inject_sync_fault(2);   /* two syncs succeed, the third fails */
    tu_send_poke(act(&r, B), to, 2, 3);
    service_after_commit(act(&r, B), count_release, NULL);
    /* returns at all (the sync timer keeps it alive): stopped, not drained */
    ck_assert_int_ne(quietly(run_loop, &r.loop), 0);
    ck_assert(r.rt.failed);
    ck_assert_str_eq(journal_error(r.j), "rocksdb_flush_wal: IO error: injected fault");
    ck_assert_int_eq(released, 1);
    ck_assert_uint_eq(st(&r, C)->n, 2);

    service_after_commit(act(&r, B), count_release, NULL);
    for (int i = 0; i < 5; i++)
        uv_run(&r.loop, UV_RUN_NOWAIT);
    ck_assert_int_eq(released, 1);
    ck_assert_int_eq(runtime_stop(&r.rt), -1);
    ck_assert_int_eq(released, 1);
    tu_rig_close(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc;

    tc = tu_tcase(s, "mailbox");
    tcase_add_test(tc, test_mailbox_fifo_wraparound);
    tcase_add_test(tc, test_release_frees_queued_mail);
    tcase_add_test(tc, test_entry_new_refs);

    tc = tu_tcase(s, "scheduler");
    tcase_add_test(tc, test_fairness_big_first);
    tcase_add_test(tc, test_fairness_small_first);
    tcase_add_test(tc, test_batch_per_turn_setting);
    tcase_add_test(tc, test_sent_during_round_waits);
    tcase_add_test(tc, test_sent_to_queued_actor_same_round);

    tc = tu_tcase(s, "send_commit");
    tcase_add_test(tc, test_go_live_start);
    tcase_add_test(tc, test_start_with_record_one_batch);
    tcase_add_test(tc, test_commit_writes_watermarks);
    tcase_add_test(tc, test_send_journaled_at_enqueue);
    tcase_add_test(tc, test_fanout_one_entry);
    tcase_add_test(tc, test_send_unknown_ref_skipped);
    tcase_add_test(tc, test_replaying_drops_sends);

    tc = tu_tcase(s, "loop");
    tcase_add_test(tc, test_after_commit_output);
    tcase_add_test(tc, test_commit_failure_holds_output);
    tcase_add_test(tc, test_loop_and_stop);
    tcase_add_test(tc, test_digest);
    tcase_add_test(tc, test_identity);
    tcase_add_test(tc, test_histogram_buckets);

    tc = tu_tcase(s, "kind_counters");
    tcase_add_test(tc, test_kind_slots_distinct);
    tcase_add_test(tc, test_kind_slots_seventeen_kinds);
    tcase_add_test(tc, test_kind_counters);

    /* Fixed core bugs, kept as regressions. */
    tc = tu_tcase(s, "regressions");
    tcase_add_test(tc, test_commit_failure_sticky);
    tcase_add_test(tc, test_commit_without_callbacks);   /* sanitizer build */

    tc = tu_tcase(s, "journal_failure");
    tcase_add_test(tc, test_failed_sync_releases_nothing);
    tcase_add_test(tc, test_interval_sync_failure_stops_loop);
    return tu_run(s);
}
