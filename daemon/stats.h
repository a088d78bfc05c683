/*
 * stats.h (daemon) — the sink behind <stratd/stats.h> and its three
 * renderers: JSON members (`stratctl actors --json`), text (`stratctl
 * actors`, `actor ID`) and Prometheus samples (`stratd_actor_stat`).
 *
 * A kind writes typed entries (stats_int, stats_group_begin, ...) into a
 * struct stats; the renderers walk them. The sink is a growable array of
 * entries plus a pool holding copies of the names and texts; one sink is
 * reused across actors (stats_reset empties it and keeps the memory).
 *
 * Not to be confused with include/stratd/stats.h, the strategy-facing half:
 * inside daemon/ `#include "stats.h"` finds this file; elsewhere (tests)
 * include it by its path.
 */
#ifndef STRATD_DAEMON_STATS_H
#define STRATD_DAEMON_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stratd/stats.h>

struct actor_kind;
struct json;
struct strbuf;

enum stats_type {
    STATS_INT,
    STATS_UINT,
    STATS_DOUBLE,
    STATS_BOOL,
    STATS_TEXT,
    STATS_HEX,
    STATS_GROUP,   /* begins a group named `name`; */
    STATS_END,     /* ... which this ends */
};

#define STATS_NO_TEXT SIZE_MAX   /* a NULL text */

struct stats_entry {
    enum stats_type type;
    size_t name;                 /* offset of the name in the pool */
    union {
        int64_t i;               /* STATS_INT */
        uint64_t u;              /* STATS_UINT, STATS_HEX */
        double d;                /* STATS_DOUBLE */
        bool b;                  /* STATS_BOOL */
        size_t text;             /* STATS_TEXT: pool offset or STATS_NO_TEXT */
    } v;
};

struct stats {
    struct stats_entry *e;
    size_t n, cap;
    char *pool;                  /* NUL-terminated names and texts */
    size_t pool_len, pool_cap;
    int depth;                   /* open groups, counting dropped inner ones */
};

#define STATS_INIT {0}

void stats_init(struct stats *s);
void stats_reset(struct stats *s);     /* empty, keeps the memory */
void stats_release(struct stats *s);   /* frees */

/* Append what kind->stats reports for state (nothing when the kind has no
 * stats function); a group it left open is closed. */
void stats_add(struct stats *s, const struct actor_kind *kind, const void *state);/* (An actor's stats as shown, a trading kind's account first: runtime_stats
 * in runtime.h.) */

/* The entries as members of the object j has open ("name":value,...),
 * byte for byte what json.h writes for each type. */
void stats_render_json(const struct stats *s, struct json *j);

/* The human form: the entries as one compact JSON object ("{...}"),
 * appended to out. */
void stats_render_text(const struct stats *s, struct strbuf *out);

/* One Prometheus sample line per number and bool, appended to out:
 *   stratd_actor_stat{actor="A",kind="K",stat="NAME"} VALUE
 * (stat "GROUP.NAME" inside a group; label values escaped). Texts, hex
 * values and non-finite doubles give none. The family's HELP and TYPE
 * lines are the caller's. */
void stats_render_prometheus(const struct stats *s, const char *actor, const char *kind,
                             struct strbuf *out);

#endif
