/*
 * runtime.c — the runtime: actors spawned from the topology, their
 * mailboxes, the fair scheduler, the group commit, going live and stopping
 * (see runtime.h for the phases and the group-commit invariant). What a
 * handler calls (actor_send* and the rest of the actor API) is actor.c.
 *
 * Invariants:
 *   - An entry is shared by the mailboxes that hold it: each holds one
 *     reference, and runtime_entry_unref frees it with the last one.
 *   - An actor is in the run queue exactly when in_runq is set, and it is
 *     set whenever its mailbox is not empty (runtime_enqueue) until a round
 *     drains it.
 *   - Only a live delivery moves a watermark; a moved watermark is written
 *     with the batch of the iteration that moved it (rt->dirty).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hash.h"
#include "log.h"
#include "runtime.h"
#include "trading.h"
#include "service.h"
#include "stats.h"
#include "uuid.h"
#include "xalloc.h"

#define DEFAULT_BATCH_PER_TURN 64
#define DEFAULT_BUDGET 4096

/* --- entries and mailboxes ----------------------------------------------- */

struct entry *runtime_entry_new(uint64_t lsn, actor_ref sender, const void *bytes, size_t len)
{
    struct entry *e = xmalloc(sizeof *e);

    e->lsn = lsn;
    e->sender = sender;
    e->refs = 1;
    e->pb = stratd__entry__unpack(NULL, len, bytes);
    if (!e->pb) {
        log_error("stratd__entry__unpack: entry %llu no longer decodes (%zu bytes)",
                  (unsigned long long)lsn, len);
        abort();
    }
    e->time_ns = e->pb->time_ns;
    return e;
}

void runtime_entry_unref(struct entry *e)
{
    if (--e->refs == 0) {
        stratd__entry__free_unpacked(e->pb, NULL);
        free(e);
    }
}

static void runq_push(struct runtime *rt, struct actor *a)
{
    a->in_runq = true;
    a->runq_next = NULL;
    if (rt->runq_tail)
        rt->runq_tail->runq_next = a;
    else
        rt->runq_head = a;
    rt->runq_tail = a;
    rt->runq_len++;
}

static struct actor *runq_pop(struct runtime *rt)
{
    struct actor *a = rt->runq_head;

    if (!a)
        return NULL;
    rt->runq_head = a->runq_next;
    if (!rt->runq_head)
        rt->runq_tail = NULL;
    rt->runq_len--;
    a->in_runq = false;
    return a;
}

void runtime_enqueue(struct actor *a, struct entry *e)
{
    struct mailbox *mb = &a->mbox;

    if (mb->len == mb->cap) {
        size_t cap = mb->cap ? 2 * mb->cap : 16;
        struct entry **v = xmalloc(cap * sizeof *v);
        for (size_t i = 0; i < mb->len; i++)
            v[i] = mb->v[(mb->head + i) % mb->cap];
        free(mb->v);
        mb->v = v;
        mb->head = 0;
        mb->cap = cap;
    }
    mb->v[(mb->head + mb->len) % mb->cap] = e;
    mb->len++;
    if (mb->len > a->rt->mailbox_max)
        a->rt->mailbox_max = mb->len;
    if (!a->in_runq)
        runq_push(a->rt, a);
}

static struct entry *mailbox_pop(struct mailbox *mb)
{
    struct entry *e;

    if (mb->len == 0)
        return NULL;
    e = mb->v[mb->head];
    mb->head = (mb->head + 1) % mb->cap;
    mb->len--;
    return e;
}

/* --- delivery and scheduling ---------------------------------------------- */

static void dispatch(struct actor *a, const struct entry *e)
{
    struct msg m = {e->lsn, e->time_ns, e->sender, e->pb->msg};

    a->now_ns = e->time_ns;
    if (m.body) {
        if (m.body->kind_case == STRATD__MSG__KIND_START) {
            trading_start(a);
            if (a->kind->on_start)
                a->kind->on_start(a, a->state);
        } else if (a->account && trading_dispatch(a, &m)) {
            /* handled by a typed callback */
        } else if (a->kind->on_message) {
            a->kind->on_message(a, a->state, &m);
        }
    }
    a->handled++;
    a->last_msg_ns = e->time_ns;
}

void runtime_replay(struct actor *a, const struct entry *e)
{
    dispatch(a, e);
}

