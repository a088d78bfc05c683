/* stats.c — see stats.h (both: the kinds' half in include/stratd/). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stratd/actor.h>

#include "json.h"
#include "stats.h"
#include "strbuf.h"
#include "xalloc.h"

/* --- the sink -------------------------------------------------------------- */

void stats_init(struct stats *s)
{
    memset(s, 0, sizeof *s);
}

void stats_reset(struct stats *s)
{
    s->n = 0;
    s->pool_len = 0;
    s->depth = 0;
}

void stats_release(struct stats *s)
{
    free(s->e);
    free(s->pool);
    stats_init(s);
}

/* A copy of str in the pool: its offset. */
static size_t keep(struct stats *s, const char *str)
{
    size_t n = strlen(str) + 1, off = s->pool_len;

    xgrow((void **)&s->pool, &s->pool_cap, s->pool_len + n, 1);
    memcpy(s->pool + off, str, n);
    s->pool_len += n;
    return off;
}

/* A new entry, or NULL inside a dropped (nested) group. */
static struct stats_entry *add(struct stats *s, enum stats_type type, const char *name)
{
    struct stats_entry *e;

    if (s->depth > 1)
        return NULL;
    xgrow((void **)&s->e, &s->cap, s->n + 1, sizeof *s->e);
    e = &s->e[s->n++];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->name = keep(s, name ? name : "");
    return e;
}

void stats_int(struct stats *s, const char *name, int64_t v)
{
    struct stats_entry *e = add(s, STATS_INT, name);
    if (e)
        e->v.i = v;
}

void stats_uint(struct stats *s, const char *name, uint64_t v)
{
    struct stats_entry *e = add(s, STATS_UINT, name);
    if (e)
        e->v.u = v;
}

void stats_double(struct stats *s, const char *name, double v)
{
    struct stats_entry *e = add(s, STATS_DOUBLE, name);
    if (e)
        e->v.d = v;
}

void stats_bool(struct stats *s, const char *name, bool v)
{
    struct stats_entry *e = add(s, STATS_BOOL, name);
    if (e)
        e->v.b = v;
}

void stats_text(struct stats *s, const char *name, const char *text)
{
    struct stats_entry *e = add(s, STATS_TEXT, name);
    if (e)
        e->v.text = text ? keep(s, text) : STATS_NO_TEXT;
}

void stats_hex(struct stats *s, const char *name, uint64_t v)
{
    struct stats_entry *e = add(s, STATS_HEX, name);
    if (e)
        e->v.u = v;
}

void stats_group_begin(struct stats *s, const char *name)
{
    if (s->depth == 0)
        add(s, STATS_GROUP, name);
    s->depth++;
}

void stats_group_end(struct stats *s)
{
    if (s->depth == 0)
        return;
    if (s->depth == 1)
        add(s, STATS_END, NULL);
    s->depth--;
}

void stats_add(struct stats *s, const struct actor_kind *kind, const void *state)
{
    if (kind->stats)
        kind->stats(state, s);
    if (s->depth > 0) {
        s->depth = 1;
        stats_group_end(s);
    }
}

/* --- renderers ------------------------------------------------------------- */

void stats_render_json(const struct stats *s, struct json *j)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct stats_entry *e = &s->e[i];
        if (e->type == STATS_END) {
            json_obj_end(j);
            continue;
        }
        json_key(j, s->pool + e->name);
        switch (e->type) {
        case STATS_INT:    json_int(j, e->v.i); break;
        case STATS_UINT:   json_uint(j, e->v.u); break;
        case STATS_DOUBLE: json_double(j, e->v.d); break;
        case STATS_BOOL:   json_bool(j, e->v.b); break;
        case STATS_HEX:    json_hex64(j, e->v.u); break;
        case STATS_TEXT:
            json_str(j, e->v.text == STATS_NO_TEXT ? NULL : s->pool + e->v.text);
            break;
        case STATS_GROUP:  json_obj_begin(j); break;
        case STATS_END:    break;
        }
    }
}

void stats_render_text(const struct stats *s, struct strbuf *out)
{
    struct json j;

    json_init(&j);
    json_obj_begin(&j);
    stats_render_json(s, &j);
    json_obj_end(&j);
    strbuf_add(out, j.buf, j.len);
    json_release(&j);
}

/* A label value in the text exposition format: \, " and newline escaped. */
static void label(struct strbuf *out, const char *name, const char *v)
{
    strbuf_puts(out, name);
    strbuf_puts(out, "=\"");
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            strbuf_putc(out, '\\'), strbuf_putc(out, *v);
        else if (*v == '\n')
            strbuf_puts(out, "\\n");
        else
            strbuf_putc(out, *v);
    }
    strbuf_putc(out, '"');
}

/* The gauge of e, when it has one. A double is the figure stratctl shows
 * (json_double's 10 significant digits), so the two never disagree. */
static bool gauge(const struct stats_entry *e, double *v)
{
    char b[40];

    switch (e->type) {
    case STATS_INT:  *v = (double)e->v.i; return true;
    case STATS_UINT: *v = (double)e->v.u; return true;
    case STATS_BOOL: *v = e->v.b; return true;
    case STATS_DOUBLE:
        if (!isfinite(e->v.d))
            return false;
        snprintf(b, sizeof b, "%.10g", e->v.d);
        *v = strtod(b, NULL);
        return true;
    default:
        return false;
    }
}

void stats_render_prometheus(const struct stats *s, const char *actor, const char *kind,
                             struct strbuf *out)
{
    const char *group = NULL;
    struct strbuf stat = STRBUF_INIT;
    double v;

    for (size_t i = 0; i < s->n; i++) {
        const struct stats_entry *e = &s->e[i];
        if (e->type == STATS_GROUP) {
            group = s->pool + e->name;
            continue;
        }
        if (e->type == STATS_END) {
            group = NULL;
            continue;
        }
        if (!gauge(e, &v))
            continue;
        strbuf_reset(&stat);
        if (group && *group)
            strbuf_printf(&stat, "%s.", group);
        strbuf_puts(&stat, s->pool + e->name);
        if (stat.len == 0)
            continue;
        strbuf_puts(out, "stratd_actor_stat{");
        label(out, "actor", actor);
        strbuf_putc(out, ',');
        label(out, "kind", kind);
        strbuf_putc(out, ',');
        label(out, "stat", strbuf_str(&stat));
        strbuf_printf(out, "} %.17g\n", v);
    }
    strbuf_release(&stat);
}
