/*
 * yamlwalk.c — see yamlwalk.h.
 *
 * The file is read whole and composed by libyaml; the helpers below only
 * read the composed nodes. Every message names the node's start mark, so
 * a wrong key is reported at the key and a wrong value at the value.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"
#include "xalloc.h"
#include "yamlwalk.h"

#define GOT_MAX 40     /* longest value quoted back in a message */

int yw_fail(struct yw *w, yaml_mark_t at, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!w->err || w->errlen == 0)
        return -1;
    n = snprintf(w->err, w->errlen, "%s:%zu:%zu: ", w->path, at.line + 1,
                 at.column + 1);
    if (n >= 0 && (size_t)n < w->errlen) {
        va_start(ap, fmt);
        vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* Keys, kinds and ids come from the file: the message stays one line,
     * control characters hidden as in yw_describe. */
    for (char *c = w->err; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return -1;
}

/* ---- the file ---- */

/* The parser and the text stay alive between yw_load and
 * yw_single_document: one file, read once, parsed on. */
struct yw_input {
    yaml_parser_t parser;
    struct strbuf text;
};

static int read_all(const char *path, struct strbuf *out)
{
    char chunk[4096];
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;

    if (fd < 0)
        return -1;
    while ((got = read(fd, chunk, sizeof chunk)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        strbuf_add(out, chunk, (size_t)got);
    }
    close(fd);
    return 0;
}

/* libyaml's own message, at its mark (reader errors have only an offset). */
static int yaml_failed(struct yw *w)
{
    const yaml_parser_t *p = &w->input->parser;
    const char *s = strbuf_str(&w->input->text);
    size_t len = w->input->text.len;
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
    return yw_fail(w, at, "not valid YAML: %s",
                   p->problem ? p->problem : "out of memory");
}

static void begin(struct yw *w, const char *path, char *err, size_t errlen,
                  yaml_node_t **root)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->err = err;
    w->errlen = errlen;
    w->input = xcalloc(1, sizeof *w->input);
    *root = NULL;
    yaml_parser_initialize(&w->input->parser);
}

/* Compose the first document of the text read into w->input. */
static int compose(struct yw *w, yaml_node_t **root)
{
    struct yw_input *in = w->input;

    yaml_parser_set_input_string(&in->parser,
                                 (const unsigned char *)strbuf_str(&in->text),
                                 in->text.len);
    if (!yaml_parser_load(&in->parser, &w->doc))
        return yaml_failed(w);
    w->have_doc = true;
    *root = yaml_document_get_root_node(&w->doc);
    return 0;
}

int yw_load(struct yw *w, const char *path, char *err, size_t errlen,
            yaml_node_t **root)
{
    yaml_mark_t start = {0};

    begin(w, path, err, errlen, root);
    if (read_all(path, &w->input->text) < 0)
        return yw_fail(w, start, "cannot read: %s", strerror(errno));
    return compose(w, root);
}

int yw_load_text(struct yw *w, const char *path, const void *text, size_t len,
                 char *err, size_t errlen, yaml_node_t **root)
{
    begin(w, path, err, errlen, root);
    strbuf_add(&w->input->text, text, len);
    return compose(w, root);
}

int yw_single_document(struct yw *w)
{
    yaml_document_t next;
    int rc = 0;

    if (!yaml_parser_load(&w->input->parser, &next))
        return yaml_failed(w);
    if (yaml_document_get_root_node(&next))
        rc = yw_fail(w, next.start_mark,
                     "only one YAML document is allowed per file");
    yaml_document_delete(&next);
    return rc;
}

void yw_release(struct yw *w)
{
    if (w->have_doc)
        yaml_document_delete(&w->doc);
    if (w->input) {
        yaml_parser_delete(&w->input->parser);
        strbuf_release(&w->input->text);
        free(w->input);
    }
    w->have_doc = false;
    w->input = NULL;
}

/* ---- nodes ---- */

bool yw_is_null(const yaml_node_t *n)
{
    const char *s;

    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    s = yw_text(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
           !strcmp(s, "Null") || !strcmp(s, "NULL");
}

bool yw_is_string(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && !yw_is_null(n) &&
           strlen(yw_text(n)) == n->data.scalar.length;
}

const char *yw_describe(const yaml_node_t *n, bool quote, char *out,
                        size_t len)
{
    size_t i, k = 0, n_chars;

    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (yw_is_null(n))
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

yaml_node_t *yw_lookup(struct yw *w, yaml_node_t *map, const char *name)
{
    yaml_node_t *found = NULL;

    yw_for_pairs(p, map) {
        yaml_node_t *k = yw_node(&w->doc, p->key);
        if (k->type == YAML_SCALAR_NODE && !strcmp(yw_text(k), name))
            found = yw_node(&w->doc, p->value);
    }
    return found;
}

bool yw_parse_int(const char *s, int64_t *out)
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

bool yw_parse_double(const char *s, double *out)
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

/* ---- shape checks ---- */

/* "a, b, c" */
static void join(struct strbuf *b, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        strbuf_puts(b, i ? ", " : "");
        strbuf_puts(b, names[i]);
    }
}

int yw_check_key(struct yw *w, yaml_node_t *m, const yaml_node_pair_t *p)
{
    yaml_node_t *k = yw_node(&w->doc, p->key);
    char got[YW_GOT];

    if (!yw_is_string(k))
        return yw_fail(w, k->start_mark, "a key must be a string (got %s)",
                       yw_describe(k, true, got, sizeof got));
    for (const yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
        yaml_node_t *prev = yw_node(&w->doc, q->key);
        if (prev->type == YAML_SCALAR_NODE && !strcmp(yw_text(prev), yw_text(k)))
            return yw_fail(w, k->start_mark,
                           "duplicate key '%s' (first at %zu:%zu)", yw_text(k),
                           prev->start_mark.line + 1,
                           prev->start_mark.column + 1);
    }
    return 0;
}

int yw_key_index(struct yw *w, yaml_node_t *m, const yaml_node_pair_t *p,
                 const char *const *allowed, const char *in)
{
    yaml_node_t *k = yw_node(&w->doc, p->key);
    struct strbuf list = STRBUF_INIT;

    if (yw_check_key(w, m, p) < 0)
        return -1;
    for (int i = 0; allowed[i]; i++)
        if (!strcmp(allowed[i], yw_text(k)))
            return i;
    join(&list, allowed);
    yw_fail(w, k->start_mark, "unknown key '%s'%s (expected one of: %s)",
            yw_text(k), in, strbuf_str(&list));
    strbuf_release(&list);
    return -1;
}

int yw_want_mapping(struct yw *w, yaml_node_t *v, const char *name)
{
    char got[YW_GOT];

    if (v->type == YAML_MAPPING_NODE || yw_is_null(v))
        return 0;
    return yw_fail(w, v->start_mark, "'%s' must be a mapping (got %s)", name,
                   yw_describe(v, true, got, sizeof got));
}

int yw_want_text(struct yw *w, yaml_node_t *v, const char *name, char **out)
{
    char got[YW_GOT];

    if (!yw_is_string(v) || !*yw_text(v))
        return yw_fail(w, v->start_mark,
                       "'%s' must be a non-empty string (got %s)", name,
                       yw_describe(v, true, got, sizeof got));
    free(*out);
    *out = xstrdup(yw_text(v));
    return 0;
}

int yw_want_word(struct yw *w, yaml_node_t *v, const char *name,
                 const char *const *names)
{
    struct strbuf list = STRBUF_INIT;
    char got[YW_GOT];

    for (int i = 0; v->type == YAML_SCALAR_NODE && names[i]; i++)
        if (!strcmp(names[i], yw_text(v)))
            return i;
    join(&list, names);
    yw_fail(w, v->start_mark, "'%s' must be one of %s (got %s)", name,
            strbuf_str(&list), yw_describe(v, true, got, sizeof got));
    strbuf_release(&list);
    return -1;
}
