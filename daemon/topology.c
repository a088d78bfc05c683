/*
 * topology.c — load and validate the YAML topology (see topology.h).
 *
 * The file is read whole and composed into one libyaml document, which is
 * then walked in two passes, each in file order:
 *   1. structure: top-level keys, the journal/control/metrics/log sections,
 *      and each actor's id and kind;
 *   2. params: once every actor's id and kind is known, because a ref may
 *      name an actor listed further down.
 * The first mistake found stops the load; it is reported as
 * "FILE:LINE:COL: message", pointing at the key when the key is wrong and
 * at the value when the value is. Actors are stored services first, then
 * strategies, each in file order; refs are indexes into that array.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <yaml.h>

#include "hash.h"
#include "registry.h"
#include "topology.h"

#define DEFAULT_SOCKET "/run/stratd/stratd.sock"
#define DEFAULT_LISTEN "127.0.0.1:9464"
#define DEFAULT_LEVEL  "info"
#define ID_MAX         64
#define GOT_MAX        40     /* longest value quoted back in a message */

/* What pass 2 needs of an actor beyond struct topo_actor. */
struct pending {
    yaml_node_t *node;        /* the actor's mapping */
    yaml_node_t *params;      /* its params mapping, NULL if none */
};

struct loader {
    struct topology *t;
    const char *path;
    const struct actor_kind *const *extra;
    yaml_document_t doc;
    struct pending *pend;     /* parallel to t->actors */
    size_t cap;
    bool seen_actors;         /* services: or strategies: seen yet */
    bool services_first;      /* services: came before strategies: */
    char *err;
    size_t errlen;
};

struct buf {
    char *p;
    size_t len, cap;
};

#define for_pairs(p, map)                                          \
    for (yaml_node_pair_t *p = (map)->data.mapping.pairs.start;     \
         p < (map)->data.mapping.pairs.top; p++)

/* ---- small helpers ---- */

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("stratd: out of memory loading the topology\n", stderr);
        abort();
    }
    return p;
}

