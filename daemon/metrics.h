/*
 * metrics.h — the Prometheus text endpoint (metrics.listen).
 *
 * A deliberately small HTTP/1.x server: GET /metrics only; the request head
 * must fit in 8 KiB and arrive within 5 s (a slow or oversized request is
 * answered 408/431 and closed); at most 64 connections at once. It never
 * blocks the loop: replies are rendered in memory and written
 * asynchronously.
 */
#ifndef STRATD_METRICS_H
#define STRATD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct runtime;

struct metrics {
    uv_tcp_t server;
    struct runtime *rt;
    size_t conns;
    bool open;
};

/* Listen on "HOST:PORT". 0, or -1 with err filled. */
int metrics_start(struct metrics *m, uv_loop_t *loop, const char *listen,
                  struct runtime *rt, char *err, size_t errlen);
void metrics_stop(struct metrics *m);

#define METRICS_MAX_HEAD 8192   /* bytes of a request head, with its NUL */

/* What to answer to a request head received so far. */
enum metrics_verdict {
    METRICS_MORE,          /* no blank line yet: wait for more */
    METRICS_OK,            /* 200: GET or HEAD of /metrics */
    METRICS_BAD_REQUEST,   /* 400: a NUL byte, or no METHOD PATH HTTP/1.x */
    METRICS_NOT_ALLOWED,   /* 405: a method other than GET and HEAD */
    METRICS_NOT_FOUND,     /* 404: a path other than /metrics */
    METRICS_TOO_LARGE,     /* 431: no end of head in METRICS_MAX_HEAD - 1 bytes */
};

/* Judge head[len] (len < METRICS_MAX_HEAD; head[len] is set to NUL). The
 * head is complete at its first blank line ("\r\n\r\n" or "\n\n"). */
enum metrics_verdict metrics_parse_head(char *head, size_t len);

/* The exposition text (caller frees); also used by tests. */
char *metrics_render(struct runtime *rt);

#endif
