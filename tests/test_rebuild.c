/*
 * test_rebuild.c — step 3 of a restart (rebuild.h): replay of a journal
 * written by hand (entries and metadata through journal.h / meta.h), then
 * the hand-over to live (step 4); and I1 in miniature: a live run, stopped
 * cleanly or cut short, rebuilt from its journal into a fresh runtime with
 * the same digests.
 *
 * The actors are "recorder"s (testutil.h): they record every Poke with its
 * lsn, time and actor_now(), and forward Pokes below REC_FWD to their peers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "rebuild.h"
#include "runtime.h"
#include "uuid.h"

#include "testutil.h"

static const char *const pair_yaml =
    "  - { id: r1, kind: recorder, params: { peer: r2 } }\n"
    "  - { id: r2, kind: recorder }\n";

static struct actor *by_id(struct tu_rig *r, const char *id)
{
    struct actor *a = runtime_by_id(&r->rt, id);
    ck_assert_msg(a != NULL, "no actor %s", id);
    return a;
}

static uint64_t key_of(const char *id)
{
    uint8_t u[16];
    uuid_v5(u, uuid_ns_stratd, id, strlen(id));
    return hash_bytes(HASH_SEED, u, 16);
}

static struct entry *mbox_at(const struct actor *a, size_t i)
{
    ck_assert_uint_lt(i, a->mbox.len);
    return a->mbox.v[(a->mbox.head + i) % a->mbox.cap];
}

/* Record actor `id` of the rig's topology in the metadata, as number n with
 * watermark wm (staged). */
static void put_actor(struct tu_rig *r, const char *id, uint32_t n, uint64_t wm)
{
    uint8_t u[16];
    int i = topology_find(&r->topo, id);

    ck_assert_int_ge(i, 0);
    uuid_v5(u, uuid_ns_stratd, id, strlen(id));
    meta_put_actor(r->j, u, n, &r->topo.actors[i], false);
    meta_put_watermark(r->j, n, wm);
}

/* An actor the topology does not list (removed from the YAML). */
static void put_gone_actor(struct journal *j, const char *id, uint32_t n, bool retired)
{
    struct topo_actor ta = {0};
    uint8_t u[16];

    ta.id = (char *)id;
    ta.kind = recorder_kind();
    ta.params_canon = (char *)"tag=0\n";
    uuid_v5(u, uuid_ns_stratd, id, strlen(id));
    meta_put_actor(j, u, n, &ta, retired);
}

#define TIME(lsn) ((int64_t)(1700000000000000000ll + 1000 * (lsn) + 7))

/* Write entry lsn: Poke{value} from sender number to the receivers. */
static void put_entry(struct journal *j, uint64_t lsn, uint32_t sender,
                      const uint32_t *recv, size_t n, uint64_t value)
{
    tu_append_poke(j, lsn, TIME(lsn), sender, recv, n, value);
}

struct progress_log {
    int calls;
    uint64_t done, total;
};

static int on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct progress_log *p = arg;
    p->calls++;
    p->done = done;
    p->total = total;
    return 0;
}

/* The journal of the single-actor and split cases:
 *   numbers: r1 = 1 (watermark 4), "gone" = 2 (not in the topology),
 *            3 = r2 (watermark 2) when with_r2, else "gone2" (not in the
 *            topology either) and r2 is new (number 4);
 *   lsn 1  [1]          from r1    Poke 10
 *   lsn 2  [1, 2, 9, 3] from 0     Poke 20   (9: never known)
 *   lsn 3  [2]          from 0     Poke 30   (nobody here)
 *   lsn 4  [1, 3]       from gone  Poke 40
 *   lsn 5  [1]          from 0     Poke 50
 *   lsn 6  [3, 1]       from 0     Poke 60 */
