/*
 * params.c — see params.h.
 *
 * Binding one actor, in order: the keys written in the file (each a known
 * row, each value parsed by the row's type and range), then every row left
 * without a value (its default, parsed from YAML text like a written
 * value; a ref resolved by role; or "missing required param"), then the
 * kind's cross-field check, and last the canonical text and its hash.
 * Messages point at the value when it is wrong, at the key when the key
 * is, and at the params mapping for what is not written at all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "params.h"
#include "strbuf.h"
#include "xalloc.h"

/* One actor being bound. */
struct binding {
    struct yw *w;
    struct topology *t;
    size_t self;
    struct topo_actor *a;         /* &t->actors[self] */
    const struct param_def *rows; /* the kind's table */
    size_t n;                     /* its rows */
    yaml_node_t **given;          /* per row: its key in the file, or NULL */
    bool *set;                    /* per row: has a value (given or default) */
    yaml_mark_t where;            /* for what is not in the file */
};

static void *field_of(const struct topo_actor *a, const struct param_def *row)
{
    return (char *)a->params + row->offset;
}

/* ---- words for messages ---- */

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

/* A number from a range, as written in a message: 100000, not 1e+05. */
static const char *num(double x, char *out, size_t len)
{
    if (fabs(x) < 9e15 && x == (double)(long long)x)
        snprintf(out, len, "%lld", (long long)x);
    else
        snprintf(out, len, "%g", x);
    return out;
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

/* ---- values ---- */

static int parse_ref(struct binding *b, const struct param_def *row,
                     yaml_node_t *v, yaml_mark_t at)
{
    const struct topology *t = b->t;
    const char *role = row->role ? row->role : "actor";
    char got[YW_GOT], want[64], is[64];
    int j;

    if (!yw_is_string(v))
        return yw_fail(b->w, at, "param '%s' must be the id of %s (got %s)",
                       row->name, article(role, want, sizeof want),
                       yw_describe(v, true, got, sizeof got));
    if ((j = topology_find(t, yw_text(v))) < 0)
        return yw_fail(b->w, at, "param '%s' names '%s', which is not an actor "
                       "in this topology", row->name, yw_text(v));
    if ((size_t)j == b->self)
        return yw_fail(b->w, at, "param '%s' names '%s', the actor itself; "
                       "name another actor", row->name, yw_text(v));
    if (row->role && (!t->actors[j].kind->role ||
                      strcmp(t->actors[j].kind->role, row->role)))
        return yw_fail(b->w, at, "param '%s' names '%s', %s, but must name %s",
                       row->name, yw_text(v),
                       article(role_of(t->actors[j].kind), is, sizeof is),
                       article(row->role, want, sizeof want));
    *(actor_ref *)field_of(b->a, row) = (actor_ref)j;
    return 0;
}

/* A string, or a list of them, into ps. */
static int parse_strings(struct binding *b, yaml_document_t *d,
                         const struct param_def *row, yaml_node_t *v,
                         const yaml_mark_t *at, struct param_strings *ps)
{
    size_t n = 1;
    char got[YW_GOT], r[96];

    if (v->type == YAML_MAPPING_NODE)
        return yw_fail(b->w, at ? *at : v->start_mark,
                       "param '%s' must be a string or a list of strings (got "
                       "a mapping)", row->name);
    if (v->type == YAML_SEQUENCE_NODE)
        n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (out_of(row, (double)n))
        return yw_fail(b->w, at ? *at : v->start_mark,
                       "param '%s' must list%s strings (got %zu)", row->name,
                       range(row, "to", r, sizeof r), n);
    ps->v = xcalloc(n, sizeof *ps->v);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = v->type == YAML_SEQUENCE_NODE
                         ? yw_node(d, v->data.sequence.items.start[i]) : v;
        if (!yw_is_string(e) || !*yw_text(e))
            return yw_fail(b->w, at ? *at : e->start_mark,
                           "param '%s' entries must be non-empty strings "
                           "(got %s)", row->name,
                           yw_describe(e, true, got, sizeof got));
        ps->v[ps->n++] = xstrdup(yw_text(e));
    }
    return 0;
}

