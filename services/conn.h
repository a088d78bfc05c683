/*
 * conn.h — a framed TCP client that keeps itself connected: the transport
 * of the feed and orders services (wire.h frames over libuv).
 *
 *   IDLE ──conn_start──> CONNECTING ──ok──> UP ──error/EOF/stale/conn_drop──> WAIT
 *                            │ fail                                          │
 *                            └──────────────> WAIT <─────────────────────────┘
 *                                              │ backoff: 100 ms doubling to 5 s
 *                                              └──> CONNECTING
 *
 * "Stale": nothing (not even a heartbeat) received for stale_ms. Callbacks
 * run on the loop thread; on_frame's frame is borrowed for the call.
 */
#ifndef STRATD_CONN_H
#define STRATD_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "actor.h"
#include "wire.h"

enum conn_state { CONN_IDLE, CONN_CONNECTING, CONN_UP, CONN_WAIT };

struct conn_ops {
    void (*on_up)(void *owner);
    void (*on_frame)(void *owner, const Stratd__Wire__Frame *f);
    void (*on_down)(void *owner);   /* may be NULL */
};

struct conn {
    const struct conn_ops *ops;
    void *owner;
    struct actor *log;            /* logs go out tagged with this actor */
    const char *addr;             /* HOST:PORT, borrowed */
    enum wire_channel channel;
    int64_t stale_ms;

    enum conn_state state;
    uv_loop_t *loop;
    uv_tcp_t *tcp;                /* heap: its close may outlive a reconnect */
    uv_connect_t creq;
    uv_timer_t retry, stale;
    bool timers, stopping;
    struct wire_decoder dec;
    uint64_t backoff_ms, reconnects, frames_out;
    int64_t last_rx_ns;
};

/* 0 when addr is IPv4:PORT or localhost:PORT. */
int conn_parse_addr(const char *addr, struct sockaddr_in *sa);

void conn_init(struct conn *c, uv_loop_t *loop, const char *addr,
               enum wire_channel ch, int64_t stale_ms, const struct conn_ops *ops,
               void *owner, struct actor *log);
void conn_start(struct conn *c);
/* Close the connection and reconnect after the backoff. */
void conn_drop(struct conn *c, const char *why);
/* Queue one frame (borrowed, encoded at once). Dropped when not UP. */
void conn_send(struct conn *c, const Stratd__Wire__Frame *f);
/* Close everything for good (two-phase: handles close on the loop). */
void conn_stop(struct conn *c);
const char *conn_state_name(const struct conn *c);

#endif