static void write_journal(struct tu_rig *r, bool with_r2)
{
    static const uint32_t to1[] = {1}, to2[] = {1, 2, 9, 3}, to3[] = {2},
                          to4[] = {1, 3}, to6[] = {3, 1};

    put_actor(r, "r1", 1, 4);
    put_gone_actor(r->j, "gone", 2, false);
    if (with_r2)
        put_actor(r, "r2", 3, 2);
    else
        put_gone_actor(r->j, "gone2", 3, false);
    put_entry(r->j, 1, 1, to1, 1, 10);
    put_entry(r->j, 2, 0, to2, 4, 20);
    put_entry(r->j, 3, 0, to3, 1, 30);
    put_entry(r->j, 4, 2, to4, 2, 40);
    put_entry(r->j, 5, 0, to1, 1, 50);
    put_entry(r->j, 6, 0, to6, 2, 60);
    ck_assert_int_eq(journal_commit(r->j), 0);
}

/* test_replay_single_actor, after the restart: r1 known with its number
 * and watermark, r2 new, the two removed actors standing in behind them. */
static void check_spawned_over_journal(struct tu_rig *r, struct actor **pr1, struct actor **pr2)
{
    struct actor *r1, *r2;

    r1 = *pr1 = by_id(r, "r1");
    r2 = *pr2 = by_id(r, "r2");
    ck_assert(!r1->is_new);
    ck_assert_uint_eq(r1->number, 1);
    ck_assert_uint_eq(r1->watermark, 4);
    ck_assert(r2->is_new);
    ck_assert_uint_eq(r2->number, 4);   /* after every number known */
    ck_assert_uint_eq(r->rt.backlog_lsn, 6);
    ck_assert_uint_eq(r->rt.next_lsn, 7);
    /* the two removed actors stand behind the topology's, handling nothing */
    ck_assert_uint_eq(r->rt.n_actors, 2);
    ck_assert_uint_eq(r->rt.n_all, 4);
    for (size_t i = 2; i < 4; i++) {
        struct actor *g = &r->rt.actors[i];
        ck_assert(g->removed);
        ck_assert_uint_eq(g->number, i);
        ck_assert_uint_eq(g->stable_key, key_of(i == 2 ? "gone" : "gone2"));
        ck_assert_ptr_eq(r->rt.by_number[i], g);
    }
    ck_assert_ptr_null(runtime_by_id(&r->rt, "gone"));

}

/* test_replay_single_actor, after rebuild_run. */
static void check_replayed(struct tu_rig *r, struct actor *r1, struct actor *r2,
                           const struct progress_log *pl)
{
    static const uint64_t want_lsn[3] = {1, 2, 4}, want_val[3] = {10, 20, 40};
    struct rec_state *s1 = r1->state;

    /* entries up to the watermark, in lsn order, at their journaled time */
    ck_assert_uint_eq(s1->n, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(s1->items[i].lsn, want_lsn[i]);
        ck_assert_uint_eq(s1->items[i].value, want_val[i]);
        ck_assert_int_eq(s1->items[i].time_ns, TIME(want_lsn[i]));
        ck_assert_int_eq(s1->items[i].now_ns, TIME(want_lsn[i]));
    }
    /* senders: r1 itself, the daemon, an actor no longer in the topology
     * (it keeps its stable key: runtime.h, removed actors) */
    ck_assert_uint_eq(s1->items[0].sender_key, r1->stable_key);
    ck_assert_uint_eq(s1->items[1].sender_key, 0);
    ck_assert_uint_eq(s1->items[2].sender_key, key_of("gone"));
    ck_assert_uint_eq(r1->handled, 3);
    ck_assert_uint_eq(r1->watermark, 4);   /* replay does not move it */
    ck_assert(!r1->dirty);

    /* the rest waits in the mailbox, in lsn order */
    ck_assert_uint_eq(r1->mbox.len, 2);
    ck_assert_uint_eq(mbox_at(r1, 0)->lsn, 5);
    ck_assert_uint_eq(mbox_at(r1, 1)->lsn, 6);
    ck_assert_int_eq(mbox_at(r1, 0)->time_ns, TIME(5));
    ck_assert_uint_eq(mbox_at(r1, 1)->pb->msg->poke->value, 60);
    ck_assert(r1->in_runq);
    ck_assert_uint_eq(r->rt.backlog, 2);

    /* the forwards r1 made while replaying were dropped */
    ck_assert_uint_eq(r2->mbox.len, 0);
    ck_assert_uint_eq(((struct rec_state *)r2->state)->n, 0);
    /* nothing for the removed ones either */
    ck_assert_uint_eq(r->rt.actors[2].mbox.len, 0);
    ck_assert_uint_eq(r->rt.actors[3].mbox.len, 0);
    ck_assert_uint_eq(r->rt.actors[2].handled, 0);
    ck_assert_uint_eq(journal_last_lsn(r->j), 6);
    ck_assert_uint_eq(journal_pending(r->j), 0);
    ck_assert_uint_eq(r->rt.next_lsn, 7);
    ck_assert_uint_eq(r->rt.journaled, 0);

    /* figures */
    ck_assert_uint_eq(r->rt.rebuild.entries, 6);
    ck_assert_uint_eq(r->rt.rebuild.deliveries, 3);
    ck_assert_uint_eq(r->rt.rebuild.pending, 2);
    ck_assert_uint_eq(r->rt.rebuild.total_entries, 6);
    ck_assert_int_eq(r->rt.last_time_ns, TIME(6));
    ck_assert_int_eq(pl->calls, 1);
    ck_assert_uint_eq(pl->done, 6);
    ck_assert_uint_eq(pl->total, 6);

}