void runtime_deliver(struct actor *a, struct entry *e)
{
    dispatch(a, e);
    a->watermark = e->lsn;
    a->rt->delivered++;
    if (e->pb->msg)
        runtime_kind_count(&a->rt->kinds, a->rt->kinds.handled, e->pb->msg->kind_case);
    if (!a->dirty) {
        struct runtime *rt = a->rt;
        a->dirty = true;
        rt->dirty[rt->n_dirty++] = a;
    }
}

size_t runtime_round(struct runtime *rt)
{
    size_t actors = rt->runq_len, handled = 0;

    while (actors-- > 0 && !rt->failed) {
        struct actor *a = runq_pop(rt);
        struct entry *e;
        for (size_t k = 0; k < rt->batch_per_turn && (e = mailbox_pop(&a->mbox)); k++) {
            if (e->lsn <= rt->backlog_lsn && rt->backlog > 0)
                rt->backlog--;
            runtime_deliver(a, e);
            runtime_entry_unref(e);
            handled++;
        }
        if (a->mbox.len > 0 && !a->in_runq)
            runq_push(rt, a);
    }
    return handled;
}

size_t runtime_run(struct runtime *rt, size_t budget)
{
    size_t handled = 0, n;

    while (handled < budget && rt->runq_len > 0 && !rt->failed && (n = runtime_round(rt)) > 0)
        handled += n;
    return handled;
}

int runtime_commit(struct runtime *rt)
{
    /* Sticky: never release output after a lost batch, nor once the
     * journal failed elsewhere (a WAL sync, the clean-stop flush). */
    if (rt->failed || journal_error(rt->journal)) {
        rt->failed = true;
        return -1;
    }
    for (size_t i = 0; i < rt->n_dirty; i++) {
        struct actor *a = rt->dirty[i];
        meta_put_watermark(rt->journal, a->number, a->watermark);
        a->dirty = false;
    }
    rt->n_dirty = 0;
    if (journal_pending(rt->journal) > 0) {
        size_t n = journal_pending(rt->journal);
        double t0 = clock_mono_s();
        if (journal_commit(rt->journal) != 0) {
            rt->failed = true;
            rt->n_after = 0;   /* never release output of a lost batch */
            return -1;
        }
        histogram_observe(&rt->commit_seconds, clock_mono_s() - t0);
        histogram_observe(&rt->batch_entries, (double)n);
        rt->commits++;
    }
    /* Callbacks may register more (for the next batch): run the ones
     * present now only. */
    size_t n = rt->n_after;
    for (size_t i = 0; i < n; i++)
        rt->after[i].fn(rt->after[i].arg);
    if (n > 0) {
        memmove(rt->after, rt->after + n, (rt->n_after - n) * sizeof *rt->after);
        rt->n_after -= n;
    }
    return 0;
}

/* --- counters by message kind ------------------------------------------------ */

void runtime_kinds_init(struct runtime_kinds *k, const ProtobufCMessageDescriptor *d)
{
    memset(k, 0, sizeof *k);
    k->desc = d;
    k->n = d->n_fields;
    for (size_t i = 0; i < k->n; i++)
        if (d->fields[i].id > k->max_kind)
            k->max_kind = d->fields[i].id;
    k->slot_of = xmalloc(((size_t)k->max_kind + 1) * sizeof *k->slot_of);
    for (size_t kind = 0; kind <= k->max_kind; kind++)
        k->slot_of[kind] = (uint32_t)k->n;
    for (size_t i = 0; i < k->n; i++)
        k->slot_of[d->fields[i].id] = (uint32_t)i;
    k->handled = xcalloc(k->n, sizeof *k->handled);
    k->journaled = xcalloc(k->n, sizeof *k->journaled);
}

void runtime_kinds_release(struct runtime_kinds *k)
{
    free(k->slot_of);
    free(k->handled);
    free(k->journaled);
    memset(k, 0, sizeof *k);
}

/* --- setup ------------------------------------------------------------------ */

/* What an actor removed from the topology runs as: nothing. */
static const struct actor_kind removed_kind = {
    .name = "removed",
};

/* The kind's state, zeroed; a trading kind's account right before it in
 * the same block (so a flat state and its account digest as one). */
