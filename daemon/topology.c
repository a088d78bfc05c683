/*
 * topology.c — load and validate the YAML topology (see topology.h).
 *
 * The file is composed into one libyaml document (yamlwalk.h), which is
 * then walked in two passes, each in file order:
 *   1. structure: top-level keys, the journal/control/metrics/log sections,
 *      and each actor's id and kind;
 *   2. params (params.h): once every actor's id and kind is known, because
 *      a ref may name an actor listed further down; then the symbols each
 *      actor needs from its feed.
 * The first mistake found stops the load; it is reported as
 * "FILE:LINE:COL: message", pointing at the key when the key is wrong and
 * at the value when the value is. Actors are stored services first, then
 * strategies, each in file order; refs are indexes into that array.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "params.h"
#include "registry.h"
#include "strbuf.h"
#include "topology.h"
#include "xalloc.h"
#include "yamlwalk.h"

#define DEFAULT_SOCKET "/run/stratd/stratd.sock"
#define DEFAULT_LISTEN "127.0.0.1:9464"
#define DEFAULT_LEVEL  "info"
#define ID_MAX         64

/* What pass 2 needs of an actor beyond struct topo_actor. */
struct pending {
    yaml_node_t *node;        /* the actor's mapping */
    yaml_node_t *params;      /* its params mapping, NULL if none */
};

struct loader {
    struct topology *t;
    const struct actor_kind *const *extra;
    struct yw w;
    struct pending *pend;     /* parallel to t->actors */
    size_t cap;
    bool seen_actors;         /* services: or strategies: seen yet */
    bool services_first;      /* services: came before strategies: */
};

/* ---- settings sections ---- */

static const char *const journal_keys[] = {
    "path", "fsync", "interval_ms", NULL,
};
static const char *const fsync_names[] = {"always", "interval", "none", NULL};

/* Section `name` (a mapping, or nothing): every key must be one of keys[];
 * each value goes to on_key with its key's index, in file order. 0, or -1
 * reported. */
static int load_section(struct loader *L, yaml_node_t *v, const char *name,
                        const char *const *keys,
                        int (*on_key)(struct loader *L, yaml_node_t *x, int k))
{
    struct yw *w = &L->w;
    char in[32];
    int k;

    if (yw_want_mapping(w, v, name) < 0)
        return -1;
    if (yw_is_null(v))
        return 0;
    snprintf(in, sizeof in, " in '%s'", name);
    yw_for_pairs(p, v) {
        if ((k = yw_key_index(w, v, p, keys, in)) < 0 ||
            on_key(L, yw_node(&w->doc, p->value), k) < 0)
            return -1;
    }
    return 0;
}

static int journal_key(struct loader *L, yaml_node_t *x, int k)
{
    struct yw *w = &L->w;
    struct topology *t = L->t;
    char got[YW_GOT];
    int64_t ms;

    if (k == 0 && yw_want_text(w, x, "path", &t->journal_path) < 0)
        return -1;
    if (k == 1) {
        int f = yw_want_word(w, x, "fsync", fsync_names);
        if (f < 0)
            return -1;
        t->fsync = (enum fsync_policy)f;  /* same order as the enum */
    }
    if (k == 2) {
        if (x->type != YAML_SCALAR_NODE ||
            !yw_parse_int(yw_text(x), &ms) || ms < 1 || ms > 60000)
            return yw_fail(w, x->start_mark,
                           "'interval_ms' must be an integer between 1 "
                           "and 60000 (got %s)",
                           yw_describe(x, false, got, sizeof got));
        t->fsync_interval_ms = ms;
    }
    return 0;
}

static int load_journal(struct loader *L, yaml_node_t *v)
{
    if (load_section(L, v, "journal", journal_keys, journal_key) < 0)
        return -1;
    if (!L->t->journal_path)
        return yw_fail(&L->w, v->start_mark,
                       "missing required key 'path' in 'journal'");
    return 0;
}

static const char *const control_keys[] = {"socket", NULL};

static int control_key(struct loader *L, yaml_node_t *x, int k)
{
    struct yw *w = &L->w;
    struct sockaddr_un sun;
    size_t n;

    (void)k;
    if (yw_want_text(w, x, "socket", &L->t->control_socket) < 0)
        return -1;
    n = strlen(L->t->control_socket);
    if (n >= sizeof sun.sun_path)
        return yw_fail(w, x->start_mark,
                       "'socket' is too long for a Unix socket path "
                       "(%zu characters, at most %zu)",
                       n, sizeof sun.sun_path - 1);
    return 0;
}