/* test_replay_single_actor, after runtime_go_live. */
static void check_backlog_live(struct tu_rig *r, struct actor *r1, struct actor *r2)
{
    struct rec_state *s1 = r1->state;
    struct meta m;
    char err[256] = "";

    /* step 5 then 4: r2's Start is queued first, then the backlog is
     * handled live (sends on); r2 starts before it sees r1's forwards */
    ck_assert_int_eq(runtime_go_live(&r->rt), 0);
    ck_assert(!r->rt.replaying);
    ck_assert_uint_eq(r->rt.backlog, 0);
    ck_assert_uint_eq(s1->n, 5);
    ck_assert_uint_eq(s1->items[3].lsn, 5);
    ck_assert_uint_eq(s1->items[4].lsn, 6);
    ck_assert_int_eq(s1->items[3].now_ns, TIME(5));   /* journaled time, live too */
    ck_assert_uint_eq(r1->watermark, 6);
    /* one Start and two forwards, journaled after the old entries, and
     * handled by r2 in that order in the same rounds */
    ck_assert_uint_eq(journal_last_lsn(r->j), 9);
    ck_assert_uint_eq(r2->mbox.len, 0);
    ck_assert_uint_eq(r2->handled, 3);
    ck_assert_uint_eq(r2->watermark, 9);
    {
        struct rec_state *s2 = r2->state;
        ck_assert_uint_eq(s2->n, 2);
        ck_assert_uint_eq(s2->items[0].lsn, 8);
        ck_assert_uint_eq(s2->items[0].value, 50 + REC_FWD);
        ck_assert_uint_eq(s2->items[1].value, 60 + REC_FWD);
    }
    ck_assert_int_eq(meta_load(r->j, &m, err, sizeof err), 0);
    ck_assert_uint_eq(meta_find_id(&m, "r1")->watermark, 6);
    ck_assert_ptr_nonnull(meta_find_id(&m, "r2"));
    ck_assert_uint_eq(meta_find_id(&m, "r2")->number, 4);
    ck_assert_ptr_nonnull(meta_find_id(&m, "gone"));   /* left in place */
    meta_release(&m);
}

START_TEST(test_replay_single_actor)
{
    struct tu_rig r;
    struct progress_log pl = {0};
    struct actor *r1, *r2;
    char err[256] = "";

    tu_rig_open(&r, pair_yaml);
    write_journal(&r, false);
    tu_rig_restart(&r);   /* runtime_init over the journal just written */
    check_spawned_over_journal(&r, &r1, &r2);

    ck_assert_int_eq(rebuild_run(&r.rt, on_progress, &pl, err, sizeof err), 0);
    ck_assert(r.rt.replaying);
    check_replayed(&r, r1, r2, &pl);
    check_backlog_live(&r, r1, r2);
    tu_rig_close(&r);
}
END_TEST

/* Enough entries to cycle the reader's chunks many times, and one entry
 * bigger than a chunk: every entry arrives once, in lsn order. */