static void runtime_alloc_state(struct actor *a)
{
    size_t acct = trading_account_size(a->kind);
    char *block = xcalloc(1, acct + a->kind->state_size);

    a->account = acct ? (struct accounting *)block : NULL;
    a->state = block + acct;
    trading_init(a);
}

/* Step 1 and 2 of a restart for every actor of the topology: its identity
 * (uuid from the id; number and watermark from the journal's metadata, or
 * the next free number when the journal does not know it), its rng seeded
 * from the uuid, its state from the kind's init and the YAML params.
 * Returns the next free permanent number. */
static uint32_t spawn_topology_actors(struct runtime *rt, uint32_t next_number)
{
    const struct topology *t = rt->topo;

    for (size_t i = 0; i < t->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        const struct topo_actor *ta = &t->actors[i];
        struct meta_actor *ma;

        a->rt = rt;
        a->kind = ta->kind;
        a->topo = ta;
        a->ref = (actor_ref)i;
        uuid_v5(a->uuid, uuid_ns_stratd, ta->id, strlen(ta->id));
        a->stable_key = hash_bytes(HASH_SEED, a->uuid, 16);
        ma = meta_find_uuid(&rt->meta, a->uuid);
        if (ma) {
            a->number = ma->number;
            a->watermark = ma->watermark;
        } else {
            a->number = next_number++;
            a->is_new = true;
        }
        rng_seed(&a->rng, a->uuid);
        runtime_alloc_state(a);
        if (a->kind->init)
            a->kind->init(a, a->state, ta->params);
    }
    return next_number;
}

/* Stand-ins, after the topology's actors, for the journal's actors that are
 * no longer in the topology (removed, or retired: its id may be back as a
 * new actor): each keeps its old number, uuid and stable key and handles
 * nothing. Sets rt->n_all. */
static void spawn_removed_standins(struct runtime *rt)
{
    size_t n_all = rt->n_actors;

    for (size_t i = 0; i < rt->meta.n; i++) {
        struct meta_actor *ma = &rt->meta.actors[i];
        struct topo_actor *ta = &rt->removed_topo[n_all - rt->n_actors];
        struct actor *a = &rt->actors[n_all];

        if (!ma->retired && topology_find(rt->topo, ma->id) >= 0)
            continue;
        memset(ta, 0, sizeof *ta);
        ta->id = ma->id;
        ta->kind = &removed_kind;
        a->rt = rt;
        a->kind = &removed_kind;
        a->topo = ta;
        a->ref = (actor_ref)n_all++;
        a->removed = true;
        a->number = ma->number;
        memcpy(a->uuid, ma->uuid, 16);
        a->stable_key = hash_bytes(HASH_SEED, a->uuid, 16);
    }
    rt->n_all = n_all;
}

/* rt->by_number: permanent number -> actor, over numbers [0, n_numbers). */
static void index_by_number(struct runtime *rt, uint32_t n_numbers)
{
    rt->n_numbers = n_numbers;
    rt->by_number = xcalloc(n_numbers, sizeof *rt->by_number);
    for (size_t i = 0; i < rt->n_all; i++)
        rt->by_number[rt->actors[i].number] = &rt->actors[i];
}

int runtime_init(struct runtime *rt, const struct topology *t, struct journal *j,
                 struct meta *m, uv_loop_t *loop)
{
    uint32_t next_number;
    size_t n_slots;

    memset(rt, 0, sizeof *rt);
    rt->topo = t;
    rt->journal = j;
    rt->meta = *m;   /* takes ownership */
    memset(m, 0, sizeof *m);
    rt->loop = loop;
    rt->batch_per_turn = DEFAULT_BATCH_PER_TURN;
    rt->budget = DEFAULT_BUDGET;
    histogram_init(&rt->commit_seconds, histogram_seconds_le);
    histogram_init(&rt->fsync_seconds, histogram_seconds_le);
    histogram_init(&rt->batch_entries, histogram_entries_le);
    runtime_kinds_init(&rt->kinds, &stratd__msg__descriptor);
    rt->n_actors = t->n_actors;
    /* room for every topology actor and a stand-in for every journal actor */
    n_slots = t->n_actors + rt->meta.n + 1;
    rt->actors = xcalloc(n_slots, sizeof *rt->actors);
    rt->removed_topo = xmalloc((rt->meta.n + 1) * sizeof *rt->removed_topo);
    rt->dirty = xmalloc(t->n_actors * sizeof *rt->dirty);

