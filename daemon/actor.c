/*
 * actor.c — the actor context API (include/stratd/actor.h, service.h): what
 * a handler may do, and the send path behind actor_send*().
 *
 * Invariants:
 *   - A send is journaled when it is enqueued: it gets the next lsn and its
 *     time stamp, is packed once into the iteration's WriteBatch, and the
 *     receivers' mailboxes get the entry unpacked from those same bytes, so
 *     a live handler sees exactly what a rebuild will replay.
 *   - While the runtime replays (rt->replaying) or after the journal failed
 *     (rt->failed) a send is dropped: during rebuild its consequences are
 *     already in the journal; after a failure nothing may be added.
 *   - Nothing here reads the wall clock except service_wall_ns() (services
 *     only) and the time stamp of a new entry (clock_stamp).
 *
 * The runtime itself (mailboxes, scheduler, commit) is runtime.c.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "runtime.h"
#include "service.h"
#include "xalloc.h"

/* --- what a handler reads ------------------------------------------------- */

int64_t actor_now(const struct actor *a) { return a->now_ns; }
uint64_t actor_rand(struct actor *a) { return rng_next(&a->rng); }
double actor_rand_unit(struct actor *a) { return rng_unit(&a->rng); }
uint64_t actor_rand_below(struct actor *a, uint64_t n) { return rng_below(&a->rng, n); }
actor_ref actor_self(const struct actor *a) { return a->ref; }
const char *actor_id(const struct actor *a) { return a->topo->id; }
const void *actor_params(const struct actor *a) { return a->topo->params; }
bool actor_replaying(const struct actor *a) { return a->rt->replaying; }
bool actor_live(const struct actor *a) { return a->live; }
int64_t service_wall_ns(void) { return clock_wall_ns(); }

const char *actor_id_of(const struct actor *a, actor_ref r)
{
    return r < a->rt->n_all ? a->rt->actors[r].topo->id : "stratd";
}

uint64_t actor_stable_key(const struct actor *a, actor_ref r)
{
    if (r >= a->rt->n_all)
        return 0;
    return a->rt->actors[r].stable_key;
}

void actor_log(struct actor *a, enum log_level level, const char *fmt, ...)
{
    va_list ap;

    if (a->rt->replaying)
        return;
    va_start(ap, fmt);
    log_vmsg(level, a->topo->id, fmt, ap);
    va_end(ap);
}

void service_after_commit(struct actor *a, void (*fn)(void *arg), void *arg)
{
    struct runtime *rt = a->rt;

    xgrow((void **)&rt->after, &rt->cap_after, rt->n_after + 1, sizeof *rt->after);
    rt->after[rt->n_after++] = (struct after_commit){fn, arg};
}

/* --- the send path ---------------------------------------------------------- */

void actor__send_entry(struct runtime *rt, struct actor *from, const actor_ref *to,
                       size_t n, const Stratd__Msg *m)
{
    Stratd__Entry pe = STRATD__ENTRY__INIT;
    uint32_t nums_small[16], *nums = n <= 16 ? nums_small : xmalloc(n * sizeof *nums);
    struct entry *e;
    size_t k = 0, len;

    for (size_t i = 0; i < n; i++) {
        if (to[i] >= rt->n_all) {
            log_warn("%s: send to an unknown actor ref %u dropped",
                     from ? from->topo->id : "stratd", to[i]);
            continue;
        }
        if (!rt->actors[to[i]].removed)
            nums[k++] = rt->actors[to[i]].number;
    }
    if (k == 0)
        goto out;

    pe.time_ns = clock_stamp(&rt->last_time_ns);
    pe.sender = from ? from->number : 0;
    pe.n_receivers = k;
    pe.receivers = nums;
    pe.msg = (Stratd__Msg *)m;
    len = stratd__entry__get_packed_size(&pe);
    if (len > rt->packcap) {
        rt->packcap = len * 2;
        rt->packbuf = xrealloc(rt->packbuf, rt->packcap);
    }
    stratd__entry__pack(&pe, rt->packbuf);

    /* the reference of runtime_entry_new is held while enqueuing */
    e = runtime_entry_new(rt->next_lsn++, from ? from->ref : ACTOR_REF_NONE, rt->packbuf, len);
    journal_append(rt->journal, e->lsn, rt->packbuf, len);
    rt->journaled++;
    runtime_kind_count(&rt->kinds, rt->kinds.journaled, m->kind_case);
    for (size_t i = 0; i < n; i++) {
        if (to[i] >= rt->n_all || rt->actors[to[i]].removed)
            continue;
        e->refs++;
        runtime_enqueue(&rt->actors[to[i]], e);
    }
    runtime_entry_unref(e);
out:
    if (nums != nums_small)
        free(nums);
}

void actor_send_many(struct actor *a, const actor_ref *to, size_t n,
                     const Stratd__Msg *m)
{
    struct runtime *rt = a->rt;

    if (rt->replaying || rt->failed || n == 0)
        return;
    actor__send_entry(rt, a, to, n, m);
}

void actor_send(struct actor *a, actor_ref to, const Stratd__Msg *m)
{
    actor_send_many(a, &to, 1, m);
}

void actor_subscribe(struct actor *a, actor_ref feed, const char *symbol)
{
    Stratd__Subscribe s = STRATD__SUBSCRIBE__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    char *syms[1] = {(char *)symbol};

    s.n_symbols = 1;
    s.symbols = syms;
    m.kind_case = STRATD__MSG__KIND_SUBSCRIBE;
    m.subscribe = &s;
    actor_send(a, feed, &m);
}

void actor_timer_at(struct actor *a, actor_ref timer, int64_t fire_at_ns, uint64_t token)
{
    Stratd__TimerRequest r = STRATD__TIMER_REQUEST__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;

    r.token = token;
    r.fire_at_ns = fire_at_ns;
    m.kind_case = STRATD__MSG__KIND_TIMER_REQUEST;
    m.timer_request = &r;
    actor_send(a, timer, &m);
}