START_TEST(test_replay_many_and_huge)
{
    enum { N = 300000, HUGE = 400000 };
    static const uint32_t to1[] = {1};
    uint32_t *big = malloc(HUGE * sizeof *big);
    struct tu_rig r;
    struct actor *r1;
    struct rec_state *s1;
    char err[256] = "";

    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < HUGE - 1; i++)
        big[i] = 9;   /* a number no actor has: skipped */
    big[HUGE - 1] = 1;
    tu_rig_open(&r, pair_yaml);
    put_actor(&r, "r1", 1, N + 1);
    for (uint64_t lsn = 1; lsn <= N + 1; lsn++) {
        if (lsn == N / 2)
            put_entry(r.j, lsn, 0, big, HUGE, lsn);
        else
            put_entry(r.j, lsn, 0, to1, 1, lsn);
        if (lsn % 10000 == 0)
            ck_assert_int_eq(journal_commit(r.j), 0);
    }
    ck_assert_int_eq(journal_commit(r.j), 0);
    free(big);
    tu_rig_restart(&r);
    r1 = by_id(&r, "r1");
    s1 = r1->state;
    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(r.rt.rebuild.entries, N + 1);
    ck_assert_uint_eq(r.rt.rebuild.deliveries, N + 1);
    ck_assert_uint_eq(r1->handled, N + 1);
    ck_assert_uint_eq(s1->n + s1->overflow, N + 1);
    for (uint64_t i = 0; i < s1->n; i++)
        ck_assert_uint_eq(s1->items[i].lsn, i + 1);
    ck_assert_uint_eq(r1->mbox.len, 0);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_replay_split_receivers)
{
    /* one entry, two receivers on either side of their watermarks: one
     * replays it, the other gets it in its mailbox */
    struct tu_rig r;
    struct actor *r1, *r2;
    struct rec_state *s1, *s2;
    char err[256] = "";

    tu_rig_open(&r, pair_yaml);
    write_journal(&r, true);
    tu_rig_restart(&r);
    r1 = by_id(&r, "r1");
    r2 = by_id(&r, "r2");
    s1 = r1->state;
    s2 = r2->state;
    ck_assert(!r2->is_new);
    ck_assert_uint_eq(r2->number, 3);
    ck_assert_uint_eq(r2->watermark, 2);

    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(s1->n, 3);
    ck_assert_uint_eq(s2->n, 1);
    ck_assert_uint_eq(s2->items[0].lsn, 2);
    ck_assert_int_eq(s2->items[0].now_ns, TIME(2));
    ck_assert_uint_eq(r2->mbox.len, 2);
    ck_assert_uint_eq(mbox_at(r2, 0)->lsn, 4);
    ck_assert_uint_eq(mbox_at(r2, 1)->lsn, 6);
    ck_assert_uint_eq(r1->mbox.len, 2);
    /* lsn 6 is kept once for both */
    ck_assert_ptr_eq(mbox_at(r1, 1), mbox_at(r2, 1));
    ck_assert_uint_eq(mbox_at(r1, 1)->refs, 2);
    ck_assert_uint_eq(r.rt.backlog, 4);
    ck_assert_uint_eq(r.rt.rebuild.deliveries, 4);
    ck_assert_uint_eq(r.rt.rebuild.pending, 4);
    ck_assert_uint_eq(journal_last_lsn(r.j), 6);

    /* live: both backlogs handled in lsn order; no new actor, no Start */
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    ck_assert_uint_eq(r.rt.backlog, 0);
    ck_assert_uint_eq(s1->n, 5);
    ck_assert_uint_eq(s2->n, 3);
    ck_assert_uint_eq(s2->items[1].lsn, 4);
    ck_assert_uint_eq(s2->items[2].lsn, 6);
    ck_assert_uint_eq(journal_last_lsn(r.j), 8);   /* r1's two forwards */
    ck_assert_uint_eq(r2->mbox.len, 2);
    runtime_round(&r.rt);
    ck_assert_uint_eq(s2->n, 5);
    ck_assert_uint_eq(s2->items[3].value, 50 + REC_FWD);
    ck_assert_uint_eq(s2->items[4].value, 60 + REC_FWD);
    ck_assert_uint_eq(s2->started, 0);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_replay_retired_number)
{
    /* r1's old record is retired: r1 is a new actor with a new number and
     * the old number's entries are not its */
    static const uint32_t to1[] = {1};
    struct tu_rig r;
    struct actor *r1;
    char err[256] = "";
    uint8_t u[16];

    tu_rig_open(&r, pair_yaml);
    uuid_v5(u, uuid_ns_stratd, "r1", 2);
    meta_put_actor(r.j, u, 1, &r.topo.actors[0], true);
    meta_put_watermark(r.j, 1, 2);
    put_entry(r.j, 1, 0, to1, 1, 10);
    put_entry(r.j, 2, 0, to1, 1, 20);
    ck_assert_int_eq(journal_commit(r.j), 0);
    tu_rig_restart(&r);

    r1 = by_id(&r, "r1");
    ck_assert(r1->is_new);
    ck_assert_uint_eq(r1->number, 2);
    ck_assert_uint_eq(by_id(&r, "r2")->number, 3);
    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(((struct rec_state *)r1->state)->n, 0);
    ck_assert_uint_eq(r1->mbox.len, 0);
    ck_assert_uint_eq(r.rt.rebuild.entries, 2);
    ck_assert_uint_eq(r.rt.rebuild.deliveries, 0);
    ck_assert_uint_eq(r.rt.backlog, 0);
    tu_rig_close(&r);
}
END_TEST