/* HOST:PORT, HOST non-empty (IPv6 in brackets), PORT in 1..65535. */
static bool valid_listen(const char *s)
{
    const char *colon = strrchr(s, ':');
    int64_t port;

    if (!colon || colon == s)
        return false;
    if (s[0] == '[' ? colon[-1] != ']' : memchr(s, ':', (size_t)(colon - s)) != NULL)
        return false;
    return colon[1] >= '0' && colon[1] <= '9' && yw_parse_int(colon + 1, &port) &&
           port >= 1 && port <= 65535;
}

static const char *const metrics_keys[] = {"listen", NULL};

static int metrics_key(struct loader *L, yaml_node_t *x, int k)
{
    char got[YW_GOT];

    (void)k;
    if (!yw_is_string(x) || !valid_listen(yw_text(x)))
        return yw_fail(&L->w, x->start_mark,
                       "'listen' must be HOST:PORT with a port from 1 to "
                       "65535 (got %s)",
                       yw_describe(x, true, got, sizeof got));
    free(L->t->metrics_listen);
    L->t->metrics_listen = xstrdup(yw_text(x));
    return 0;
}

static const char *const log_keys[] = {"level", NULL};
static const char *const level_names[] = {
    "error", "warn", "info", "debug", NULL,
};

static int log_key(struct loader *L, yaml_node_t *x, int k)
{
    int level = yw_want_word(&L->w, x, "level", level_names);

    (void)k;
    if (level < 0)
        return -1;
    free(L->t->log_level);
    L->t->log_level = xstrdup(level_names[level]);
    return 0;
}

/* ---- actors: id and kind (pass 1) ---- */

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int check_id(struct loader *L, yaml_node_t *x)
{
    struct yw *w = &L->w;
    const struct topology *t = L->t;
    size_t n = x->type == YAML_SCALAR_NODE ? x->data.scalar.length : 0;
    const char *s = n ? yw_text(x) : "";
    bool ok = yw_is_string(x) && n >= 1 && n <= ID_MAX && id_char(s[0]) &&
              s[0] != '_' && s[0] != '.' && s[0] != '-';
    char got[YW_GOT];

    for (size_t i = 0; ok && i < n; i++)
        ok = id_char(s[i]);
    if (!ok)
        return yw_fail(w, x->start_mark,
                       "'id' must be 1 to %d letters, digits, '_', '.' or '-', "
                       "starting with a letter or digit (got %s)",
                       ID_MAX, yw_describe(x, true, got, sizeof got));
    for (size_t i = 0; i < t->n_actors; i++)
        if (!strcmp(t->actors[i].id, s))
            return yw_fail(w, x->start_mark,
                           "duplicate id '%s' (first defined at %d:%d)", s,
                           t->actors[i].line, t->actors[i].col);
    return 0;
}

static void list_kinds(struct strbuf *b, const struct actor_kind *const *table)
{
    for (; table && *table; table++) {
        strbuf_puts(b, b->len ? ", " : "");
        strbuf_puts(b, (*table)->name);
    }
}

/* The kind named by x, looked up where the actor is listed; NULL reported. */
static const struct actor_kind *find_kind(struct loader *L, yaml_node_t *x,
                                          bool service)
{
    struct yw *w = &L->w;
    const struct actor_kind *k;
    struct strbuf known = STRBUF_INIT;
    char got[YW_GOT];

    if (!yw_is_string(x)) {
        yw_fail(w, x->start_mark, "'kind' must be a string (got %s)",
                yw_describe(x, true, got, sizeof got));
        return NULL;
    }
    if (service) {
        if ((k = registry_find(service_kinds, yw_text(x))))
            return k;
        if (registry_find(strategy_kinds, yw_text(x)) ||
            registry_find(L->extra, yw_text(x))) {
            yw_fail(w, x->start_mark,
                    "'%s' is a strategy kind; list it under 'strategies'",
                    yw_text(x));
            return NULL;
        }
        list_kinds(&known, service_kinds);
    } else {
        if ((k = registry_find(strategy_kinds, yw_text(x))) ||
            (k = registry_find(L->extra, yw_text(x))))
            return k;
        if (registry_find(service_kinds, yw_text(x))) {
            yw_fail(w, x->start_mark,
                    "'%s' is a service kind; list it under 'services'",
                    yw_text(x));
            return NULL;
        }
        list_kinds(&known, strategy_kinds);
        list_kinds(&known, L->extra);
    }
    yw_fail(w, x->start_mark, "unknown %s kind '%s' (known: %s)",
            service ? "service" : "strategy", yw_text(x),
            known.len ? strbuf_str(&known) : "none");
    strbuf_release(&known);
    return NULL;
}

