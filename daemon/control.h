/*
 * control.h — the control socket (a Unix stream socket): one request line
 * in, one JSON document out, then the connection closes.
 *
 *   status          {"phase", "lsn", "actors", "rebuild": {...}, ...}
 *   actors          [{"id", "kind", "handled", "digest", "stats", ...}, ...]
 *   actor ID        one object as in "actors", or {"error": "..."}
 *
 * "text " before a request asks for the human form (status, actors).
 *
 * Requests are answered during rebuild too (the rebuild yields to the loop
 * every few thousand entries).
 */
#ifndef STRATD_CONTROL_H
#define STRATD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

struct runtime;

struct control {
    uv_pipe_t server;
    struct runtime *rt;
    char *path;
    double started;   /* monotonic seconds */
    bool open;
};

/* Listen on path (a stale socket file is replaced; missing parent
 * directories are made). 0, or -1 with err filled. */
int control_start(struct control *c, uv_loop_t *loop, const char *path,
                  struct runtime *rt, char *err, size_t errlen);
void control_stop(struct control *c);

/* The replies, also used by tests. Caller frees. */
char *control_status_json(struct runtime *rt, double uptime_s);
char *control_actors_json(struct runtime *rt, const char *only_id);

#endif