/* Entry 3 is bad: the rebuild stops there with an error; err is returned
 * in out for the caller to check. */
static void rebuild_with_bad_entry(const void *bad, size_t badlen, char *out, size_t outlen)
{
    static const uint32_t to1[] = {1};
    struct tu_rig r;
    char err[512] = "";

    tu_rig_open(&r, pair_yaml);
    put_actor(&r, "r1", 1, 10);
    put_entry(r.j, 1, 0, to1, 1, 10);
    put_entry(r.j, 2, 0, to1, 1, 20);
    journal_append(r.j, 3, bad, badlen);
    put_entry(r.j, 4, 0, to1, 1, 40);
    ck_assert_int_eq(journal_commit(r.j), 0);
    tu_rig_restart(&r);

    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), -1);
    snprintf(out, outlen, "%s", err);
    /* stopped there: what came before was replayed, nothing after */
    ck_assert_uint_eq(((struct rec_state *)by_id(&r, "r1")->state)->n, 2);
    ck_assert_uint_eq(r.rt.rebuild.entries, 2);
    tu_rig_close(&r);
}

static void check_corrupt(const void *bad, size_t badlen)
{
    char err[512], want[128];

    rebuild_with_bad_entry(bad, badlen, err, sizeof err);
    snprintf(want, sizeof want, "corrupt journal: entry lsn 3 (%zu bytes) does not "
             "decode", badlen);
    ck_assert_str_eq(err, want);
}

/* An entry of a newer build: refused with its lsn and the message holding
 * what this build does not know, never replayed as an empty message. */
static void check_unknown(const uint8_t *msg, size_t msglen, const char *where)
{
    uint8_t buf[64];
    size_t n = 0;
    char err[512], want[256];

    buf[n++] = 0x08, buf[n++] = 0x06;               /* time_ns 3 (zigzag) */
    buf[n++] = 0x1a, buf[n++] = 0x01, buf[n++] = 1; /* receivers [1] */
    buf[n++] = 0x22, buf[n++] = (uint8_t)msglen;    /* msg */
    memcpy(buf + n, msg, msglen);
    n += msglen;
    rebuild_with_bad_entry(buf, n, err, sizeof err);
    snprintf(want, sizeof want, "journal entry lsn 3 holds a field or message kind this "
             "build does not know (in %s): written by a newer stratd, or corrupt; "
             "refusing to replay it", where);
    ck_assert_str_eq(err, want);
}

START_TEST(test_unknown_kind)
{
    /* Msg field 999 (a kind of a newer build): a varint 1 */
    static const uint8_t msg[] = {0xb8, 0x3e, 0x01};

    check_unknown(msg, sizeof msg, "stratd.Msg (a message kind this build does not know)");
}
END_TEST

