/*
 * timer.c — the timer service: TimerRequest in, TimerFired out.
 *
 * State: the pending timers (owner, token, deadline, request lsn). A firing
 * is one journal entry sent to the owner and to the service itself; the
 * service drops the timer only when it handles that entry, so a rebuild
 * restores exactly the timers that had not fired, and go_live re-arms them
 * (overdue ones fire at once).
 *
 * `emitted` marks a timer whose TimerFired is in flight (sent, not yet
 * handled here). It lives only in this process and is not part of the
 * digest.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "service.h"
#include "stats.h"

struct timer_item {
    actor_ref owner;
    uint64_t token;
    int64_t fire_at_ns;
    uint64_t request_lsn;
    bool emitted;
};

struct timer_state {
    struct timer_item *items;
    size_t n, cap;
    uint64_t requested, fired;
    struct actor *self;
    uv_timer_t uv;
    bool uv_init;
};

static void rearm(struct timer_state *s);

static void on_uv_timer(uv_timer_t *h)
{
    struct timer_state *s = h->data;
    int64_t now = service_wall_ns();
    actor_ref to[2];

    for (size_t i = 0; i < s->n; i++) {
        struct timer_item *t = &s->items[i];
        if (t->emitted || t->fire_at_ns > now)
            continue;
        Stratd__TimerFired tf = STRATD__TIMER_FIRED__INIT;
        Stratd__Msg m = STRATD__MSG__INIT;
        tf.token = t->token;
        tf.fire_at_ns = t->fire_at_ns;
        tf.request_lsn = t->request_lsn;
        m.kind_case = STRATD__MSG__KIND_TIMER_FIRED;
        m.timer_fired = &tf;
        to[0] = t->owner;
        to[1] = actor_self(s->self);
        t->emitted = true;
        actor_send_many(s->self, to, t->owner == to[1] ? 1 : 2, &m);
    }
    rearm(s);
}

/* Arm the uv timer for the earliest deadline not yet emitted. */
static void rearm(struct timer_state *s)
{
    int64_t next = INT64_MAX, now;

    if (!s->uv_init || !actor_live(s->self))
        return;
    for (size_t i = 0; i < s->n; i++)
        if (!s->items[i].emitted && s->items[i].fire_at_ns < next)
            next = s->items[i].fire_at_ns;
    if (next == INT64_MAX) {
        uv_timer_stop(&s->uv);
        return;
    }
    now = service_wall_ns();
    uint64_t ms = next <= now ? 0 : (uint64_t)((next - now + 999999) / 1000000);
    uv_timer_start(&s->uv, on_uv_timer, ms, 0);
}

static void timer_init(struct actor *a, void *state, const void *params)
{
    struct timer_state *s = state;
    (void)params;
    s->self = a;
}

static void add(struct timer_state *s, const struct msg *m)
{
    const Stratd__TimerRequest *r = m->body->timer_request;

    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->items = realloc(s->items, s->cap * sizeof *s->items);
        if (!s->items)
            abort();
    }
    s->items[s->n++] = (struct timer_item){m->sender, r->token, r->fire_at_ns,
                                           m->lsn, false};
    s->requested++;
}

static void drop(struct timer_state *s, uint64_t request_lsn)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].request_lsn == request_lsn) {
            /* keep order: digests hash the list in order */
            memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof *s->items);
            s->n--;
            s->fired++;
            return;
        }
}

static void timer_on_message(struct actor *a, void *state, const struct msg *m)
{
    struct timer_state *s = state;

    switch (m->body->kind_case) {
    case STRATD__MSG__KIND_TIMER_REQUEST:
        if (m->sender != ACTOR_REF_NONE)
            add(s, m);
        break;
    case STRATD__MSG__KIND_TIMER_FIRED:
        if (m->sender == actor_self(a))
            drop(s, m->body->timer_fired->request_lsn);
        break;
    default:
        break;
    }
    rearm(s);
}

static uint64_t timer_digest(const void *state, uint64_t h)
{
    const struct timer_state *s = state;

    h = hash_u64(h, s->n);
    h = hash_u64(h, s->requested);
    h = hash_u64(h, s->fired);
    for (size_t i = 0; i < s->n; i++) {
        const struct timer_item *t = &s->items[i];
        h = hash_u64(h, actor_stable_key(s->self, t->owner));
        h = hash_u64(h, t->token);
        h = hash_u64(h, (uint64_t)t->fire_at_ns);
        h = hash_u64(h, t->request_lsn);
    }
    return h;
}

static void timer_stats(const void *state, struct stats *out)
{
    const struct timer_state *s = state;
    stats_uint(out, "pending", s->n);
    stats_uint(out, "requested", s->requested);
    stats_uint(out, "fired", s->fired);
}

static void timer_go_live(struct actor *a, void *state, uv_loop_t *loop)
{
    struct timer_state *s = state;
    (void)a;
    uv_timer_init(loop, &s->uv);
    s->uv.data = s;
    s->uv_init = true;
    rearm(s);
}

static void timer_stop(struct actor *a, void *state)
{
    struct timer_state *s = state;
    (void)a;
    if (s->uv_init) {
        uv_timer_stop(&s->uv);
        uv_close((uv_handle_t *)&s->uv, NULL);
        s->uv_init = false;
    }
}

static void timer_release(void *state)
{
    struct timer_state *s = state;
    free(s->items);
}

static const struct param_def timer_params[] = {
    {NULL},
};

static const struct service_ops timer_service = {
    .go_live = timer_go_live,
    .stop = timer_stop,
};

const struct actor_kind timer_kind = {
    .name = "timer",
    .role = "timer",
    .params = timer_params,
    .state_size = sizeof(struct timer_state),
    .init = timer_init,
    .on_message = timer_on_message,
    .digest = timer_digest,
    .stats = timer_stats,
    .release = timer_release,
    .service = &timer_service,
};
