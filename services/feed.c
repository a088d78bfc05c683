/*
 * feed.c — the market-data service: ticks from an exchange (wire.proto) in,
 * Tick messages out to the actors that subscribed to their symbol.
 *
 * Replayable state (changes only in on_message):
 *   - the subscribers of each symbol (Subscribe messages),
 *   - the last sequence number journaled per symbol: every tick is one entry
 *     whose receivers are the subscribers and the feed itself, so the feed
 *     knows after a rebuild exactly where the journal ends.
 * Live only: the connection, the decoder, `emitted` (the last seq sent into
 * the journal, which runs ahead of the handled state while entries are in
 * flight), timers.
 *
 * Exactly once (I2): on every (re)connection the feed subscribes each symbol
 * from emitted + 1; a tick at or below `emitted` is a duplicate and dropped;
 * a tick beyond emitted + 1 is a gap: the connection is dropped and the
 * subscription starts again from emitted + 1. The exchange keeps its ticks
 * so that resuming from any sequence number works.
 *
 * The connection (reconnects, backoff, heartbeat timeout) is conn.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hash.h"
#include "service.h"
#include "stats.h"
#include "subs.h"

struct feed_params {
    char *connect;                 /* HOST:PORT */
    struct param_strings symbols;
    int64_t heartbeat_timeout_ms;
    bool history;                  /* first subscription asks from seq 1 */
};

struct feed_symbol {
    uint64_t last_seq;             /* state: last tick journaled and handled */
    uint64_t emitted;              /* live: last tick sent into the journal */
};

struct feed_state {
    const struct feed_params *p;
    struct actor *self;
    struct feed_symbol *sym;       /* p->symbols.n */
    struct subs *subs;             /* p->symbols.n */
    uint64_t ticks;                /* state: ticks journaled and handled */

    /* live only, not part of the digest */
    struct conn conn;
    bool live;
    uint64_t gaps, dups_dropped;
};

static void feed_init(struct actor *a, void *state, const void *params)
{
    struct feed_state *s = state;

    s->p = params;
    s->self = a;
    s->sym = calloc(s->p->symbols.n, sizeof *s->sym);
    s->subs = calloc(s->p->symbols.n, sizeof *s->subs);
    if (!s->sym || !s->subs)
        abort();
}

/* --- replayable side --------------------------------------------------------- */

static void feed_on_message(struct actor *a, void *state, const struct msg *m)
{
    struct feed_state *s = state;

    switch (m->body->kind_case) {
    case STRATD__MSG__KIND_SUBSCRIBE:
        subs_subscribe(s->subs, &s->p->symbols, a, m);
        break;
    case STRATD__MSG__KIND_TICK:
        if (m->sender == actor_self(a)) {
            int i = subs_index(&s->p->symbols, m->body->tick->symbol);
            if (i >= 0 && m->body->tick->seq > s->sym[i].last_seq)
                s->sym[i].last_seq = m->body->tick->seq;
            s->ticks++;
        }
        break;
    default:
        break;
    }
}

static uint64_t feed_digest(const void *state, uint64_t h)
{
    const struct feed_state *s = state;

    h = hash_u64(h, s->ticks);
    for (size_t i = 0; i < s->p->symbols.n; i++)
        h = hash_u64(h, s->sym[i].last_seq);
    return subs_digest(s->subs, s->p->symbols.n, s->self, h);
}

static void feed_stats(const void *state, struct stats *out)
{
    const struct feed_state *s = state;

    stats_uint(out, "ticks", s->ticks);
    stats_uint(out, "subscribers", subs_total(s->subs, s->p->symbols.n));
    stats_text(out, "connection", s->live ? conn_state_name(&s->conn) : "idle");
    stats_uint(out, "reconnects", s->conn.reconnects);
    stats_uint(out, "gaps", s->gaps);
    stats_uint(out, "dups_dropped", s->dups_dropped);
    stats_group_begin(out, "last_seq");
    for (size_t i = 0; i < s->p->symbols.n; i++)
        stats_uint(out, s->p->symbols.v[i], s->sym[i].last_seq);
    stats_group_end(out);
}

static void feed_release(void *state)
{
    struct feed_state *s = state;

    subs_release(s->subs, s->p->symbols.n);
    free(s->subs);
    free(s->sym);
}

/* --- live side ------------------------------------------------------------------ */

/* Ask for every symbol from the tick after the last one journaled. */
static void subscribe_all(struct feed_state *s)
{
    for (size_t i = 0; i < s->p->symbols.n; i++) {
        Stratd__Wire__MdSubscribe sub = STRATD__WIRE__MD_SUBSCRIBE__INIT;
        Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
        char *sym = s->p->symbols.v[i];
        uint64_t from = s->sym[i].emitted + 1;

        if (s->sym[i].emitted == 0 && !s->p->history)
            from = 0;   /* live from now on */
        sub.n_symbols = 1;
        sub.symbols = &sym;
        sub.from_seq = from;
        f.body_case = STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE;
        f.md_subscribe = &sub;
        conn_send(&s->conn, &f);
    }
}