START_TEST(test_unknown_field)
{
    /* a Poke{value 5} with field 15 (a field of a newer build) */
    uint8_t msg[8];
    size_t n = 0;

    ck_assert_uint_lt(STRATD__MSG__KIND_POKE, 16);
    msg[n++] = (uint8_t)(STRATD__MSG__KIND_POKE << 3 | 2);
    msg[n++] = 4;
    msg[n++] = 0x08, msg[n++] = 5;       /* value 5 */
    msg[n++] = 0x78, msg[n++] = 1;       /* field 15 */
    check_unknown(msg, n, "stratd.Poke");
}
END_TEST

START_TEST(test_corrupt_garbage)
{
    /* an over-long varint: not protobuf at all */
    static const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    check_corrupt(junk, sizeof junk);
}
END_TEST

START_TEST(test_corrupt_truncated)
{
    /* a real entry cut short */
    static const uint32_t to1[] = {1};
    uint8_t *buf;
    size_t len = tu_pack_poke(&buf, TIME(3), 0, to1, 1, 30);

    check_corrupt(buf, len - 2);
    free(buf);
}
END_TEST

START_TEST(test_corrupt_no_message)
{
    /* decodes, but carries no message: damaged too */
    Stratd__Entry pe = STRATD__ENTRY__INIT;
    uint32_t to1[] = {1};
    uint8_t buf[64];
    size_t len;

    pe.time_ns = TIME(3);
    pe.n_receivers = 1;
    pe.receivers = to1;
    len = stratd__entry__pack(&pe, buf);
    check_corrupt(buf, len);
}
END_TEST

static int stop_at_first(void *arg, uint64_t done, uint64_t total)
{
    (void)total;
    *(uint64_t *)arg = done;
    return 1;
}

START_TEST(test_progress_stop)
{
    /* progress is called every 65536 entries; a nonzero return stops */
    struct tu_rig r;
    char err[256] = "";
    uint64_t seen = 0;
    const uint32_t to1[] = {1};

    tu_rig_open(&r, pair_yaml);
    put_actor(&r, "r1", 1, 0);
    for (uint64_t lsn = 1; lsn <= 65536 + 10; lsn++)
        put_entry(r.j, lsn, 0, to1, 1, REC_FWD + lsn);
    ck_assert_int_eq(journal_commit(r.j), 0);
    tu_rig_restart(&r);
    ck_assert_int_eq(rebuild_run(&r.rt, stop_at_first, &seen, err, sizeof err), 1);
    ck_assert_uint_eq(seen, 65536);
    ck_assert_uint_eq(r.rt.rebuild.entries, 65536);
    ck_assert_uint_eq(r.rt.backlog, 65536);   /* all above the watermark */
    tu_rig_close(&r);
}
END_TEST

/* ---- I1 in miniature -------------------------------------------------------------- */

static const char *const net_yaml =
    "  - { id: a, kind: recorder, params: { peer: c } }\n"
    "  - { id: b, kind: recorder, params: { peer: a } }\n"
    "  - { id: c, kind: recorder }\n"
    "  - { id: fan, kind: recorder, params: { peer: b, peer2: c } }\n";

/* A live run (after go_live): `iters` iterations of [sends from outside, a
 * round with a small batch per turn, a commit], so that mail is left over
 * in mailboxes at every commit. */
static void live_run(struct tu_rig *r, int iters, uint64_t x)
{
    r->rt.batch_per_turn = 3;
    for (int i = 0; i < iters; i++) {
        for (int k = 0; k < 4; k++) {
            actor_ref to[2];
            size_t n = 1;
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            to[0] = (actor_ref)(x >> 33) % 4;
            if ((x >> 40) % 3 == 0) {
                to[1] = (to[0] + 1) % 4;
                n = 2;
            }
            tu_send_poke(&r->rt.actors[(x >> 50) % 4], to, n, (x >> 20) % 1000);
        }
        runtime_round(&r->rt);
        ck_assert_int_eq(runtime_commit(&r->rt), 0);
    }
}