static int parse_string(struct binding *b, const struct param_def *row,
                        yaml_node_t *v, yaml_mark_t at, char **field)
{
    char got[YW_GOT], r[96];

    if (!yw_is_string(v))
        return yw_fail(b->w, at, "param '%s' must be a string (got %s)",
                       row->name, yw_describe(v, true, got, sizeof got));
    if (out_of(row, (double)v->data.scalar.length))
        return yw_fail(b->w, at,
                       "param '%s' must be%s characters long (got %zu)",
                       row->name, range(row, "to", r, sizeof r),
                       v->data.scalar.length);
    free(*field);
    *field = xstrdup(yw_text(v));
    return 0;
}

/* Parse v (from document d) into the field of row. Errors point at v, or
 * at *at when given (defaults have no place in the file). */
static int parse_value(struct binding *b, yaml_document_t *d,
                       const struct param_def *row, yaml_node_t *v,
                       const yaml_mark_t *at)
{
    void *field = field_of(b->a, row);
    yaml_mark_t m = at ? *at : v->start_mark;
    bool scalar = v->type == YAML_SCALAR_NODE;
    char buf[YW_GOT], r[96];
    const char *got;
    int64_t i;
    double x;

    if (yw_is_null(v))
        return yw_fail(b->w, m, "param '%s' has no value (give one or remove "
                       "the key)", row->name);
    got = yw_describe(v, false, buf, sizeof buf);
    switch (row->type) {
    case PARAM_INT:
        if (!scalar || !yw_parse_int(yw_text(v), &i) || out_of(row, (double)i))
            return yw_fail(b->w, m, "param '%s' must be an integer%s (got %s)",
                           row->name, range(row, NULL, r, sizeof r), got);
        *(int64_t *)field = i;
        return 0;
    case PARAM_DOUBLE:
        if (!scalar || !yw_parse_double(yw_text(v), &x) || out_of(row, x))
            return yw_fail(b->w, m, "param '%s' must be a number%s (got %s)",
                           row->name, range(row, NULL, r, sizeof r), got);
        *(double *)field = x;
        return 0;
    case PARAM_BOOL:
        if (!scalar ||
            (strcmp(yw_text(v), "true") && strcmp(yw_text(v), "false")))
            return yw_fail(b->w, m, "param '%s' must be true or false (got %s)",
                           row->name, got);
        *(bool *)field = !strcmp(yw_text(v), "true");
        return 0;
    case PARAM_STRING:
        return parse_string(b, row, v, m, field);
    case PARAM_STRINGS:
        return parse_strings(b, d, row, v, at, field);
    case PARAM_REF:
        return parse_ref(b, row, v, m);
    }
    return yw_fail(b->w, m, "param '%s' has an unknown type in kind '%s'",
                   row->name, b->a->kind->name);
}

/* A row's default: YAML text, parsed like a value written in the file. */
static int parse_default(struct binding *b, const struct param_def *row)
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
            rc = parse_value(b, &d, row, root, &b->where);
        yaml_document_delete(&d);
    }
    yaml_parser_delete(&p);
    if (rc < 0)
        yw_fail(b->w, b->where, "kind '%s' has an invalid default '%s' for "
                "param '%s'", b->a->kind->name, row->def, row->name);
    return rc;
}

/* A ref left out: the one actor with the role, if there is exactly one. */
static int resolve_ref(struct binding *b, size_t r)
{
    const struct param_def *row = &b->rows[r];
    const struct topology *t = b->t;
    struct strbuf names = STRBUF_INIT;
    size_t found = 0, pick = 0;
    int rc = 0;

    for (size_t j = 0; j < t->n_actors; j++) {
        const char *role = t->actors[j].kind->role;
        if (j == b->self || !role || !row->role || strcmp(role, row->role))
            continue;
        strbuf_puts(&names, found++ ? ", " : "");
        strbuf_puts(&names, t->actors[j].id);
        pick = j;
    }
    if (found == 1) {
        *(actor_ref *)field_of(b->a, row) = (actor_ref)pick;
        b->set[r] = true;
    } else if (found > 1) {
        rc = yw_fail(b->w, b->where, "param '%s' is ambiguous (%s actors: %s); "
                     "name one", row->name, row->role, strbuf_str(&names));
    } else if (row->flags & PARAM_REQUIRED) {
        rc = yw_fail(b->w, b->where, "missing required param '%s' (this "
                     "topology has no %s actor to use)", row->name,
                     row->role ? row->role : "suitable");
    }
    strbuf_release(&names);
    return rc;
}

/* ---- the steps of params_bind ---- */

