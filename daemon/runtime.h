/*
 * runtime.h — actors, mailboxes, the fair scheduler and the group commit
 * (runtime.c); the actor API behind include/stratd/actor.h is actor.c.
 *
 * Phases of a run (runtime.phase):
 *
 *   runtime_init()      spawn every actor of the topology (params, rng seed)
 *        │
 *   REBUILDING          rebuild_run(): replay ≤ watermark, sends dropped;
 *        │              entries above a watermark go to that mailbox
 *   runtime_go_live()   Start the new actors, handle that backlog (sends
 *        │              on), services go live
 *   LIVE                loop: idle = scheduler passes (runtime_run, up to
 *        │              a budget), prepare = commit
 *        │
 *   runtime_stop()      services stop, commit, digests + clean marker, flush
 *   STOPPING
 *
 * Invariant (the group commit): everything one loop iteration produced —
 * new entries and watermark moves — is in one WriteBatch, committed in the
 * prepare callback before the loop blocks, and output held for that batch
 * (service_after_commit) is released only after it.
 */
#ifndef STRATD_RUNTIME_H
#define STRATD_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "actor.h"
#include "histogram.h"
#include "journal.h"
#include "meta.h"
#include "rng.h"
#include "topology.h"

/* One journal entry on its way to its receivers (shared, refcounted: one
 * reference per mailbox holding it, see runtime_entry_new). */
struct entry {
    uint64_t lsn;
    int64_t time_ns;      /* = pb->time_ns */
    actor_ref sender;     /* ACTOR_REF_NONE: the daemon */
    uint32_t refs;
    Stratd__Entry *pb;    /* unpacked from the journaled bytes */
};

struct mailbox {
    struct entry **v;
    size_t head, len, cap;
};

struct accounting;
struct stats;

struct actor {
    struct runtime *rt;
    const struct actor_kind *kind;
    const struct topo_actor *topo;
    actor_ref ref;
    uint32_t number;          /* permanent; in the journal's receivers */
    uint8_t uuid[16];
    uint64_t stable_key;      /* from uuid, for digests */
    bool is_new;              /* not in the journal before this start */
    bool removed;             /* in the journal, no longer in the topology */
    bool live;                /* service: between go_live and stop */
    void *state;
    struct accounting *account; /* trading kinds: the account, right before
                                 * state in one block (trading.h); else NULL */
    struct rng rng;
    struct mailbox mbox;
    uint64_t watermark;       /* lsn of the last entry handled */
    uint64_t handled;         /* messages handled, rebuild included */
    int64_t now_ns;           /* time of the message being handled */
    int64_t last_msg_ns;
    bool in_runq, dirty;
    struct actor *runq_next;
};

/* Counters by message kind (the Msg oneof of proto/stratd.proto). Slot i
 * counts the kind desc->fields[i]: one slot per field, so no two kinds ever
 * share a counter, however many kinds there are and whatever their numbers.
 * A number the descriptor does not have (KIND__NOT_SET) has no slot. */
struct runtime_kinds {
    const ProtobufCMessageDescriptor *desc;
    uint32_t *slot_of;       /* kind number 0..max_kind -> slot, n: none */
    uint32_t max_kind;
    size_t n;                /* desc->n_fields */
    uint64_t *handled;       /* n: handled live */
    uint64_t *journaled;     /* n: entries written */
};

/* Slots for the fields of d (borrowed; a static descriptor), counters at 0. */
void runtime_kinds_init(struct runtime_kinds *k, const ProtobufCMessageDescriptor *d);
void runtime_kinds_release(struct runtime_kinds *k);

/* The counter slot of kind number `kind` (a Msg kind_case), or k->n. */
static inline size_t runtime_kind_slot(const struct runtime_kinds *k, uint32_t kind)
{
    return kind <= k->max_kind ? k->slot_of[kind] : k->n;
}

/* counters[slot of kind]++, unless the kind has no slot. */
static inline void runtime_kind_count(const struct runtime_kinds *k, uint64_t *counters,
                                      uint32_t kind)
{
    size_t slot = runtime_kind_slot(k, kind);

    if (slot < k->n)
        counters[slot]++;
}

enum runtime_phase { PHASE_STARTING, PHASE_REBUILDING, PHASE_LIVE, PHASE_STOPPING };

struct after_commit {
    void (*fn)(void *arg);
    void *arg;
};

struct runtime {
    const struct topology *topo;
    struct journal *journal;
    struct meta meta;           /* as loaded at start (meta.h); live changes
                                 * go to the journal only */
    /* actors[0, n_actors) are the topology's; actors[n_actors, n_all) stand
     * for actors removed from it: they handle nothing, but keep their ref
     * and stable key so that the state of actors that knew them (a feed's
     * subscriber list) rebuilds exactly as it was. */
    struct actor *actors;
    size_t n_actors, n_all;
    struct topo_actor *removed_topo;   /* one per removed actor */
    struct actor **by_number;   /* permanent number -> actor, or NULL */
    uint32_t n_numbers;
    uint64_t next_lsn;
    int64_t last_time_ns;
    enum runtime_phase phase;
    bool replaying;             /* sends are dropped */
    bool failed;                /* journal failed: stop handling */