static void on_tick(struct feed_state *s, const Stratd__Wire__MdTick *t)
{
    int i = subs_index(&s->p->symbols, t->symbol);
    struct feed_symbol *y;
    struct subs *to;
    Stratd__Tick tick = STRATD__TICK__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;

    if (i < 0)
        return;
    y = &s->sym[i];
    to = &s->subs[i];
    if (y->emitted > 0 || s->p->history) {
        if (t->seq <= y->emitted) {
            s->dups_dropped++;
            return;
        }
        if (t->seq > y->emitted + 1) {
            s->gaps++;
            actor_log(s->self, LOG_WARN, "gap on %s: expected seq %llu, got %llu; "
                      "resubscribing", t->symbol, (unsigned long long)(y->emitted + 1),
                      (unsigned long long)t->seq);
            conn_drop(&s->conn, "sequence gap");
            return;
        }
    }
    y->emitted = t->seq;
    tick.seq = t->seq;
    tick.symbol = t->symbol;
    tick.bid = t->bid;
    tick.ask = t->ask;
    tick.last = t->last;
    tick.size = t->size;
    tick.exch_time_ns = t->exch_time_ns;
    m.kind_case = STRATD__MSG__KIND_TICK;
    m.tick = &tick;
    /* receivers: the subscribers, then the feed itself (its seq state) */
    if (!to->v) {
        actor_ref self = actor_self(s->self);
        actor_send_many(s->self, &self, 1, &m);
        return;
    }
    to->v[to->n] = actor_self(s->self);   /* subs keep room for one more */
    actor_send_many(s->self, to->v, to->n + 1, &m);
}

static void feed_on_up(void *owner)
{
    subscribe_all(owner);
}

static void feed_on_frame(void *owner, const Stratd__Wire__Frame *f)
{
    if (f->body_case == STRATD__WIRE__FRAME__BODY_MD_TICK)
        on_tick(owner, f->md_tick);
}

static const struct conn_ops feed_conn_ops = {
    .on_up = feed_on_up,
    .on_frame = feed_on_frame,
};

static void feed_go_live(struct actor *a, void *state, uv_loop_t *loop)
{
    struct feed_state *s = state;

    for (size_t i = 0; i < s->p->symbols.n; i++)
        s->sym[i].emitted = s->sym[i].last_seq;
    conn_init(&s->conn, loop, s->p->connect, WIRE_MD_CLIENT, s->p->heartbeat_timeout_ms,
              &feed_conn_ops, s, a);
    s->live = true;
    conn_start(&s->conn);
}

static void feed_stop(struct actor *a, void *state)
{
    struct feed_state *s = state;
    (void)a;

    if (s->live)
        conn_stop(&s->conn);
    s->live = false;
}

#define P(field) offsetof(struct feed_params, field)
static const struct param_def feed_params[] = {
    {"connect", PARAM_STRING, PARAM_REQUIRED, 3, 255, NULL, P(connect), NULL},
    {"symbols", PARAM_STRINGS, PARAM_REQUIRED, 1, 1024, NULL, P(symbols), NULL},
    {"heartbeat_timeout_ms", PARAM_INT, 0, 100, 600000, NULL, P(heartbeat_timeout_ms), "3000"},
    {"history", PARAM_BOOL, 0, 0, 0, NULL, P(history), "true"},
    {NULL},
};
#undef P

static const char *feed_check(const void *params, const char **key)
{
    const struct feed_params *p = params;
    struct sockaddr_in sa;

    if (conn_parse_addr(p->connect, &sa) != 0) {
        *key = "connect";
        return "param 'connect' must be IPV4:PORT or localhost:PORT";
    }
    for (size_t i = 0; i < p->symbols.n; i++)
        if (!wire_symbol_ok(p->symbols.v[i])) {
            *key = "symbols";
            return "param 'symbols': each symbol is 1-32 characters of [A-Z0-9._-]";
        }
    return NULL;
}

static const char *feed_health(const void *state)
{
    const struct feed_state *s = state;
    return s->live && s->conn.state != CONN_UP ? "market data disconnected" : NULL;
}

static const struct service_ops feed_service = {
    .go_live = feed_go_live,
    .stop = feed_stop,
    .health = feed_health,
};

const struct actor_kind feed_kind = {
    .name = "feed",
    .role = "feed",
    .params = feed_params,
    .params_size = sizeof(struct feed_params),
    .check = feed_check,
    .state_size = sizeof(struct feed_state),
    .init = feed_init,
    .on_message = feed_on_message,
    .digest = feed_digest,
    .stats = feed_stats,
    .release = feed_release,
    .service = &feed_service,
};