static void *xcalloc(size_t n)
{
    return memset(xrealloc(NULL, n), 0, n ? n : 1);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = 2 * (b->len + n + 1);
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* Append s with '\\', '\n' (and, inside lists, ',') escaped. */
static void buf_escaped(struct buf *b, const char *s, bool in_list)
{
    for (; *s; s++) {
        if (*s == '\\' || (in_list && *s == ','))
            buf_add(b, "\\", 1);
        if (*s == '\n')
            buf_add(b, "\\n", 2);
        else
            buf_add(b, s, 1);
    }
}

static int fail(struct loader *L, yaml_mark_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report a mistake at `at` (libyaml marks are 0-based). Returns -1. */
static int fail(struct loader *L, yaml_mark_t at, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!L->err || L->errlen == 0)
        return -1;
    n = snprintf(L->err, L->errlen, "%s:%zu:%zu: ", L->path, at.line + 1,
                 at.column + 1);
    if (n >= 0 && (size_t)n < L->errlen) {
        va_start(ap, fmt);
        vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static yaml_node_t *node(yaml_document_t *d, int i)
{
    return yaml_document_get_node(d, i);
}

static const char *text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A plain empty, ~ or null scalar: YAML's "nothing here". */
static bool is_null(const yaml_node_t *n)
{
    const char *s;

    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    s = text(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
           !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* A scalar usable as a C string: not null, no embedded NUL. */
static bool is_string(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && !is_null(n) &&
           strlen(text(n)) == n->data.scalar.length;
}

/* What a value is, for "(got ...)": a list, a mapping, nothing, or the
 * scalar itself (quoted if asked, cut short, control characters hidden). */
static const char *describe(const yaml_node_t *n, bool quote, char *out,
                            size_t len)
{
    size_t i, k = 0, n_chars;

    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (is_null(n))
        return "nothing";
    n_chars = n->data.scalar.length;
    if (quote && k + 1 < len)
        out[k++] = '\'';
    for (i = 0; i < n_chars && i < GOT_MAX && k + 5 < len; i++) {
        unsigned char c = n->data.scalar.value[i];
        out[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (i < n_chars && k + 5 < len)
        k += (size_t)snprintf(out + k, len - k, "...");
    if (quote && k + 1 < len)
        out[k++] = '\'';
    out[k] = '\0';
    return out;
}

/* A number from a range, as written in a message: 100000, not 1e+05. */
static const char *num(double x, char *out, size_t len)
{
    if (fabs(x) < 9e15 && x == (double)(long long)x)
        snprintf(out, len, "%lld", (long long)x);
    else
        snprintf(out, len, "%g", x);
    return out;
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    bool digit = false;

    /* decimal notation only: no hex floats, inf or nan */
    for (const char *c = s; *c; c++) {
        if (*c >= '0' && *c <= '9')
            digit = true;
        else if (!strchr("+-.eE", *c))
            return false;
    }
    if (!digit)
        return false;
    errno = 0;
    *out = strtod(s, &end);
    return !errno && end != s && !*end && isfinite(*out);
}

static const char *role_of(const struct actor_kind *k)
{
    return k->role ? k->role : "strategy";
}

/* "a feed", "an orders" */
static const char *article(const char *word, char *out, size_t len)
{
    snprintf(out, len, "%s %s", strchr("aeiou", word[0]) ? "an" : "a", word);
    return out;
}

/* ---- mapping keys ---- */

/* Check the key of pair p of mapping m: a string, not repeated. */
static int check_key(struct loader *L, yaml_document_t *d, yaml_node_t *m,
                     const yaml_node_pair_t *p)
{
    yaml_node_t *k = node(d, p->key);
    char got[64];

    if (!is_string(k))
        return fail(L, k->start_mark, "a key must be a string (got %s)",
                    describe(k, true, got, sizeof got));
    for (const yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
        yaml_node_t *prev = node(d, q->key);
        if (prev->type == YAML_SCALAR_NODE && !strcmp(text(prev), text(k)))
            return fail(L, k->start_mark,
                        "duplicate key '%s' (first at %zu:%zu)", text(k),
                        prev->start_mark.line + 1, prev->start_mark.column + 1);
    }
    return 0;
}

/* Index of pair p's key in allowed[] (NULL-terminated), or -1 with the
 * error reported. `in` says where, for the message (" in 'journal'"). */
static int key_index(struct loader *L, yaml_node_t *m, const yaml_node_pair_t *p,
                     const char *const *allowed, const char *in)
{
    yaml_node_t *k = node(&L->doc, p->key);
    struct buf list = {0};
    int i;

    if (check_key(L, &L->doc, m, p) < 0)
        return -1;
    for (i = 0; allowed[i]; i++)
        if (!strcmp(allowed[i], text(k)))
            return i;
    for (i = 0; allowed[i]; i++) {
        buf_puts(&list, i ? ", " : "");
        buf_puts(&list, allowed[i]);
    }
    fail(L, k->start_mark, "unknown key '%s'%s (expected one of: %s)", text(k),
         in, list.p);
    free(list.p);
    return -1;
}

/* ---- settings sections ---- */

static int want_mapping(struct loader *L, yaml_node_t *v, const char *name)
{
    char got[64];

    if (v->type == YAML_MAPPING_NODE || is_null(v))
        return 0;
    return fail(L, v->start_mark, "'%s' must be a mapping (got %s)", name,
                describe(v, true, got, sizeof got));
}

/* A non-empty string setting, copied into *out. */
static int want_text(struct loader *L, yaml_node_t *v, const char *name,
                     char **out)
{
    char got[64];

    if (!is_string(v) || !*text(v))
        return fail(L, v->start_mark, "'%s' must be a non-empty string (got %s)",
                    name, describe(v, true, got, sizeof got));
    free(*out);
    *out = xstrdup(text(v));
    return 0;
}

/* Index of the value in names[] (NULL-terminated), or -1 reported. */
static int want_word(struct loader *L, yaml_node_t *v, const char *name,
                     const char *const *names)
{
    struct buf list = {0};
    char got[64];
    int i;

    for (i = 0; v->type == YAML_SCALAR_NODE && names[i]; i++)
        if (!strcmp(names[i], text(v)))
            return i;
    for (i = 0; names[i]; i++) {
        buf_puts(&list, i ? ", " : "");
        buf_puts(&list, names[i]);
    }
    fail(L, v->start_mark, "'%s' must be one of %s (got %s)", name, list.p,
         describe(v, true, got, sizeof got));
    free(list.p);
    return -1;
}

static const char *const journal_keys[] = {"path", "fsync", "interval_ms", NULL};
static const char *const fsync_names[] = {"always", "interval", "none", NULL};

static int load_journal(struct loader *L, yaml_node_t *v)
{
    struct topology *t = L->t;
    char got[64];
    int64_t ms;
    int k;

    if (want_mapping(L, v, "journal") < 0)
        return -1;
    if (v->type == YAML_MAPPING_NODE) {
        for_pairs(p, v) {
            yaml_node_t *x = node(&L->doc, p->value);

            if ((k = key_index(L, v, p, journal_keys, " in 'journal'")) < 0)
                return -1;
            if (k == 0 && want_text(L, x, "path", &t->journal_path) < 0)
                return -1;
            if (k == 1) {
                int f = want_word(L, x, "fsync", fsync_names);
                if (f < 0)
                    return -1;
                t->fsync = (enum fsync_policy)f;  /* same order as the enum */
            }
            if (k == 2) {
                if (x->type != YAML_SCALAR_NODE || !parse_int(text(x), &ms) ||
                    ms < 1 || ms > 60000)
                    return fail(L, x->start_mark,
                                "'interval_ms' must be an integer between 1 "
                                "and 60000 (got %s)",
                                describe(x, false, got, sizeof got));
                t->fsync_interval_ms = ms;
            }
        }
    }
    if (!t->journal_path)
        return fail(L, v->start_mark, "missing required key 'path' in 'journal'");
    return 0;
}

static const char *const control_keys[] = {"socket", NULL};

static int load_control(struct loader *L, yaml_node_t *v)
{
    struct sockaddr_un sun;
    size_t n;

    if (want_mapping(L, v, "control") < 0)
        return -1;
    if (is_null(v))
        return 0;
    for_pairs(p, v) {
        yaml_node_t *x = node(&L->doc, p->value);

        if (key_index(L, v, p, control_keys, " in 'control'") < 0 ||
            want_text(L, x, "socket", &L->t->control_socket) < 0)
            return -1;
        n = strlen(L->t->control_socket);
        if (n >= sizeof sun.sun_path)
            return fail(L, x->start_mark,
                        "'socket' is too long for a Unix socket path "
                        "(%zu characters, at most %zu)",
                        n, sizeof sun.sun_path - 1);
    }
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
    return colon[1] >= '0' && colon[1] <= '9' && parse_int(colon + 1, &port) &&
           port >= 1 && port <= 65535;
}

static const char *const metrics_keys[] = {"listen", NULL};

static int load_metrics(struct loader *L, yaml_node_t *v)
{
    char got[64];

    if (want_mapping(L, v, "metrics") < 0)
        return -1;
    if (is_null(v))
        return 0;
    for_pairs(p, v) {
        yaml_node_t *x = node(&L->doc, p->value);

        if (key_index(L, v, p, metrics_keys, " in 'metrics'") < 0)
            return -1;
        if (!is_string(x) || !valid_listen(text(x)))
            return fail(L, x->start_mark,
                        "'listen' must be HOST:PORT with a port from 1 to "
                        "65535 (got %s)", describe(x, true, got, sizeof got));
        free(L->t->metrics_listen);
        L->t->metrics_listen = xstrdup(text(x));
    }
    return 0;
}

static const char *const log_keys[] = {"level", NULL};
static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};

static int load_log(struct loader *L, yaml_node_t *v)
{
    int k;

    if (want_mapping(L, v, "log") < 0)
        return -1;
    if (is_null(v))
        return 0;
    for_pairs(p, v) {
        yaml_node_t *x = node(&L->doc, p->value);

        if (key_index(L, v, p, log_keys, " in 'log'") < 0 ||
            (k = want_word(L, x, "level", level_names)) < 0)
            return -1;
        free(L->t->log_level);
        L->t->log_level = xstrdup(level_names[k]);
    }
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
    const struct topology *t = L->t;
    size_t n = x->type == YAML_SCALAR_NODE ? x->data.scalar.length : 0;
    bool ok = is_string(x) && n >= 1 && n <= ID_MAX && id_char(text(x)[0]) &&
              text(x)[0] != '_' && text(x)[0] != '.' && text(x)[0] != '-';
    char got[64];

    for (size_t i = 0; ok && i < n; i++)
        ok = id_char(text(x)[i]);
    if (!ok)
        return fail(L, x->start_mark,
                    "'id' must be 1 to %d letters, digits, '_', '.' or '-', "
                    "starting with a letter or digit (got %s)",
                    ID_MAX, describe(x, true, got, sizeof got));
    for (size_t i = 0; i < t->n_actors; i++)
        if (!strcmp(t->actors[i].id, text(x)))
            return fail(L, x->start_mark,
                        "duplicate id '%s' (first defined at %d:%d)", text(x),
                        t->actors[i].line, t->actors[i].col);
    return 0;
}

static void list_kinds(struct buf *b, const struct actor_kind *const *table)
{
    for (; table && *table; table++) {
        buf_puts(b, b->len ? ", " : "");
        buf_puts(b, (*table)->name);
    }
}

/* The kind named by x, looked up where the actor is listed; NULL reported. */
static const struct actor_kind *find_kind(struct loader *L, yaml_node_t *x,
                                          bool service)
{
    const struct actor_kind *k;
    struct buf known = {0};
    char got[64];

    if (!is_string(x)) {
        fail(L, x->start_mark, "'kind' must be a string (got %s)",
             describe(x, true, got, sizeof got));
        return NULL;
    }
    if (service) {
        if ((k = registry_find(service_kinds, text(x))))
            return k;
        if (registry_find(strategy_kinds, text(x)) ||
            registry_find(L->extra, text(x))) {
            fail(L, x->start_mark,
                 "'%s' is a strategy kind; list it under 'strategies'", text(x));
            return NULL;
        }
        list_kinds(&known, service_kinds);
    } else {
        if ((k = registry_find(strategy_kinds, text(x))) ||
            (k = registry_find(L->extra, text(x))))
            return k;
        if (registry_find(service_kinds, text(x))) {
            fail(L, x->start_mark,
                 "'%s' is a service kind; list it under 'services'", text(x));
            return NULL;
        }
        list_kinds(&known, strategy_kinds);
        list_kinds(&known, L->extra);
    }
    fail(L, x->start_mark, "unknown %s kind '%s' (known: %s)",
         service ? "service" : "strategy", text(x), known.p ? known.p : "none");
    free(known.p);
    return NULL;
}

static const char *const actor_keys[] = {"id", "kind", "params", NULL};

static int load_actor(struct loader *L, yaml_node_t *m, bool service)
{
    struct topology *t = L->t;
    yaml_node_t *id = NULL, *params = NULL;
    const struct actor_kind *kind = NULL;
    struct topo_actor *a;
    char got[64];
    int k;

    if (m->type != YAML_MAPPING_NODE)
        return fail(L, m->start_mark,
                    "each entry of '%s' must be a mapping with 'id', 'kind' "
                    "and 'params' (got %s)", service ? "services" : "strategies",
                    describe(m, true, got, sizeof got));
    for_pairs(p, m) {
        yaml_node_t *x = node(&L->doc, p->value);

        if ((k = key_index(L, m, p, actor_keys, " in an actor")) < 0)
            return -1;
        if (k == 0 && check_id(L, x) < 0)
            return -1;
        if (k == 0)
            id = x;
        if (k == 1 && !(kind = find_kind(L, x, service)))
            return -1;
        if (k == 2 && want_mapping(L, x, "params") < 0)
            return -1;
        if (k == 2 && x->type == YAML_MAPPING_NODE)
            params = x;
    }
    if (!id)
        return fail(L, m->start_mark, "missing required key 'id'");
    if (!kind)
        return fail(L, m->start_mark, "missing required key 'kind' in actor '%s'",
                    text(id));

    if (t->n_actors == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 8;
        t->actors = xrealloc(t->actors, L->cap * sizeof *t->actors);
        L->pend = xrealloc(L->pend, L->cap * sizeof *L->pend);
    }
    a = &t->actors[t->n_actors];
    memset(a, 0, sizeof *a);
    a->id = xstrdup(text(id));
    a->kind = kind;
    a->is_service = service;
    a->line = (int)m->start_mark.line + 1;
    a->col = (int)m->start_mark.column + 1;
    L->pend[t->n_actors++] = (struct pending){m, params};
    return 0;
}

static int load_actors(struct loader *L, yaml_node_t *v, bool service)
{
    char got[64];

    if (!L->seen_actors)
        L->services_first = service;
    L->seen_actors = true;
    if (is_null(v))
        return 0;
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(L, v->start_mark, "'%s' must be a list of actors (got %s)",
                    service ? "services" : "strategies",
                    describe(v, true, got, sizeof got));
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top; it++)
        if (load_actor(L, node(&L->doc, *it), service) < 0)
            return -1;
    return 0;
}

/* Services first, then strategies, each in file order (a stable split). */
static void order_actors(struct loader *L)
{
    struct topology *t = L->t;
    struct topo_actor *a = xcalloc(t->n_actors * sizeof *a);
    struct pending *pd = xcalloc(t->n_actors * sizeof *pd);
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

/* ---- params (pass 2) ---- */

static void *field_of(const struct topo_actor *a, const struct param_def *row)
{
    return (char *)a->params + row->offset;
}

/* " between 1 and 100000", or with sep " 1 to 32"; "" when the row has no
 * range (min and max both 0). */
static const char *range(const struct param_def *row, const char *sep,
                         char *out, size_t len)
{
    char lo[32], hi[32];

    if (row->min == 0 && row->max == 0)
        return "";
    num(row->min, lo, sizeof lo);
    num(row->max, hi, sizeof hi);
    if (sep)
        snprintf(out, len, " %s %s %s", lo, sep, hi);
    else
        snprintf(out, len, " between %s and %s", lo, hi);
    return out;
}

static bool out_of(const struct param_def *row, double x)
{
    return !(row->min == 0 && row->max == 0) && (x < row->min || x > row->max);
}

static int parse_ref(struct loader *L, size_t self, const struct param_def *row,
                     yaml_node_t *v, yaml_mark_t at)
{
    const struct topology *t = L->t;
    char got[64], want[64], is[64];
    int j;

    if (!is_string(v))
        return fail(L, at, "param '%s' must be the id of %s (got %s)", row->name,
                    article(row->role ? row->role : "actor", want, sizeof want),
                    describe(v, true, got, sizeof got));
    if ((j = topology_find(t, text(v))) < 0)
        return fail(L, at, "param '%s' names '%s', which is not an actor in "
                    "this topology", row->name, text(v));
    if ((size_t)j == self)
        return fail(L, at, "param '%s' names '%s', the actor itself; name "
                    "another actor", row->name, text(v));
    if (row->role && (!t->actors[j].kind->role ||
                      strcmp(t->actors[j].kind->role, row->role)))
        return fail(L, at, "param '%s' names '%s', %s, but must name %s",
                    row->name, text(v),
                    article(role_of(t->actors[j].kind), is, sizeof is),
                    article(row->role, want, sizeof want));
    *(actor_ref *)field_of(&t->actors[self], row) = (actor_ref)j;
    return 0;
}

static int parse_strings(struct loader *L, yaml_document_t *d,
                         const struct param_def *row, yaml_node_t *v,
                         const yaml_mark_t *at, struct param_strings *ps)
{
    size_t n = 1;
    char got[64], r[96];

    if (v->type == YAML_MAPPING_NODE)
        return fail(L, at ? *at : v->start_mark,
                    "param '%s' must be a string or a list of strings (got a "
                    "mapping)", row->name);
    if (v->type == YAML_SEQUENCE_NODE)
        n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (out_of(row, (double)n))
        return fail(L, at ? *at : v->start_mark,
                    "param '%s' must list%s strings (got %zu)", row->name,
                    range(row, "to", r, sizeof r), n);
    ps->v = xcalloc(n * sizeof *ps->v);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = v->type == YAML_SEQUENCE_NODE
                         ? node(d, v->data.sequence.items.start[i]) : v;
        if (!is_string(e) || !*text(e))
            return fail(L, at ? *at : e->start_mark,
                        "param '%s' entries must be non-empty strings (got %s)",
                        row->name, describe(e, true, got, sizeof got));
        ps->v[ps->n++] = xstrdup(text(e));
    }
    return 0;
}

/* Parse v (from document d) into the field of row of actor self. Errors
 * point at v, or at *at when given (defaults have no place in the file). */
static int parse_value(struct loader *L, yaml_document_t *d, size_t self,
                       const struct param_def *row, yaml_node_t *v,
                       const yaml_mark_t *at)
{
    void *field = field_of(&L->t->actors[self], row);
    yaml_mark_t m = at ? *at : v->start_mark;
    bool scalar = v->type == YAML_SCALAR_NODE;
    char buf[64], r[96];
    const char *got;
    int64_t i;
    double x;

    if (is_null(v))
        return fail(L, m, "param '%s' has no value (give one or remove the key)",
                    row->name);
    got = describe(v, false, buf, sizeof buf);
    switch (row->type) {
    case PARAM_INT:
        if (!scalar || !parse_int(text(v), &i) || out_of(row, (double)i))
            return fail(L, m, "param '%s' must be an integer%s (got %s)",
                        row->name, range(row, NULL, r, sizeof r), got);
        *(int64_t *)field = i;
        return 0;
    case PARAM_DOUBLE:
        if (!scalar || !parse_double(text(v), &x) || out_of(row, x))
            return fail(L, m, "param '%s' must be a number%s (got %s)",
                        row->name, range(row, NULL, r, sizeof r), got);
        *(double *)field = x;
        return 0;
    case PARAM_BOOL:
        if (!scalar || (strcmp(text(v), "true") && strcmp(text(v), "false")))
            return fail(L, m, "param '%s' must be true or false (got %s)",
                        row->name, got);
        *(bool *)field = !strcmp(text(v), "true");
        return 0;
    case PARAM_STRING:
        if (!is_string(v))
            return fail(L, m, "param '%s' must be a string (got %s)", row->name,
                        describe(v, true, buf, sizeof buf));
        if (out_of(row, (double)v->data.scalar.length))
            return fail(L, m, "param '%s' must be%s characters long (got %zu)",
                        row->name, range(row, "to", r, sizeof r),
                        v->data.scalar.length);
        free(*(char **)field);
        *(char **)field = xstrdup(text(v));
        return 0;
    case PARAM_STRINGS:
        return parse_strings(L, d, row, v, at, field);
    case PARAM_REF:
        return parse_ref(L, self, row, v, m);
    }
    return fail(L, m, "param '%s' has an unknown type in kind '%s'", row->name,
                L->t->actors[self].kind->name);
}

/* A row's default: YAML text, parsed like a value written in the file. */
static int parse_default(struct loader *L, size_t self,
                         const struct param_def *row, yaml_mark_t at)
{
    yaml_parser_t p;
    yaml_document_t d;
    yaml_node_t *root;
    int rc = -1;

    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)row->def,
                                 strlen(row->def));
    if (yaml_parser_load(&p, &d)) {
        if ((root = yaml_document_get_root_node(&d)))
            rc = parse_value(L, &d, self, row, root, &at);
        yaml_document_delete(&d);
    }
    yaml_parser_delete(&p);
    if (rc < 0)
        fail(L, at, "kind '%s' has an invalid default '%s' for param '%s'",
             L->t->actors[self].kind->name, row->def, row->name);
    return rc;
}

/* A ref left out: the one actor with the role, if there is exactly one. */
static int resolve_ref(struct loader *L, size_t self, const struct param_def *row,
                       yaml_mark_t at, bool *set)
{
    const struct topology *t = L->t;
    struct buf names = {0};
    size_t found = 0, pick = 0;
    int rc = 0;

    for (size_t j = 0; j < t->n_actors; j++) {
        const char *role = t->actors[j].kind->role;
        if (j == self || !role || !row->role || strcmp(role, row->role))
            continue;
        buf_puts(&names, found++ ? ", " : "");
        buf_puts(&names, t->actors[j].id);
        pick = j;
    }
    if (found == 1) {
        *(actor_ref *)field_of(&t->actors[self], row) = (actor_ref)pick;
        *set = true;
    } else if (found > 1) {
        rc = fail(L, at, "param '%s' is ambiguous (%s actors: %s); name one",
                  row->name, row->role, names.p);
    } else if (row->flags & PARAM_REQUIRED) {
        rc = fail(L, at, "missing required param '%s' (this topology has no "
                  "%s actor to use)", row->name,
                  row->role ? row->role : "suitable");
    }
    free(names.p);
    return rc;
}

static int cmp_rows(const void *a, const void *b)
{
    return strcmp((*(const struct param_def *const *)a)->name,
                  (*(const struct param_def *const *)b)->name);
}

/* params_canon: "key=value\n" for every set row, sorted by key. */
static void make_canon(const struct topology *t, struct topo_actor *a,
                         const bool *set, size_t n)
{
    const struct param_def *rows = a->kind->params;
    const struct param_def **sorted = xcalloc(n * sizeof *sorted);
    struct buf b = {0};
    char tmp[40];
    size_t m = 0;

    for (size_t r = 0; r < n; r++)
        if (set[r])
            sorted[m++] = &rows[r];
    qsort(sorted, m, sizeof *sorted, cmp_rows);
    buf_add(&b, "", 0);
    for (size_t r = 0; r < m; r++) {
        const struct param_def *row = sorted[r];
        const void *f = field_of(a, row);
        const struct param_strings *ps = f;

        buf_puts(&b, row->name);
        buf_puts(&b, "=");
        switch (row->type) {
        case PARAM_INT:
            snprintf(tmp, sizeof tmp, "%lld", (long long)*(const int64_t *)f);
            buf_puts(&b, tmp);
            break;
        case PARAM_DOUBLE:
            snprintf(tmp, sizeof tmp, "%.17g", *(const double *)f);
            buf_puts(&b, tmp);
            break;
        case PARAM_BOOL:
            buf_puts(&b, *(const bool *)f ? "true" : "false");
            break;
        case PARAM_STRING:
            buf_escaped(&b, *(char *const *)f, false);
            break;
        case PARAM_STRINGS:
            for (size_t i = 0; i < ps->n; i++) {
                buf_puts(&b, i ? "," : "");
                buf_escaped(&b, ps->v[i], true);
            }
            break;
        case PARAM_REF:
            buf_puts(&b, t->actors[*(const actor_ref *)f].id);
            break;
        }
        buf_puts(&b, "\n");
    }
    free(sorted);
    a->params_canon = b.p;
    a->params_hash = hash_bytes(HASH_SEED, b.p, b.len);
}

static int load_params(struct loader *L, size_t self)
{
    struct topo_actor *a = &L->t->actors[self];
    const struct pending *pd = &L->pend[self];
    const struct param_def *rows = a->kind->params;
    yaml_mark_t where = pd->params ? pd->params->start_mark : pd->node->start_mark;
    yaml_node_t **given;      /* per row: its key in the file, or NULL */
    bool *set;                /* per row: has a value (given or default) */
    size_t n = 0, r;
    int rc = -1;

    while (rows && rows[n].name)
        n++;
    a->params = xcalloc(a->kind->params_size);
    given = xcalloc(n * sizeof *given);
    set = xcalloc(n * sizeof *set);
    for (r = 0; r < n; r++)
        if (rows[r].type == PARAM_REF)
            *(actor_ref *)field_of(a, &rows[r]) = ACTOR_REF_NONE;

    if (pd->params) {
        for_pairs(p, pd->params) {
            yaml_node_t *k = node(&L->doc, p->key);
            struct buf names = {0};

            if (check_key(L, &L->doc, pd->params, p) < 0)
                goto out;
            for (r = 0; r < n && strcmp(rows[r].name, text(k)); r++)
                ;
            if (r == n) {
                for (r = 0; r < n; r++) {
                    buf_puts(&names, r ? ", " : "");
                    buf_puts(&names, rows[r].name);
                }
                if (n)
                    fail(L, k->start_mark, "unknown param '%s' for kind '%s' "
                         "(expected one of: %s)", text(k), a->kind->name, names.p);
                else
                    fail(L, k->start_mark, "unknown param '%s': kind '%s' "
                         "takes no params", text(k), a->kind->name);
                free(names.p);
                goto out;
            }
            given[r] = k;
            if (parse_value(L, &L->doc, self, &rows[r],
                            node(&L->doc, p->value), NULL) < 0)
                goto out;
            set[r] = true;
        }
    }
    for (r = 0; r < n; r++) {
        if (set[r])
            continue;
        if (rows[r].def) {
            if (parse_default(L, self, &rows[r], where) < 0)
                goto out;
            set[r] = true;
        } else if (rows[r].type == PARAM_REF) {
            if (resolve_ref(L, self, &rows[r], where, &set[r]) < 0)
                goto out;
        } else if (rows[r].flags & PARAM_REQUIRED) {
            fail(L, where, "missing required param '%s'", rows[r].name);
            goto out;
        }
    }
    if (a->kind->check) {
        const char *key = NULL;
        const char *msg = a->kind->check(a->params, &key);
        yaml_mark_t at = where;

        if (msg) {
            for (r = 0; key && r < n; r++)
                if (!strcmp(rows[r].name, key) && given[r])
                    at = given[r]->start_mark;
            fail(L, at, "%s", msg);
            goto out;
        }
    }
    make_canon(L->t, a, set, n);
    rc = 0;
out:
    free(given);
    free(set);
    return rc;
}

/* A PARAM_STRING whose row names a role ("feed") is a symbol that the actor
 * referenced by the param of that name must carry in its own `symbols`
 * param: a strategy subscribing to a symbol its feed does not have would
 * otherwise wait for ticks forever. Checked once every actor's params are
 * known. */
static int check_symbols(struct loader *L, size_t self)
{
    const struct topo_actor *a = &L->t->actors[self];
    const struct param_def *rows = a->kind->params;

    for (size_t r = 0; rows && rows[r].name; r++) {
        const struct param_def *row = &rows[r], *ref = NULL, *list = NULL;
        const struct topo_actor *feed;
        const struct param_strings *syms;
        const char *sym;
        yaml_mark_t at;
        struct buf names = {0};
        actor_ref to;

        if (row->type != PARAM_STRING || !row->role)
            continue;
        sym = *(char *const *)field_of(a, row);
        for (size_t k = 0; rows[k].name; k++)
            if (rows[k].type == PARAM_REF && !strcmp(rows[k].name, row->role))
                ref = &rows[k];
        if (!sym || !ref || (to = *(const actor_ref *)field_of(a, ref)) == ACTOR_REF_NONE)
            continue;
        feed = &L->t->actors[to];
        for (size_t k = 0; feed->kind->params && feed->kind->params[k].name; k++)
            if (feed->kind->params[k].type == PARAM_STRINGS &&
                !strcmp(feed->kind->params[k].name, "symbols"))
                list = &feed->kind->params[k];
        if (!list)
            continue;
        syms = field_of(feed, list);
        bool found = false;
        for (size_t k = 0; k < syms->n && !found; k++)
            found = !strcmp(syms->v[k], sym);
        if (found)
            continue;
        /* point at the value when given, else at the params mapping */
        at = L->pend[self].params ? L->pend[self].params->start_mark
                                  : L->pend[self].node->start_mark;
        if (L->pend[self].params)
            for_pairs(p, L->pend[self].params)
                if (!strcmp(text(node(&L->doc, p->key)), row->name))
                    at = node(&L->doc, p->value)->start_mark;
        for (size_t k = 0; k < syms->n; k++) {
            buf_puts(&names, k ? ", " : "");
            buf_puts(&names, syms->v[k]);
        }
        fail(L, at, "param '%s' is '%s', which %s '%s' does not carry (its symbols: %s)",
             row->name, sym, row->role, feed->id, names.p);
        free(names.p);
        return -1;
    }
    return 0;
}

/* ---- the file ---- */

static const char *const top_keys[] = {
    "journal", "control", "metrics", "log", "services", "strategies", NULL,
};

static int load_top(struct loader *L, yaml_node_t *root)
{
    struct topology *t = L->t;
    bool have_journal = false;
    char got[64];
    int k, rc = 0;

    if (root->type != YAML_MAPPING_NODE)
        return fail(L, root->start_mark,
                    "the topology must be a mapping with keys journal, control, "
                    "metrics, log, services, strategies (got %s)",
                    describe(root, true, got, sizeof got));
    for_pairs(p, root) {
        yaml_node_t *v = node(&L->doc, p->value);

        if ((k = key_index(L, root, p, top_keys, "")) < 0)
            return -1;
        switch (k) {
        case 0: rc = load_journal(L, v); have_journal = true; break;
        case 1: rc = load_control(L, v); break;
        case 2: rc = load_metrics(L, v); break;
        case 3: rc = load_log(L, v); break;
        case 4: rc = load_actors(L, v, true); break;
        case 5: rc = load_actors(L, v, false); break;
        }
        if (rc < 0)
            return -1;
    }
    if (!have_journal)
        return fail(L, root->start_mark, "missing required key 'journal' "
                    "(e.g. journal: { path: /var/lib/stratd/journal })");
    if (t->n_actors == 0)
        return fail(L, root->start_mark, "no actors: list at least one under "
                    "'services' or 'strategies'");
    if (!t->control_socket)
        t->control_socket = xstrdup(DEFAULT_SOCKET);
    if (!t->metrics_listen)
        t->metrics_listen = xstrdup(DEFAULT_LISTEN);
    if (!t->log_level)
        t->log_level = xstrdup(DEFAULT_LEVEL);
    return 0;
}

static int read_all(const char *path, char **out, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *s = xrealloc(NULL, cap);
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;

    if (fd < 0) {
        free(s);
        return -1;
    }
    while ((got = read(fd, s + n, cap - n)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            close(fd);
            free(s);
            errno = e;
            return -1;
        }
        n += (size_t)got;
        if (n == cap)
            s = xrealloc(s, cap *= 2);
    }
    close(fd);
    *out = s;
    *len = n;
    return 0;
}

/* libyaml's own message, at its mark (reader errors have only an offset). */
static int yaml_failed(struct loader *L, const yaml_parser_t *p,
                       const char *s, size_t len)
{
    yaml_mark_t at = p->problem_mark;

    if (p->error == YAML_READER_ERROR) {
        memset(&at, 0, sizeof at);
        for (size_t i = 0; i < p->problem_offset && i < len; i++) {
            at.column++;
            if (s[i] == '\n') {
                at.line++;
                at.column = 0;
            }
        }
    }
    return fail(L, at, "not valid YAML: %s",
                p->problem ? p->problem : "out of memory");
}

int topology_load(struct topology *t, const char *path,
                  const struct actor_kind *const *extra_kinds,
                  char *err, size_t errlen)
{
    struct loader L = {
        .t = t, .path = path, .extra = extra_kinds, .err = err, .errlen = errlen,
    };
    yaml_parser_t parser;
    yaml_document_t next;
    yaml_node_t *root;
    yaml_mark_t start = {0};
    bool have_doc = false;
    char *s = NULL;
    size_t len = 0;
    int rc = -1;

    memset(t, 0, sizeof *t);
    t->file = xstrdup(path);
    t->fsync = FSYNC_INTERVAL;
    t->fsync_interval_ms = 1000;
    if (err && errlen)
        err[0] = '\0';
    yaml_parser_initialize(&parser);

    if (read_all(path, &s, &len) < 0) {
        fail(&L, start, "cannot read: %s", strerror(errno));
        goto out;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
    if (!yaml_parser_load(&parser, &L.doc)) {
        yaml_failed(&L, &parser, s, len);
        goto out;
    }
    have_doc = true;
    root = yaml_document_get_root_node(&L.doc);
    if (!root || is_null(root)) {
        fail(&L, start, "the file is empty; a topology needs at least "
             "'journal' and one actor under 'services' or 'strategies'");
        goto out;
    }
    /* one document per file: a second one is a mistake, not ignored */
    if (!yaml_parser_load(&parser, &next)) {
        yaml_failed(&L, &parser, s, len);
        goto out;
    }
    if (yaml_document_get_root_node(&next)) {
        fail(&L, next.start_mark, "only one YAML document is allowed per file");
        yaml_document_delete(&next);
        goto out;
    }
    yaml_document_delete(&next);

    if (load_top(&L, root) < 0)
        goto out;
    order_actors(&L);
    /* params in file order: whichever list came first */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->n_actors; i++)
            if (t->actors[i].is_service == ((pass == 0) == L.services_first) &&
                load_params(&L, i) < 0)
                goto out;
    for (size_t i = 0; i < t->n_actors; i++)
        if (check_symbols(&L, i) < 0)
            goto out;
    rc = 0;
out:
    if (have_doc)
        yaml_document_delete(&L.doc);
    yaml_parser_delete(&parser);
    free(s);
    free(L.pend);
    if (rc < 0)
        topology_release(t);
    return rc;
}

static void release_params(struct topo_actor *a)
{
    const struct param_def *rows = a->kind ? a->kind->params : NULL;

    for (size_t r = 0; a->params && rows && rows[r].name; r++) {
        void *f = field_of(a, &rows[r]);
        struct param_strings *ps = f;

        if (rows[r].type == PARAM_STRING)
            free(*(char **)f);
        if (rows[r].type == PARAM_STRINGS) {
            for (size_t i = 0; i < ps->n; i++)
                free(ps->v[i]);
            free(ps->v);
        }
    }
    free(a->params);
}

void topology_release(struct topology *t)
{
    for (size_t i = 0; i < t->n_actors; i++) {
        release_params(&t->actors[i]);
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