static const char *const actor_keys[] = {"id", "kind", "params", NULL};

static int load_actor(struct loader *L, yaml_node_t *m, bool service)
{
    struct yw *w = &L->w;
    struct topology *t = L->t;
    yaml_node_t *id = NULL, *params = NULL;
    const struct actor_kind *kind = NULL;
    struct topo_actor *a;
    char got[YW_GOT];
    size_t cap;
    int k;

    if (m->type != YAML_MAPPING_NODE)
        return yw_fail(w, m->start_mark,
                       "each entry of '%s' must be a mapping with 'id', 'kind' "
                       "and 'params' (got %s)",
                       service ? "services" : "strategies",
                       yw_describe(m, true, got, sizeof got));
    yw_for_pairs(p, m) {
        yaml_node_t *x = yw_node(&w->doc, p->value);

        if ((k = yw_key_index(w, m, p, actor_keys, " in an actor")) < 0)
            return -1;
        if (k == 0 && check_id(L, x) < 0)
            return -1;
        if (k == 0)
            id = x;
        if (k == 1 && !(kind = find_kind(L, x, service)))
            return -1;
        if (k == 2 && yw_want_mapping(w, x, "params") < 0)
            return -1;
        if (k == 2 && x->type == YAML_MAPPING_NODE)
            params = x;
    }
    if (!id)
        return yw_fail(w, m->start_mark, "missing required key 'id'");
    if (!kind)
        return yw_fail(w, m->start_mark,
                       "missing required key 'kind' in actor '%s'",
                       yw_text(id));

    cap = L->cap;             /* t->actors and L->pend grow together */
    xgrow((void **)&t->actors, &cap, t->n_actors + 1, sizeof *t->actors);
    xgrow((void **)&L->pend, &L->cap, t->n_actors + 1, sizeof *L->pend);
    a = &t->actors[t->n_actors];
    memset(a, 0, sizeof *a);
    a->id = xstrdup(yw_text(id));
    a->kind = kind;
    a->is_service = service;
    a->line = (int)m->start_mark.line + 1;
    a->col = (int)m->start_mark.column + 1;
    L->pend[t->n_actors++] = (struct pending){m, params};
    return 0;
}

static int load_actors(struct loader *L, yaml_node_t *v, bool service)
{
    struct yw *w = &L->w;
    char got[YW_GOT];

    if (!L->seen_actors)
        L->services_first = service;
    L->seen_actors = true;
    if (yw_is_null(v))
        return 0;
    if (v->type != YAML_SEQUENCE_NODE)
        return yw_fail(w, v->start_mark,
                       "'%s' must be a list of actors (got %s)",
                       service ? "services" : "strategies",
                       yw_describe(v, true, got, sizeof got));
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top; it++)
        if (load_actor(L, yw_node(&w->doc, *it), service) < 0)
            return -1;
    return 0;
}

/* Where a message about params not written in the file points: the
 * params mapping, else the actor's mapping. */
static yaml_mark_t params_mark(const struct loader *L, size_t i)
{
    return L->pend[i].params ? L->pend[i].params->start_mark
                             : L->pend[i].node->start_mark;
}

/* Services first, then strategies, each in file order (a stable split). */
static void order_actors(struct loader *L)
{
    struct topology *t = L->t;
    struct topo_actor *a = xcalloc(t->n_actors, sizeof *a);
    struct pending *pd = xcalloc(t->n_actors, sizeof *pd);
    size_t j = 0;

    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->n_actors; i++)
            if (t->actors[i].is_service == (pass == 0)) {
                a[j] = t->actors[i];
                pd[j++] = L->pend[i];
            }
    free(t->actors);
    free(L->pend);
    t->actors = a;
    L->pend = pd;
    L->cap = t->n_actors;
}

/* ---- the file ---- */

static const char *const top_keys[] = {
    "journal", "control", "metrics", "log", "services", "strategies", NULL,
};

