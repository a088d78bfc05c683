/*
 * exsim.h — the exchange simulator process: configuration, shared state and
 * the entry points of its parts, all on one libuv loop (single thread).
 *
 *   main.c     command line, timers (ticks, housekeeping, report), signals
 *   session.c  TCP servers: market-data and order connections
 *   report.c   the --report JSON file
 *   state.c    the --state file: save, and restore at start
 *   hist.c     the tick history, its clock, generating ticks
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
#include <stdio.h>
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
    const char *state;          /* --state FILE, or NULL */
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

/* A stretch of the synthetic clock: tick i (from 0, over all symbols) of
 * the stretch is stamped time_ns + (i - from) * 1e9 / rate. One stretch per
 * --rate the exchange ran at (a restart with another rate adds one), so
 * the stamps of ticks already published never change. */
struct exsim_clock {
    uint64_t from;
    int64_t time_ns;
    double rate;
};

struct client;

struct exsim {
    struct exsim_config cfg;
    uv_loop_t *loop;
    struct exch exch;
    struct mdgen gen;
    struct exsim_history *hist;     /* per symbol */
    uint64_t published;             /* ticks over all symbols */
    uint64_t tick_digest;           /* of every tick published (hist.c) */
    struct exsim_clock *clock;      /* none: one stretch {0, EPOCH, rate} */
    size_t n_clock;
    bool gen_done;
    uint64_t start_hr;              /* uv_hrtime() when publishing began */
    uint64_t start_published;       /* published then (restored ticks) */
    struct latency lat;             /* tick-to-order round trips */

    uv_tcp_t md_srv, order_srv;
    uv_timer_t tick_timer, house_timer, report_timer, state_timer;
    uv_prepare_t flush;
    uv_signal_t sigterm, sigint;
    struct client *clients;         /* every open connection */
    unsigned md_clients, order_clients;
    bool stopping;
    int exit_code;                  /* after a stop: 1 when the last save failed */
    /* --state: what the file holds, and when to write it again */
    uint64_t state_version;         /* state_version() of the last save */
    uint64_t state_next_ms;         /* uv_now() before which not to save */
    int state_lock_fd;              /* holds FILE.lock; 0: none */
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
/* Replace PATH atomically: fill(f, ctx) writes PATH.tmp.PID, which is then
 * renamed over PATH, so a reader sees the old file or the new one. 0, or
 * an errno with *call naming the step that failed ("fopen", "write",
 * "fclose", "rename"); the temp file is then removed. ctx is borrowed. */
int exsim_replace_file(const char *path, void (*fill)(FILE *f, const void *ctx),
                       const void *ctx, const char **call);

/* hist.c */
/* exch_time_ns of tick i (from 0, over all symbols), by s->clock. */
int64_t exsim_tick_time(const struct exsim *s, uint64_t i);
/* Generate the next tick: append it to its symbol's history, fold it into
 * s->tick_digest, count it in s->published and, when mirror is true, mirror
 * the model step into the exchange's book (exch_sim_update, stamped now). */
enum exsim_gen {
    EXSIM_GEN_OK,               /* published */
    EXSIM_GEN_END,              /* the CSV file is exhausted: nothing done */
    EXSIM_GEN_NOMEM,            /* tick history: nothing done */
    EXSIM_GEN_NOMEM_EXCH,       /* published, but the mirror failed */
};
enum exsim_gen exsim_generate(struct exsim *s, bool mirror, int64_t now);

/* state.c: cfg.state, with messages in err ("FILE: ..."). */
/* Take FILE.lock (flock, for as long as the process lives), so that two
 * exsims never share a file. 0, or -1 (err: in use, or cannot be created). */
int state_lock(struct exsim *s, char *err, size_t errlen);
/* Restore s from the file, right after the model, the history and the
 * exchange were set up empty: 1 restored, 0 no such file (a fresh start),
 * -1 refused or unreadable (err says why; s may be half restored). */
int state_load(struct exsim *s, char *err, size_t errlen);
/* Write the file atomically and durably. 0, or -1 (err). */
int state_save(struct exsim *s, char *err, size_t errlen);
/* Changes whenever something the file holds changes (a cheap sum). */
uint64_t state_version(const struct exsim *s);

#endif
