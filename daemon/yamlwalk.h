/*
 * yamlwalk.h — walking a YAML file and saying exactly where it is wrong.
 *
 * A struct yw holds one file composed into one libyaml document, and the
 * caller's error buffer. Everything here that checks something reports the
 * first mistake as "FILE:LINE:COL: message" (1-based, from the node's mark)
 * through yw_fail() and returns -1; the caller stops at the first -1. The
 * text of every message is part of stratd's interface: tests and operators
 * match it byte for byte.
 *
 * Nodes are borrowed from the document: valid until yw_release().
 */
#ifndef STRATD_YAMLWALK_H
#define STRATD_YAMLWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#define YW_GOT 64        /* room for yw_describe()'s output */

struct yw_input;

struct yw {
    const char *path;         /* borrowed; the FILE of every message */
    yaml_document_t doc;      /* the file's (first) document */
    bool have_doc;
    struct yw_input *input;   /* the text and the parser, kept for
                               * yw_single_document */
    char *err;                /* borrowed; may be NULL (no message kept) */
    size_t errlen;
};

/* Each pair of mapping node map, as yaml_node_pair_t *p. */
#define yw_for_pairs(p, map)                                       \
    for (yaml_node_pair_t *p = (map)->data.mapping.pairs.start;     \
         p < (map)->data.mapping.pairs.top; p++)

/* Read PATH and compose its first document. Returns 0 with *root set (NULL
 * for a file with no content), or -1 reported ("cannot read: ...", "not
 * valid YAML: ..."). Call yw_release() in both cases. */
int yw_load(struct yw *w, const char *path, char *err, size_t errlen,
            yaml_node_t **root);
/* The same for a file's text already in memory (len bytes; path only
 * names it in messages). */
int yw_load_text(struct yw *w, const char *path, const void *text, size_t len,
                 char *err, size_t errlen, yaml_node_t **root);
/* After yw_load: a second document in the file is a mistake. 0 or -1. */
int yw_single_document(struct yw *w);
void yw_release(struct yw *w);

/* Report a mistake at `at` (libyaml marks are 0-based). Returns -1. A
 * message longer than the buffer is cut, never overflowed; control
 * characters (from the file's text) show as '?', so it stays one line. */
int yw_fail(struct yw *w, yaml_mark_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- nodes ---- */

/* Node number i of document d (w->doc, or another one being parsed). */
static inline yaml_node_t *yw_node(yaml_document_t *d, int i)
{
    return yaml_document_get_node(d, i);
}

/* A scalar's text (only for YAML_SCALAR_NODE). */
static inline const char *yw_text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A plain empty, ~ or null scalar: YAML's "nothing here". */
bool yw_is_null(const yaml_node_t *n);
/* A scalar usable as a C string: not null, no embedded NUL. */
bool yw_is_string(const yaml_node_t *n);
/* What a value is, for "(got ...)": "a list", "a mapping", "nothing", or
 * the scalar itself (quoted if asked, cut short, control characters
 * hidden), written into out (YW_GOT bytes suit). */
const char *yw_describe(const yaml_node_t *n, bool quote, char *out,
                        size_t len);
/* The value of key `name` in mapping map, or NULL. */
yaml_node_t *yw_lookup(struct yw *w, yaml_node_t *map, const char *name);

/* Decimal integer, the whole text; false if not one or out of range. */
bool yw_parse_int(const char *s, int64_t *out);
/* Decimal number (no hex, inf or nan), the whole text, finite. */
bool yw_parse_double(const char *s, double *out);

/* ---- shape checks: 0, or -1 reported at the offending node ---- */

/* The key of pair p of mapping m: a string, not repeated before p. */
int yw_check_key(struct yw *w, yaml_node_t *m, const yaml_node_pair_t *p);
/* Index of pair p's key in allowed[] (NULL-terminated), or -1 reported:
 * "unknown key 'K'<in> (expected one of: ...)". */
int yw_key_index(struct yw *w, yaml_node_t *m, const yaml_node_pair_t *p,
                 const char *const *allowed, const char *in);
/* v is a mapping or nothing: "'NAME' must be a mapping (got ...)". */
int yw_want_mapping(struct yw *w, yaml_node_t *v, const char *name);
/* v is a non-empty string, copied into *out (the old *out is freed). */
int yw_want_text(struct yw *w, yaml_node_t *v, const char *name, char **out);
/* Index of v's text in names[] (NULL-terminated), or -1 reported. */
int yw_want_word(struct yw *w, yaml_node_t *v, const char *name,
                 const char *const *names);

#endif