    struct actor *runq_head, *runq_tail;
    size_t runq_len;
    size_t batch_per_turn;      /* messages per actor per round */
    size_t budget;              /* messages per loop iteration */

    struct actor **dirty;       /* watermarks to write this iteration */
    size_t n_dirty;
    struct after_commit *after;
    size_t n_after, cap_after;
    uint8_t *packbuf;
    size_t packcap;

    uint64_t backlog;           /* rebuild deliveries still in mailboxes */
    uint64_t backlog_lsn;       /* last lsn journaled before this start */
    uv_loop_t *loop;
    uv_idle_t idle;
    uv_prepare_t prepare;
    uv_timer_t sync_timer;

    /* figures */
    uint64_t delivered, journaled, commits;
    size_t mailbox_max;
    struct runtime_kinds kinds;
    struct histogram commit_seconds, batch_entries, fsync_seconds;
    struct {
        uint64_t entries, deliveries, pending, total_entries;
        double seconds;
    } rebuild;
};

/* Steps 1 and 2 of a restart: spawn the topology's actors (and stand-ins
 * for the journal's actors no longer in it) over the open journal j, whose
 * metadata m the caller loaded and checked (meta_load, meta_diff). Takes
 * over m (emptied; rt->meta from now on). Phase: REBUILDING. 0, or -1 when
 * the last entry cannot be read (journal_read_error: damage; rt must still
 * be released). */
int runtime_init(struct runtime *rt, const struct topology *t, struct journal *j,
                 struct meta *m, uv_loop_t *loop);
void runtime_release(struct runtime *rt);

struct actor *runtime_by_id(struct runtime *rt, const char *id);
uint64_t runtime_digest(const struct actor *a);
/* Empty out and fill it with everything actor a reports: a trading kind's
 * account figures first, then the kind's own. */
void runtime_stats(const struct actor *a, struct stats *out);

/* Deliver one entry to one actor, live: its watermark moves to e->lsn and
 * is written with the iteration's batch. */
void runtime_deliver(struct actor *a, struct entry *e);
/* Hand one entry to one actor during rebuild (rt->replaying: sends dropped;
 * the watermark stays). */
void runtime_replay(struct actor *a, const struct entry *e);
/* The one way an entry is made, live (the send path) and in rebuild (an
 * entry kept for a receiver whose watermark is below it): `bytes` are the
 * packed Stratd__Entry as journaled (borrowed; unpacked into the entry, so a
 * live handler sees what a rebuild will replay). The entry starts with one
 * reference, owned by the caller; for each mailbox the caller adds one
 * (e->refs++) and runtime_enqueue hands it to that mailbox; once every
 * receiver has it the caller drops its own with runtime_entry_unref.
 * Bytes that do not decode abort (callers pass bytes just packed or just
 * decoded). */
struct entry *runtime_entry_new(uint64_t lsn, actor_ref sender, const void *bytes, size_t len);
/* Queue e in a's mailbox (takes over one reference the caller added). */
void runtime_enqueue(struct actor *a, struct entry *e);
/* Drop one reference; the last frees the entry. */
void runtime_entry_unref(struct entry *e);

/* One fair pass: every actor that had mail when the round began handles up
 * to batch_per_turn messages. Returns the number handled. */
size_t runtime_round(struct runtime *rt);
/* Fair passes until every mailbox is empty or `budget` messages were
 * handled: what one loop iteration does before its commit, so that a chain
 * (tick -> strategy -> orders service) completes in one batch and one
 * fsync, while a busy graph still yields to I/O. Returns the number handled. */
size_t runtime_run(struct runtime *rt, size_t budget);
/* Commit the iteration: watermarks, WriteBatch, then released output.
 * 0, or -1 when the journal failed (sticky). */
int runtime_commit(struct runtime *rt);

/* After rebuild_run(), DESIGN.md's rebuild steps 4 and 5: sends on, the
 * journal marked live (format, clean marker and old digests gone, records
 * of new actors), a Start queued to the new actors (step 5, first in their
 * mailboxes), the backlog delivered in lsn order (step 4), services live,
 * scheduler on. 0, or -1 when the journal failed. */
int runtime_go_live(struct runtime *rt);
/* Clean stop: services stop, digests and the clean marker are committed,
 * memtables flushed. 0 or -1. */
int runtime_stop(struct runtime *rt);
/* Close the runtime's libuv handles (then run the loop to finish). */
void runtime_close_handles(struct runtime *rt);

/* --- internal: between actor.c and runtime.c ------------------------------- */

/* The send path (actor.c): journal one send from `from` (NULL: the daemon
 * itself) to n receivers and queue it in their mailboxes, whatever the
 * phase (the caller decides whether sends are on). m is borrowed. Refs that
 * name no actor are skipped with a warning, removed actors silently; with
 * no receiver left nothing is journaled. */
void actor__send_entry(struct runtime *rt, struct actor *from, const actor_ref *to,
                       size_t n, const Stratd__Msg *m);

#endif
