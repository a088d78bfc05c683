/*
 * exsim.h — the exchange simulator process: configuration, shared state and
 * the entry points of its parts, all on one libuv loop (single thread).
 *
 *   main.c     command line, timers (ticks, housekeeping, report), signals
 *   session.c  TCP servers: market-data and order connections
 *   report.c   the --report JSON file
 *   latency.c  tick-to-order latency samples (--latency-out, the report)
 *   exch.c     accounts, orders, execution reports (no I/O)
 *   book.c     one price-time-priority book per symbol (no I/O)
 *   mdgen.c    seeded market model or CSV ticks (no I/O)
 */
#ifndef EXSIM_EXSIM_H
#define EXSIM_EXSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "exch.h"
#include "latency.h"
#include "mdgen.h"

/* exch_time_ns of tick i (from 0): a synthetic clock, so ticks do not
 * depend on when they were published. 2023-11-14T22:13:20Z. */
#define EXSIM_EPOCH_NS 1700000000000000000LL

struct exsim_config {
    const char *bind;           /* default 127.0.0.1 */
    int md_port, order_port;    /* 0: any free port (logged) */
    uint64_t seed;
    const char **symbols;
    size_t n_sym;
    uint64_t ticks;             /* publish at most this many */
    bool ticks_set;
    double rate;                /* ticks per second over all symbols */
    const char *csv;
    const char *report;
    const char *latency_out;    /* raw tick-to-order samples, at exit */
    int64_t heartbeat_ms;       /* 0: no heartbeats */
};

/* One published tick; its seq is its index + 1 in the symbol's history.
 * sent_hr: uv_hrtime() when its frame was first handed to uv_write on a
 * market-data connection (0: not yet); answered: a NewOrder tagged with it
 * has been timed (latency.h). */
struct exsim_tick {
    int64_t bid, ask, last, size, time_ns;
    uint64_t sent_hr;
    bool answered;
};

struct exsim_history {
    struct exsim_tick *t;
    size_t n, cap;
};

struct client;

struct exsim {
    struct exsim_config cfg;
    uv_loop_t *loop;
    struct exch exch;
    struct mdgen gen;
    struct exsim_history *hist;     /* per symbol */
    uint64_t published;             /* ticks over all symbols */
    bool gen_done;
    uint64_t start_hr;              /* uv_hrtime() when publishing began */
    struct latency lat;             /* tick-to-order round trips */

    uv_tcp_t md_srv, order_srv;
    uv_timer_t tick_timer, house_timer, report_timer;
    uv_prepare_t flush;
    uv_signal_t sigterm, sigint;
    struct client *clients;         /* every open connection */
    unsigned md_clients, order_clients;
    bool stopping;
};

/* One line on stderr: "exsim: " + message. */
void exsim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t exsim_wall_ns(void);

/* session.c */
int session_listen(struct exsim *s);        /* 0 or -1 (logged) */
void session_flush(struct exsim *s);        /* send what is due, everywhere */
void session_housekeeping(struct exsim *s); /* heartbeats, drain timeouts */
void session_close_all(struct exsim *s);

/* report.c: write cfg.report atomically. 0 or -1 (logged once per reason). */
int report_write(struct exsim *s);

#endif
