/*
 * topology.h — the YAML topology: journal, control, metrics, and the actors.
 *
 * topology_load() parses and validates the whole file before anything else
 * happens; every mistake is reported as "FILE:LINE:COL: message" (line and
 * column 1-based, pointing at the offending key or value).
 */
#ifndef STRATD_TOPOLOGY_H
#define STRATD_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor.h"
#include "journal.h"   /* enum fsync_policy */

struct topo_actor {
    char *id;
    const struct actor_kind *kind;
    bool is_service;          /* listed under services: */
    void *params;             /* the kind's params struct, kind->params_size */
    char *params_canon;       /* "key=value\n" lines sorted by key, refs by id */
    uint64_t params_hash;     /* hash_bytes(params_canon) */
    int line, col;            /* where the actor's mapping starts */
};

struct topology {
    char *file;
    char *journal_path;                 /* required */
    enum fsync_policy fsync;            /* default interval */
    int64_t fsync_interval_ms;          /* default 1000, [1, 60000] */
    char *control_socket;               /* default /run/stratd/stratd.sock */
    char *metrics_listen;               /* default 127.0.0.1:9464 */
    char *log_level;                    /* error|warn|info|debug, default info */
    struct topo_actor *actors;          /* services first, then strategies, */
    size_t n_actors;                    /* each in file order */
};

/* Load and validate PATH. extra_kinds (NULL-terminated, may be NULL) are
 * strategy kinds beyond the registry (test builds). Returns 0, or -1 with
 * "FILE:LINE:COL: message" in err. On error t is left released. */
int topology_load(struct topology *t, const char *path,
                  const struct actor_kind *const *extra_kinds,
                  char *err, size_t errlen);
/* The same for a file's text in memory, text[len] (name stands for the
 * file in messages and in t->file). */
int topology_load_text(struct topology *t, const char *name, const void *text,
                       size_t len, const struct actor_kind *const *extra_kinds,
                       char *err, size_t errlen);
void topology_release(struct topology *t);

/* Index of the actor with this id, or -1. */
int topology_find(const struct topology *t, const char *id);

#endif