static int load_top(struct loader *L, yaml_node_t *root)
{
    struct yw *w = &L->w;
    struct topology *t = L->t;
    bool have_journal = false;
    char got[YW_GOT];
    int k, rc = 0;

    if (root->type != YAML_MAPPING_NODE)
        return yw_fail(w, root->start_mark,
                       "the topology must be a mapping with keys journal, "
                       "control, metrics, log, services, strategies (got %s)",
                       yw_describe(root, true, got, sizeof got));
    yw_for_pairs(p, root) {
        yaml_node_t *v = yw_node(&w->doc, p->value);

        if ((k = yw_key_index(w, root, p, top_keys, "")) < 0)
            return -1;
        switch (k) {
        case 0: rc = load_journal(L, v); have_journal = true; break;
        case 1: rc = load_section(L, v, "control", control_keys, control_key); break;
        case 2: rc = load_section(L, v, "metrics", metrics_keys, metrics_key); break;
        case 3: rc = load_section(L, v, "log", log_keys, log_key); break;
        case 4: rc = load_actors(L, v, true); break;
        case 5: rc = load_actors(L, v, false); break;
        }
        if (rc < 0)
            return -1;
    }
    if (!have_journal)
        return yw_fail(w, root->start_mark, "missing required key "
                       "'journal' (e.g. journal: { path: "
                       "/var/lib/stratd/journal })");
    if (t->n_actors == 0)
        return yw_fail(w, root->start_mark, "no actors: list at least one "
                       "under 'services' or 'strategies'");
    if (!t->control_socket)
        t->control_socket = xstrdup(DEFAULT_SOCKET);
    if (!t->metrics_listen)
        t->metrics_listen = xstrdup(DEFAULT_LISTEN);
    if (!t->log_level)
        t->log_level = xstrdup(DEFAULT_LEVEL);
    return 0;
}

/* Pass 2, in file order (whichever list came first): every actor's
 * params, then the symbols each needs from its feed. */
static int load_params(struct loader *L)
{
    struct topology *t = L->t;

    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->n_actors; i++)
            if (t->actors[i].is_service == ((pass == 0) == L->services_first) &&
                params_bind(&L->w, t, i, L->pend[i].params,
                            params_mark(L, i)) < 0)
                return -1;
    for (size_t i = 0; i < t->n_actors; i++)
        if (params_check_symbols(&L->w, t, i, L->pend[i].params,
                                 params_mark(L, i)) < 0)
            return -1;
    return 0;
}

/* Compose the file's one document (text[len], or read from path when
 * text is NULL) and walk it. */
static int load_file(struct loader *L, const char *path, const void *text,
                     size_t len, char *err, size_t errlen)
{
    yaml_mark_t start = {0};
    yaml_node_t *root;

    if ((text ? yw_load_text(&L->w, path, text, len, err, errlen, &root)
              : yw_load(&L->w, path, err, errlen, &root)) < 0)
        return -1;
    if (!root || yw_is_null(root))
        return yw_fail(&L->w, start, "the file is empty; a topology needs at "
                          "least 'journal' and one actor under 'services' or "
                          "'strategies'");
    /* one document per file: a second one is a mistake, not ignored */
    if (yw_single_document(&L->w) < 0 || load_top(L, root) < 0)
        return -1;
    order_actors(L);
    return load_params(L);
}

static int load(struct topology *t, const char *path, const void *text,
                size_t len, const struct actor_kind *const *extra_kinds,
                char *err, size_t errlen)
{
    struct loader L = {.t = t, .extra = extra_kinds};
    int rc;

    memset(t, 0, sizeof *t);
    t->file = xstrdup(path);
    t->fsync = FSYNC_INTERVAL;
    t->fsync_interval_ms = 1000;
    if (err && errlen)
        err[0] = '\0';
    rc = load_file(&L, path, text, len, err, errlen);
    yw_release(&L.w);
    free(L.pend);
    if (rc < 0)
        topology_release(t);
    return rc;
}

int topology_load(struct topology *t, const char *path,
                  const struct actor_kind *const *extra_kinds,
                  char *err, size_t errlen)
{
    return load(t, path, NULL, 0, extra_kinds, err, errlen);
}

int topology_load_text(struct topology *t, const char *name, const void *text,
                       size_t len, const struct actor_kind *const *extra_kinds,
                       char *err, size_t errlen)
{
    return load(t, name, text, len, extra_kinds, err, errlen);
}

void topology_release(struct topology *t)
{
    for (size_t i = 0; i < t->n_actors; i++) {
        params_release(&t->actors[i]);
        free(t->actors[i].id);
        free(t->actors[i].params_canon);
    }
    free(t->actors);
    free(t->file);
    free(t->journal_path);
    free(t->control_socket);
    free(t->metrics_listen);
    free(t->log_level);
    memset(t, 0, sizeof *t);
}

int topology_find(const struct topology *t, const char *id)
{
    for (size_t i = 0; i < t->n_actors; i++)
        if (!strcmp(t->actors[i].id, id))
            return (int)i;
    return -1;
}