    next_number = spawn_topology_actors(rt, rt->meta.max_number + 1);
    spawn_removed_standins(rt);
    index_by_number(rt, next_number);
    rt->backlog_lsn = journal_last_lsn(j);
    rt->next_lsn = rt->backlog_lsn + 1;
    rt->phase = PHASE_REBUILDING;
    /* an unreadable last entry is damage: never start again at lsn 1 */
    return journal_read_error(j) ? -1 : 0;
}

void runtime_release(struct runtime *rt)
{
    for (size_t i = 0; i < rt->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        struct entry *e;
        while ((e = mailbox_pop(&a->mbox)))
            runtime_entry_unref(e);
        free(a->mbox.v);
        if (a->kind->release)
            a->kind->release(a->state);
        free(a->account ? (void *)a->account : a->state);
    }
    free(rt->actors);
    free(rt->removed_topo);
    free(rt->by_number);
    free(rt->dirty);
    free(rt->after);
    free(rt->packbuf);
    runtime_kinds_release(&rt->kinds);
    meta_release(&rt->meta);
    memset(rt, 0, sizeof *rt);
}

struct actor *runtime_by_id(struct runtime *rt, const char *id)
{
    for (size_t i = 0; i < rt->n_actors; i++)
        if (strcmp(rt->actors[i].topo->id, id) == 0)
            return &rt->actors[i];
    return NULL;
}

void runtime_stats(const struct actor *a, struct stats *out)
{
    stats_reset(out);
    trading_stats(a, out);
    stats_add(out, a->kind, a->state);
}

uint64_t runtime_digest(const struct actor *a)
{
    uint64_t h = hash_u64(HASH_SEED, a->stable_key);

    size_t acct = trading_account_size(a->kind);

    if (a->kind->digest)
        h = a->kind->digest(a->state, trading_digest(a, h));
    else   /* a flat state's bytes, a trading kind's account (before it) too */
        h = hash_bytes(h, (const char *)a->state - acct, acct + a->kind->state_size);
    return hash_bytes(h, a->rng.s, sizeof a->rng.s);
}

/* --- going live and stopping ------------------------------------------------ */

static void on_idle(uv_idle_t *h)
{
    struct runtime *rt = h->data;

    runtime_run(rt, rt->budget);
    if (rt->runq_len == 0 || rt->failed)
        uv_idle_stop(&rt->idle);
}

static void on_prepare(uv_prepare_t *h)
{
    struct runtime *rt = h->data;

    if (rt->failed)
        return;
    if (runtime_commit(rt) != 0) {
        uv_stop(rt->loop);   /* the failure is logged where it was found */
        return;
    }
    if (rt->runq_len > 0 && rt->phase == PHASE_LIVE)
        uv_idle_start(&rt->idle, on_idle);
}

static void on_sync_timer(uv_timer_t *h)
{
    struct runtime *rt = h->data;
    double t0 = clock_mono_s();

    if (journal_sync(rt->journal) == 0) {
        histogram_observe(&rt->fsync_seconds, clock_mono_s() - t0);
    } else {
        rt->failed = true;
        uv_stop(rt->loop);
    }
}

/* Before the first live write, staged: the format marker on a new journal;
 * the digests of the last clean stop have been compared (drift check), from
 * now on they describe nothing, so they go with the clean marker; the
 * records of the brand-new actors. */
static void record_going_live(struct runtime *rt)
{
    rt->replaying = false;
    if (rt->meta.format == 0)
        meta_put_format(rt->journal);
    if (rt->meta.clean) {
        meta_put_clean(rt->journal, false);
        for (size_t i = 0; i < rt->meta.n; i++)
            if (rt->meta.actors[i].has_digest)
                meta_delete_digest(rt->journal, rt->meta.actors[i].number);
    }
    for (size_t i = 0; i < rt->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        if (a->is_new)
            meta_put_actor(rt->journal, a->uuid, a->number, a->topo, false);
    }
}

/* Step 5, queued before the backlog: one Start sent by the daemon to all
 * brand-new actors, so that it is the first thing each of them handles even
 * when the backlog sends to them. Committed in one batch with the records
 * record_going_live staged: an actor the journal knows has its Start. 0
 * or -1. */