/* A key that is not a row of the kind. Returns -1. */
static int unknown_param(struct binding *b, const yaml_node_t *k)
{
    struct strbuf names = STRBUF_INIT;

    for (size_t r = 0; r < b->n; r++) {
        strbuf_puts(&names, r ? ", " : "");
        strbuf_puts(&names, b->rows[r].name);
    }
    if (b->n)
        yw_fail(b->w, k->start_mark, "unknown param '%s' for kind '%s' "
                "(expected one of: %s)", yw_text(k), b->a->kind->name,
                strbuf_str(&names));
    else
        yw_fail(b->w, k->start_mark, "unknown param '%s': kind '%s' takes "
                "no params", yw_text(k), b->a->kind->name);
    strbuf_release(&names);
    return -1;
}

/* The params written in the file, in file order. */
static int bind_given(struct binding *b, yaml_node_t *params)
{
    yaml_document_t *d = &b->w->doc;
    size_t r;

    yw_for_pairs(p, params) {
        yaml_node_t *k = yw_node(d, p->key);

        if (yw_check_key(b->w, params, p) < 0)
            return -1;
        for (r = 0; r < b->n && strcmp(b->rows[r].name, yw_text(k)); r++)
            ;
        if (r == b->n)
            return unknown_param(b, k);
        b->given[r] = k;
        if (parse_value(b, d, &b->rows[r], yw_node(d, p->value), NULL) < 0)
            return -1;
        b->set[r] = true;
    }
    return 0;
}

/* Every row the file left out: default, resolved ref, or a mistake. */
static int bind_missing(struct binding *b)
{
    for (size_t r = 0; r < b->n; r++) {
        const struct param_def *row = &b->rows[r];

        if (b->set[r])
            continue;
        if (row->def) {
            if (parse_default(b, row) < 0)
                return -1;
            b->set[r] = true;
        } else if (row->type == PARAM_REF) {
            if (resolve_ref(b, r) < 0)
                return -1;
        } else if (row->flags & PARAM_REQUIRED) {
            return yw_fail(b->w, b->where, "missing required param '%s'",
                           row->name);
        }
    }
    return 0;
}

/* The kind's cross-field check: at the key it names when that key was
 * written, else at `where`. */
static int run_check(struct binding *b)
{
    const char *key = NULL, *msg;
    yaml_mark_t at = b->where;

    if (!b->a->kind->check || !(msg = b->a->kind->check(b->a->params, &key)))
        return 0;
    for (size_t r = 0; key && r < b->n; r++)
        if (!strcmp(b->rows[r].name, key) && b->given[r])
            at = b->given[r]->start_mark;
    return yw_fail(b->w, at, "%s", msg);
}

/* ---- canonical text ---- */

/* Append s with '\\', '\n' (and, inside lists, ',') escaped. */
static void put_escaped(struct strbuf *sb, const char *s, bool in_list)
{
    for (; *s; s++) {
        if (*s == '\\' || (in_list && *s == ','))
            strbuf_putc(sb, '\\');
        if (*s == '\n')
            strbuf_puts(sb, "\\n");
        else
            strbuf_putc(sb, *s);
    }
}

/* One row's value, as the canonical text writes it. */
static void put_value(struct strbuf *sb, const struct topology *t,
                      const struct topo_actor *a, const struct param_def *row)
{
    const void *f = field_of(a, row);
    const struct param_strings *ps = f;

    switch (row->type) {
    case PARAM_INT:
        strbuf_printf(sb, "%lld", (long long)*(const int64_t *)f);
        break;
    case PARAM_DOUBLE:
        strbuf_printf(sb, "%.17g", *(const double *)f);
        break;
    case PARAM_BOOL:
        strbuf_puts(sb, *(const bool *)f ? "true" : "false");
        break;
    case PARAM_STRING:
        put_escaped(sb, *(char *const *)f, false);
        break;
    case PARAM_STRINGS:
        for (size_t i = 0; i < ps->n; i++) {
            strbuf_puts(sb, i ? "," : "");
            put_escaped(sb, ps->v[i], true);
        }
        break;
    case PARAM_REF:
        strbuf_puts(sb, t->actors[*(const actor_ref *)f].id);
        break;
    }
}

static int cmp_rows(const void *x, const void *y)
{
    return strcmp((*(const struct param_def *const *)x)->name,
                  (*(const struct param_def *const *)y)->name);
}

