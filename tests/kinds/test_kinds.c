/*
 * test_kinds.c — stratd-test: the daemon plus strategy kinds that exist only
 * to let integration tests provoke what production code must never do.
 *
 *   drifter  folds $STRATD_TEST_DRIFT into its state on every tick: reading
 *            the environment in a handler is exactly the non-determinism the
 *            drift check must catch.
 *   kicker   after delay_ms sends a Poke to its target; with
 *            $STRATD_TEST_CRASH_AFTER_COMMIT set it kills the process right
 *            after the batch holding that Poke is committed, before the
 *            target handled it (a journaled, unhandled message).
 *   relay    counts Pokes and passes each on to its sink, value + 1.
 *   sink     counts Pokes and sums their values.
 *
 * $STRATD_TEST_FAIL_COMMIT_AFTER=N makes the journal's commit after N
 * successful ones fail like an I/O error (journal_inject_fault).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "journal.h"
#include "json.h"
#include "service.h"
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

static void drifter_stats(const void *state, struct json *out)
{
    const struct drifter_state *s = state;
    json_kv_uint(out, "ticks", s->ticks);
    json_kv_hex64(out, "acc", s->acc);
}

static const struct param_def drifter_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", offsetof(struct drifter_params, feed), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, NULL, offsetof(struct drifter_params, symbol), NULL},
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
    send_poke(a, p->target, 1);
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

static void poke_stats(const void *state, struct json *out)
{
    const struct poke_state *s = state;
    json_kv_uint(out, "pokes", s->pokes);
    json_kv_uint(out, "sum", s->sum);
    json_kv_uint(out, "fired", s->fired);
}

static const struct param_def kicker_params[] = {
    {"timer", PARAM_REF, PARAM_REQUIRED, 0, 0, "timer", offsetof(struct kicker_params, timer), NULL},
    {"target", PARAM_REF, PARAM_REQUIRED, 0, 0, "relay", offsetof(struct kicker_params, target), NULL},
    {"delay_ms", PARAM_INT, 0, 0, 60000, NULL, offsetof(struct kicker_params, delay_ms), "200"},
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

static const struct actor_kind *const test_kinds[] = {
    &drifter_kind, &kicker_kind, &relay_kind, &sink_kind, NULL,
};

int main(int argc, char **argv)
{
    const char *fault = getenv("STRATD_TEST_FAIL_COMMIT_AFTER");

    if (fault)
        journal_inject_fault(atol(fault));
    return stratd_main(argc, argv, test_kinds);
}
