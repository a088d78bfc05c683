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

#define CONTROL_MAX_REQUEST 1024   /* bytes of a request line, its end included */

enum control_op { CONTROL_UNKNOWN, CONTROL_STATUS, CONTROL_ACTORS, CONTROL_ACTOR };

struct control_request {
    enum control_op op;
    bool text;          /* "text " came first: the human form */
    const char *arg;    /* CONTROL_ACTOR: the id (non-empty), inside the line */
};

/* Parse what a client sent: line[len] (len < CONTROL_MAX_REQUEST), with
 * room for one byte more. The line is cut at its first CR or LF and split
 * in place; r points into it. Never fails: anything else is
 * CONTROL_UNKNOWN. */
void control_parse_request(char *line, size_t len, struct control_request *r);

/* The replies, also used by tests. Caller frees. */
char *control_status_json(struct runtime *rt, double uptime_s);
char *control_actors_json(struct runtime *rt, const char *only_id);

#endif
