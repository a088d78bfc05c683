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

/* The exposition text (caller frees); also used by tests. */
char *metrics_render(struct runtime *rt);

#endif