static void digests(struct tu_rig *r, uint64_t d[4])
{
    ck_assert_uint_eq(r->rt.n_actors, 4);
    for (size_t i = 0; i < 4; i++)
        d[i] = runtime_digest(&r->rt.actors[i]);
}

START_TEST(test_i1_after_crash)
{
    struct tu_rig r;
    uint64_t before[4], after[4], handled[4], left = 0;
    char err[256] = "";

    tu_rig_open(&r, net_yaml);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    live_run(&r, 40, 99);
    digests(&r, before);
    for (size_t i = 0; i < 4; i++) {
        handled[i] = r.rt.actors[i].handled;
        left += r.rt.actors[i].mbox.len;
        ck_assert_uint_gt(((struct rec_state *)r.rt.actors[i].state)->n, 10);
    }
    ck_assert_uint_gt(left, 0);   /* committed but not handled yet */

    /* one more iteration that never commits: lost as in a crash */
    {
        actor_ref to = 0;
        tu_send_poke(&r.rt.actors[1], &to, 1, 5);
        ck_assert_uint_gt(runtime_round(&r.rt), 0);
        digests(&r, after);
        ck_assert(memcmp(before, after, sizeof before) != 0);
    }
    tu_rig_restart(&r);

    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    digests(&r, after);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_msg(after[i] == before[i], "actor %s: digest %016llx after "
                      "rebuild, %016llx at the last commit", r.rt.actors[i].topo->id,
                      (unsigned long long)after[i], (unsigned long long)before[i]);
        ck_assert_uint_eq(r.rt.actors[i].handled, handled[i]);
    }
    /* the mail left over is the backlog */
    ck_assert_uint_eq(r.rt.backlog, left);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    ck_assert_uint_eq(r.rt.backlog, 0);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_i1_after_clean_stop)
{
    struct tu_rig r;
    uint64_t before[4], after[4];
    struct meta m;
    char err[256] = "";

    tu_rig_open(&r, net_yaml);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    live_run(&r, 25, 7);
    /* drain, so the stop leaves nothing behind */
    while (runtime_round(&r.rt) > 0)
        ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    digests(&r, before);
    ck_assert_int_eq(runtime_stop(&r.rt), 0);
    tu_rig_restart(&r);

    ck_assert(r.rt.meta.clean);
    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(r.rt.backlog, 0);
    digests(&r, after);
    for (size_t i = 0; i < 4; i++) {
        struct meta_actor *ma = meta_find_uuid(&r.rt.meta, r.rt.actors[i].uuid);
        ck_assert_ptr_nonnull(ma);
        ck_assert(ma->has_digest);
        /* the digest stored at the stop, the one now, the one before */
        ck_assert_uint_eq(ma->digest, before[i]);
        ck_assert_uint_eq(after[i], before[i]);
    }

    /* going live again: the stored digests and the marker are retired */
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    ck_assert_int_eq(meta_load(r.j, &m, err, sizeof err), 0);
    ck_assert(!m.clean);
    for (size_t i = 0; i < m.n; i++)
        ck_assert(!m.actors[i].has_digest);
    meta_release(&m);

    /* and a second generation rebuilds to the same state as well */
    live_run(&r, 10, 8);
    digests(&r, before);
    tu_rig_restart(&r);
    ck_assert(!r.rt.meta.clean);
    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    digests(&r, after);
    ck_assert_mem_eq(after, before, sizeof before);
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_i1_actor_removed)
{
    /* b disappears from the YAML (the others keep their ids, not their
     * refs): the others still rebuild to the digests they had, including
     * what they recorded of b as a sender */
    static const char *const four =
        "  - { id: a, kind: recorder, params: { peer: c } }\n"
        "  - { id: b, kind: recorder, params: { peer: c } }\n"
        "  - { id: c, kind: recorder }\n"
        "  - { id: d, kind: recorder, params: { peer: c } }\n";
    static const char *const three =
        "  - { id: a, kind: recorder, params: { peer: c } }\n"
        "  - { id: c, kind: recorder }\n"
        "  - { id: d, kind: recorder, params: { peer: c } }\n";
    static const char *const ids[3] = {"a", "c", "d"};
    struct tu_rig r;
    uint64_t before[3];
    char err[256] = "";
    bool from_b = false;

    tu_rig_open(&r, four);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    live_run(&r, 30, 11);
    while (runtime_round(&r.rt) > 0)
        ck_assert_int_eq(runtime_commit(&r.rt), 0);
    ck_assert_int_eq(runtime_commit(&r.rt), 0);
    for (int i = 0; i < 3; i++)
        before[i] = runtime_digest(by_id(&r, ids[i]));
    {
        struct rec_state *sc = by_id(&r, "c")->state;
        for (uint64_t k = 0; k < sc->n; k++)
            from_b |= sc->items[k].sender_key == key_of("b");
    }
    ck_assert(from_b);   /* c did hear from b */

    tu_rig_restart_with(&r, three);
    ck_assert_uint_eq(r.rt.n_actors, 3);
    ck_assert_uint_eq(r.rt.n_all, 4);
    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(runtime_digest(by_id(&r, ids[i])) == before[i],
                      "actor %s drifted after b was removed", ids[i]);
    /* live again: a send to the removed actor's ref is not journaled */
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    {
        actor_ref to = r.rt.actors[3].ref;
        uint64_t next = r.rt.next_lsn;
        ck_assert(r.rt.actors[3].removed);
        tu_send_poke(by_id(&r, "a"), &to, 1, 1);
        ck_assert_uint_eq(r.rt.next_lsn, next);
        ck_assert_uint_eq(r.rt.actors[3].mbox.len, 0);
    }
    tu_rig_close(&r);
}
END_TEST

