/*
 * strbuf.h — a growable, always NUL-terminated string (git's strbuf, small).
 *
 * A zeroed struct strbuf (or STRBUF_INIT) is an empty string; buf is never
 * NULL after the first append. Out of memory aborts (xalloc.h).
 */
#ifndef STRATD_STRBUF_H
#define STRATD_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *buf;
    size_t len, cap;
};

#define STRBUF_INIT {0}

void strbuf_add(struct strbuf *b, const void *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The text, "" when nothing was added (borrowed: valid until the next call). */
const char *strbuf_str(const struct strbuf *b);
/* Hand the text over (caller frees; never NULL) and empty the buffer. */
char *strbuf_take(struct strbuf *b);
void strbuf_reset(struct strbuf *b);     /* empty, keeps the memory */
void strbuf_release(struct strbuf *b);   /* frees */

#endif
