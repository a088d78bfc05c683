/*
 * xalloc.h — allocation that cannot fail: out of memory aborts.
 *
 * The daemon's allocations are small and made at start or per reply; a
 * process that cannot get a few kB more has nothing sensible left to do, and
 * an abort (core dump, systemd restart, rebuild from the journal) is the
 * safest outcome. Everything else in stratd uses these instead of checking
 * malloc's result by hand.
 */
#ifndef STRATD_XALLOC_H
#define STRATD_XALLOC_H

#include <stdlib.h>
#include <string.h>

static inline void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static inline void *xmalloc(size_t n)
{
    return xrealloc(NULL, n);
}

/* Zeroed. */
static inline void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

static inline char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

/* Grow *v (of *cap elements of size `size`) to hold at least `need`. */
static inline void xgrow(void **v, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap ? *cap : 8;
    if (need <= *cap)
        return;
    while (c < need)
        c *= 2;
    *v = xrealloc(*v, c * size);
    *cap = c;
}

#endif
