/*
 * actor.h — the actor context API: the only interface a strategy sees.
 *
 * A strategy kind is one const `struct actor_kind` table (see
 * strategies/README.md). Its handlers run on the daemon's single loop
 * thread, live or during rebuild. To stay replayable a handler may only:
 *   - read actor_now()           (the handled message's journaled time),
 *   - draw from actor_rand()     (the actor's own seeded generator),
 *   - send with actor_send*()    (dropped during rebuild: already journaled),
 *   - request timers, log, and change its own state.
 * It must not read wall clocks, globals, files or environment, or touch
 * another actor's state: the rebuild would then drift, and stratd says so.
 */
#ifndef STRATD_ACTOR_H
#define STRATD_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stratd.pb-c.h"

struct actor;
struct fill;
struct stats;
struct tick;
struct service_ops;

/* An actor's address: its index in the topology. Stable for one process;
 * on disk actors are named by uuid and permanent number instead. */
typedef uint32_t actor_ref;
#define ACTOR_REF_NONE UINT32_MAX

/* One delivered message. Borrowed: valid only during the handler call. */
struct msg {
    uint64_t lsn;             /* journal sequence number of the entry */
    int64_t time_ns;          /* arrival time, as journaled */
    actor_ref sender;         /* ACTOR_REF_NONE: the daemon itself */
    const Stratd__Msg *body;  /* body->kind_case says which message */
};

/* Parameter tables: nginx-style, each row binds one YAML key of `params`
 * to a field of the kind's params struct by offset. */
enum param_type {
    PARAM_INT,      /* int64_t, within [min, max] */
    PARAM_DOUBLE,   /* double, within [min, max] */
    PARAM_BOOL,     /* bool */
    PARAM_STRING,   /* char * (owned by the topology), length in [min, max] */
    PARAM_STRINGS,  /* struct param_strings, a list of n in [min, max] strings */
    PARAM_REF,      /* actor_ref of an actor whose kind has role `role` */
};

#define PARAM_REQUIRED 0x1u

struct param_def {
    const char *name;
    enum param_type type;
    unsigned flags;       /* PARAM_REQUIRED */
    double min, max;      /* range (value, length or count; see type) */
    const char *role;     /* PARAM_REF: "feed", "timer", "orders" ...;
                           * PARAM_STRING: the name of a ref param whose
                           * actor's `symbols` must contain the value */
    size_t offset;        /* offsetof(params struct, field) */
    const char *def;      /* default, as YAML text; NULL: none */
};

struct param_strings {
    size_t n;
    char **v;
};

struct actor_kind {
    const char *name;
    /* What a PARAM_REF may name this kind as ("feed", "timer", "orders");
     * NULL for strategies. */
    const char *role;

    const struct param_def *params;  /* ends with a row whose name is NULL */
    size_t params_size;
    /* Cross-field checks after every param parsed. Returns NULL, or an
     * error message and sets *key to the param it is about. */
    const char *(*check)(const void *params, const char **key);

    size_t state_size;                 /* zeroed before init */
    void (*init)(struct actor *a, void *state, const void *params);
    void (*on_start)(struct actor *a, void *state);
    void (*on_message)(struct actor *a, void *state, const struct msg *m);
    /* Typed callbacks (strategy.h): a kind that sets any of them is a
     * trading strategy; the runtime keeps its account and calls these for
     * the messages they name, and on_message (if set) for the rest. */
    void (*on_tick)(struct actor *a, void *state, const struct tick *t);
    void (*on_fill)(struct actor *a, void *state, const struct fill *f);
    void (*on_order_event)(struct actor *a, void *state, const Stratd__OrderEvent *ev);
    void (*on_timer)(struct actor *a, void *state, uint64_t token);
    /* Fold the whole state into h. NULL: the state's bytes are hashed,
     * which is right for flat states with no pointers. The runtime adds
     * the rng state itself. */
    uint64_t (*digest)(const void *state, uint64_t h);
    /* Report the kind's own key figures (stats.h: stats_int, stats_text,
     * ...), shown by stratctl actors and exported as metrics. NULL: none. */
    void (*stats)(const void *state, struct stats *out);
    void (*release)(void *state);      /* free what init allocated */

    const struct service_ops *service; /* services only: see service.h */
};

/* Time of the message being handled (ns since the epoch). */
int64_t actor_now(const struct actor *a);

/* The actor's own generator (xoshiro256**, seeded from its uuid). */
uint64_t actor_rand(struct actor *a);
double actor_rand_unit(struct actor *a);           /* in [0, 1) */
uint64_t actor_rand_below(struct actor *a, uint64_t n);  /* in [0, n) */

actor_ref actor_self(const struct actor *a);
const char *actor_id(const struct actor *a);
/* The YAML id of actor r ("stratd" for ACTOR_REF_NONE), for logs. */
const char *actor_id_of(const struct actor *a, actor_ref r);
const void *actor_params(const struct actor *a);
/* A 64-bit key of actor r that is the same in every run (derived from its
 * uuid): what digests must hash instead of an actor_ref, which is only an
 * index into this run's topology. */
uint64_t actor_stable_key(const struct actor *a, actor_ref r);

/* Send m to one or many actors. m is borrowed (serialized at once). A send
 * to many is one journal entry. During rebuild sends are dropped. */
void actor_send(struct actor *a, actor_ref to, const Stratd__Msg *m);
void actor_send_many(struct actor *a, const actor_ref *to, size_t n,
                     const Stratd__Msg *m);

/* Convenience senders. */
void actor_subscribe(struct actor *a, actor_ref feed, const char *symbol);
void actor_timer_at(struct actor *a, actor_ref timer, int64_t fire_at_ns,
                    uint64_t token);

enum log_level { LOG_ERROR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

/* Log a line tagged with the actor id. Silent during rebuild. */
void actor_log(struct actor *a, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