static int start_new_actors(struct runtime *rt)
{
    Stratd__Start st = STRATD__START__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    actor_ref *fresh = xmalloc(rt->n_actors * sizeof *fresh);
    size_t n_fresh = 0;

    for (size_t i = 0; i < rt->n_actors; i++)
        if (rt->actors[i].is_new)
            fresh[n_fresh++] = rt->actors[i].ref;
    if (n_fresh > 0) {
        m.kind_case = STRATD__MSG__KIND_START;
        m.start = &st;
        actor__send_entry(rt, NULL, fresh, n_fresh, &m);
    }
    free(fresh);
    return runtime_commit(rt);
}

/* Step 4: the entries journaled but not handled before the stop, delivered
 * live in lsn order (each mailbox holds them in order) with sends on, one
 * commit per round. 0 or -1. */
static int deliver_backlog(struct runtime *rt)
{
    while (rt->backlog > 0 && !rt->failed) {
        runtime_round(rt);
        if (runtime_commit(rt) != 0)
            return -1;
    }
    return 0;
}

/* Step 4, the services' part: each re-arms, reconnects and reconciles from
 * its replayed state (service_ops.go_live). */
static void services_go_live(struct runtime *rt)
{
    for (size_t i = 0; i < rt->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        if (a->kind->service) {
            a->live = true;
            if (a->kind->service->go_live)
                a->kind->service->go_live(a, a->state, rt->loop);
        }
    }
}

/* The loop takes over: idle runs scheduler passes, prepare commits, and
 * under fsync: interval a timer syncs the journal. */
static void scheduler_on(struct runtime *rt)
{
    uv_idle_init(rt->loop, &rt->idle);
    rt->idle.data = rt;
    uv_prepare_init(rt->loop, &rt->prepare);
    rt->prepare.data = rt;
    uv_prepare_start(&rt->prepare, on_prepare);
    if (rt->runq_len > 0)
        uv_idle_start(&rt->idle, on_idle);
    uv_timer_init(rt->loop, &rt->sync_timer);
    rt->sync_timer.data = rt;
    if (rt->topo->fsync == FSYNC_INTERVAL)
        uv_timer_start(&rt->sync_timer, on_sync_timer, (uint64_t)rt->topo->fsync_interval_ms,
                       (uint64_t)rt->topo->fsync_interval_ms);
}

int runtime_go_live(struct runtime *rt)
{
    record_going_live(rt);
    if (start_new_actors(rt) != 0 || deliver_backlog(rt) != 0)
        return -1;
    services_go_live(rt);
    scheduler_on(rt);
    rt->phase = PHASE_LIVE;
    return 0;
}

int runtime_stop(struct runtime *rt)
{
    int rc = 0;

    rt->phase = PHASE_STOPPING;
    for (size_t i = 0; i < rt->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        if (a->kind->service && a->live) {
            a->live = false;
            if (a->kind->service->stop)
                a->kind->service->stop(a, a->state);
        }
    }
    if (uv_is_active((uv_handle_t *)&rt->idle))
        uv_idle_stop(&rt->idle);
    if (rt->failed || journal_error(rt->journal))
        return -1;
    /* What the stopped services sent last is committed with the digests
     * and the clean marker, then the memtables are flushed so the next
     * start does not replay RocksDB's own log. */
    for (size_t i = 0; i < rt->n_actors; i++)
        meta_put_digest(rt->journal, rt->actors[i].number, runtime_digest(&rt->actors[i]));
    meta_put_clean(rt->journal, true);
    if (runtime_commit(rt) != 0 || journal_sync(rt->journal) != 0 ||
        journal_flush(rt->journal) != 0)
        rc = -1;
    if (uv_is_active((uv_handle_t *)&rt->prepare))
        uv_prepare_stop(&rt->prepare);
    if (uv_is_active((uv_handle_t *)&rt->sync_timer))
        uv_timer_stop(&rt->sync_timer);
    return rc;
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

void runtime_close_handles(struct runtime *rt)
{
    uv_handle_t *hs[] = {(uv_handle_t *)&rt->idle, (uv_handle_t *)&rt->prepare,
                         (uv_handle_t *)&rt->sync_timer};

    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (hs[i]->loop && !uv_is_closing(hs[i]))
            uv_close(hs[i], on_closed);
}