/* params_canon: "key=value\n" for every set row, sorted by key. */
static void make_canon(struct binding *b)
{
    const struct param_def **sorted = xcalloc(b->n, sizeof *sorted);
    struct strbuf sb = STRBUF_INIT;
    size_t m = 0;

    for (size_t r = 0; r < b->n; r++)
        if (b->set[r])
            sorted[m++] = &b->rows[r];
    qsort(sorted, m, sizeof *sorted, cmp_rows);
    for (size_t r = 0; r < m; r++) {
        strbuf_puts(&sb, sorted[r]->name);
        strbuf_putc(&sb, '=');
        put_value(&sb, b->t, b->a, sorted[r]);
        strbuf_putc(&sb, '\n');
    }
    free(sorted);
    b->a->params_hash = hash_bytes(HASH_SEED, strbuf_str(&sb), sb.len);
    b->a->params_canon = strbuf_take(&sb);
}

/* ---- public ---- */

int params_bind(struct yw *w, struct topology *t, size_t self,
                yaml_node_t *params, yaml_mark_t where)
{
    struct binding b = {
        .w = w, .t = t, .self = self, .a = &t->actors[self],
        .rows = t->actors[self].kind->params, .where = where,
    };
    int rc = -1;

    while (b.rows && b.rows[b.n].name)
        b.n++;
    b.a->params = xcalloc(1, b.a->kind->params_size);
    b.given = xcalloc(b.n, sizeof *b.given);
    b.set = xcalloc(b.n, sizeof *b.set);
    for (size_t r = 0; r < b.n; r++)
        if (b.rows[r].type == PARAM_REF)
            *(actor_ref *)field_of(b.a, &b.rows[r]) = ACTOR_REF_NONE;

    if ((!params || bind_given(&b, params) == 0) && bind_missing(&b) == 0 &&
        run_check(&b) == 0) {
        make_canon(&b);
        rc = 0;
    }
    free(b.given);
    free(b.set);
    return rc;
}

/* The `symbols` list of actor `to`, or NULL when its kind has none. */
static const struct param_strings *symbols_of(const struct topo_actor *to)
{
    const struct param_def *rows = to->kind->params;

    for (size_t k = 0; rows && rows[k].name; k++)
        if (rows[k].type == PARAM_STRINGS && !strcmp(rows[k].name, "symbols"))
            return field_of(to, &rows[k]);
    return NULL;
}

static bool carries(const struct param_strings *syms, const char *sym)
{
    for (size_t k = 0; k < syms->n; k++)
        if (!strcmp(syms->v[k], sym))
            return true;
    return false;
}

/* The ref row a symbol row names (row->role), or NULL. */
static const struct param_def *ref_row(const struct param_def *rows,
                                       const char *name)
{
    for (size_t k = 0; rows[k].name; k++)
        if (rows[k].type == PARAM_REF && !strcmp(rows[k].name, name))
            return &rows[k];
    return NULL;
}

int params_check_symbols(struct yw *w, const struct topology *t, size_t self,
                         yaml_node_t *params, yaml_mark_t where)
{
    const struct topo_actor *a = &t->actors[self];
    const struct param_def *rows = a->kind->params;

    for (size_t r = 0; rows && rows[r].name; r++) {
        const struct param_def *row = &rows[r], *ref;
        const struct param_strings *syms;
        const struct topo_actor *feed;
        struct strbuf names = STRBUF_INIT;
        yaml_node_t *v;
        const char *sym;
        actor_ref to;

        if (row->type != PARAM_STRING || !row->role)
            continue;
        sym = *(char *const *)field_of(a, row);
        ref = ref_row(rows, row->role);
        if (!sym || !ref)
            continue;
        if ((to = *(const actor_ref *)field_of(a, ref)) == ACTOR_REF_NONE)
            continue;
        feed = &t->actors[to];
        if (!(syms = symbols_of(feed)) || carries(syms, sym))
            continue;
        /* point at the value when given, else at `where` */
        v = params ? yw_lookup(w, params, row->name) : NULL;
        for (size_t k = 0; k < syms->n; k++) {
            strbuf_puts(&names, k ? ", " : "");
            strbuf_puts(&names, syms->v[k]);
        }
        yw_fail(w, v ? v->start_mark : where, "param '%s' is '%s', which %s "
                "'%s' does not carry (its symbols: %s)", row->name, sym,
                row->role, feed->id, strbuf_str(&names));
        strbuf_release(&names);
        return -1;
    }
    return 0;
}

void params_release(struct topo_actor *a)
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
    a->params = NULL;
}