START_TEST(test_i1_rng_matters)
{
    /* the digest check is not vacuous: a rebuild that skips one entry of
     * one actor ends with another digest */
    struct tu_rig r;
    uint64_t before[4], after[4];
    char err[256] = "";
    struct actor *c;

    tu_rig_open(&r, net_yaml);
    ck_assert_int_eq(runtime_go_live(&r.rt), 0);
    live_run(&r, 10, 3);
    digests(&r, before);
    tu_rig_restart(&r);
    c = &r.rt.actors[2];
    ck_assert_uint_gt(c->watermark, 0);
    /* pretend c's watermark is one entry short */
    {
        struct journal_iter *it = journal_scan(r.j, 1);
        const uint8_t *val;
        uint64_t lsn, prev = 0;
        size_t len;
        while (journal_iter_next(it, &lsn, &val, &len) && lsn < c->watermark) {
            Stratd__Entry *pe = stratd__entry__unpack(NULL, len, val);
            ck_assert_ptr_nonnull(pe);
            for (size_t i = 0; i < pe->n_receivers; i++)
                if (pe->receivers[i] == c->number)
                    prev = lsn;
            stratd__entry__free_unpacked(pe, NULL);
        }
        journal_iter_free(it);
        c->watermark = prev;
    }
    ck_assert_int_eq(rebuild_run(&r.rt, NULL, NULL, err, sizeof err), 0);
    digests(&r, after);
    ck_assert_uint_eq(after[0], before[0]);
    ck_assert_uint_ne(after[2], before[2]);
    tu_rig_close(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rebuild");
    TCase *tc;

    log_init(LOG_ERROR);
    tc = tu_tcase(s, "replay");
    tcase_add_test(tc, test_replay_single_actor);
    tcase_add_test(tc, test_replay_split_receivers);
    tcase_add_test(tc, test_replay_many_and_huge);
    tcase_add_test(tc, test_replay_retired_number);
    tcase_add_test(tc, test_corrupt_garbage);
    tcase_add_test(tc, test_corrupt_truncated);
    tcase_add_test(tc, test_corrupt_no_message);
    tcase_add_test(tc, test_unknown_kind);
    tcase_add_test(tc, test_unknown_field);
    tcase_add_test(tc, test_progress_stop);

    tc = tu_tcase(s, "determinism");
    tcase_add_test(tc, test_i1_after_crash);
    tcase_add_test(tc, test_i1_after_clean_stop);
    tcase_add_test(tc, test_i1_actor_removed);
    tcase_add_test(tc, test_i1_rng_matters);

    return tu_run(s);
}
