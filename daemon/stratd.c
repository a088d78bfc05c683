/*
 * stratd.c — startup, rebuild, live loop and shutdown of the daemon.
 *
 *   load topology ──error──> exit 2 (nothing written)
 *   open journal ──damaged (corrupt)──> exit 1 (nothing written)
 *   compare params ──changed──> exit 2
 *   spawn actors, replay (rebuild.c) ──drift──> exit 1 unless --accept-drift
 *   go live: Start for new actors, backlog, services, READY=1
 *   SIGTERM/SIGINT: services stop, commit, digests, clean marker, exit 0
 *   journal write failure: exit 1 (committed data stays)
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <uv.h>

#include "clock.h"
#include "config_check.h"
#include "control.h"
#include "journal.h"
#include "journal_verify.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "rebuild.h"
#include "runtime.h"
#include "service.h"
#include "stratd.h"
#include "topology.h"

struct daemon {
    struct topology topo;
    struct journal *journal;
    struct runtime rt;
    struct control control;
    struct metrics metrics;
    uv_loop_t *loop;
    uv_signal_t sigterm, sigint;
    uv_timer_t watchdog, status;
    bool stop_requested;
    bool stopped;
    int exit_code;
    bool tty;
    double last_progress;
};


static void usage(FILE *f)
{
    fprintf(f,
            "usage: stratd -c FILE [--check] [--accept-drift] [--log-level LEVEL]\n"
            "       stratd --version\n"
            "\n"
            "  -c, --config FILE   the topology (YAML)\n"
            "      --check         validate the topology and its compatibility with\n"
            "                      the journal, print what a start would do, exit\n"
            "      --accept-drift  start even if rebuilt actors differ from their\n"
            "                      state at the last clean stop\n"
            "      --log-level L   error, warn, info or debug (default: from YAML)\n"
            "\n"
            "exit: 0 clean stop, 1 runtime failure, 2 config error\n");
}

/* Log how the topology relates to the journal; return the number of
 * changed actors (which a start refuses). */
static size_t report_diff(const struct topology *t, const struct meta *m)
{
    struct meta_diff d;
    size_t changed;

    meta_diff(m, t, &d);
    for (size_t i = 0; i < d.n; i++) {
        const struct meta_diff_item *it = &d.v[i];
        if (it->change == META_CHANGED)
            log_error("%s:%d:%d: actor '%s' (%s): params changed since the journal "
                      "was written (%s); replay would break. Give it a new id to "
                      "start it fresh, or retire the old one with 'stratctl retire %s'",
                      t->file, it->line, it->col, it->id, it->kind, it->keys, it->id);
        else if (it->change == META_REMOVED)
            log_warn("actor '%s' (%s) is in the journal but not in %s: its entries "
                     "stay in the journal", it->id, it->kind, t->file);
    }
    changed = d.changed;
    meta_diff_release(&d);
    return changed;
}

static int on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct daemon *d = arg;
    double now = clock_mono_s();

    if (done < total && now - d->last_progress < 0.25)
        goto serve;
    d->last_progress = now;
    sd_notifyf(0, "STATUS=rebuilding: %.1fM/%.1fM entries, %zu actors\n"
               "EXTEND_TIMEOUT_USEC=30000000",
               (double)done / 1e6, (double)total / 1e6, d->rt.n_actors);
    if (d->tty && total > 0)
        fprintf(stderr, "\rrebuilding: %" PRIu64 "/%" PRIu64 " entries (%.0f%%)\033[K",
                done, total, 100.0 * (double)done / (double)total);
serve:
    /* Answer control requests (status: rebuilding) and notice signals. */
    uv_run(d->loop, UV_RUN_NOWAIT);
    return d->stop_requested;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void shutdown_daemon(struct daemon *d, const char *why)
{
    if (d->stopped)
        return;
    d->stopped = true;
    log_info("stopping (%s)", why);
    sd_notify(0, "STOPPING=1");
    if (d->rt.phase == PHASE_LIVE) {
        if (runtime_stop(&d->rt) != 0)
            d->exit_code = EXIT_RUNTIME;
        else
            log_info("stopped cleanly at lsn %" PRIu64, d->rt.next_lsn - 1);
    }
    uv_stop(d->loop);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;

    d->stop_requested = true;
    if (d->rt.phase == PHASE_LIVE)
        shutdown_daemon(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_watchdog(uv_timer_t *h)
{
    (void)h;
    sd_notify(0, "WATCHDOG=1");
}

/* STATUS= once a second: what systemctl status shows the operator. */
static void on_status(uv_timer_t *h)
{
    struct daemon *d = h->data;
    char line[1024];
    int n = snprintf(line, sizeof line, "STATUS=live: %zu actors, lsn %llu", d->rt.n_actors,
                     (unsigned long long)(d->rt.next_lsn - 1));

    for (size_t i = 0; i < d->rt.n_actors && n < (int)sizeof line; i++) {
        const struct actor *a = &d->rt.actors[i];
        const char *bad;
        if (a->kind->service && a->kind->service->health &&
            (bad = a->kind->service->health(a->state)))
            n += snprintf(line + n, sizeof line - (size_t)n, "; %s: %s", a->topo->id, bad);
    }
    sd_notify(0, line);
}

/* After rebuild: compare with the digests stored at the last clean stop. */
static int drift_check(struct daemon *d, bool accept)
{
    struct runtime *rt = &d->rt;
    size_t drifted = 0;

    if (!rt->meta.clean)
        return 0;
    for (size_t i = 0; i < rt->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        struct meta_actor *ma = meta_find_uuid(&rt->meta, a->uuid);
        uint64_t now;
        if (a->is_new || !ma || !ma->has_digest)
            continue;
        now = runtime_digest(a);
        if (now == ma->digest)
            continue;
        drifted++;
        log_msg(accept ? LOG_WARN : LOG_ERROR,
                "replay drift: actor '%s' (%s) rebuilt to digest %016" PRIx64
                ", but its digest at the last clean stop was %016" PRIx64
                " (non-deterministic strategy code, or a code change)",
                a->topo->id, a->kind->name, now, ma->digest);
    }
    if (drifted == 0)
        return 0;
    if (accept) {
        log_warn("%zu actor(s) drifted; continuing with the rebuilt state (--accept-drift)",
                 drifted);
        return 0;
    }
    log_error("start refused: %zu actor(s) drifted; fix the strategy code, or start with "
              "--accept-drift to continue from the rebuilt state", drifted);
    return -1;
}

/* The steps of run(), in order. Each returns GO_ON, or the exit code the
 * run ends with. */
#define GO_ON (-1)

/* A journal that cannot be read: one line, and for damage (err begins
 * with "corrupt") the way out. Nothing has been written. */
static int refuse(struct daemon *d, const char *err)
{
    if (strncmp(err, "corrupt", 7) == 0 || strstr(err, "corrupt"))
        log_error("start refused: %s; nothing was written. Check the journal with "
                  "'stratctl -c %s journal verify', then copy its sound prefix with "
                  "'stratctl -c %s journal salvage --to DIR' and move DIR in place of "
                  "%s (README: Journal damage)", err, d->topo.file, d->topo.file,
                  d->topo.journal_path);
    else
        log_error("%s", err);
    sd_notifyf(0, "STATUS=start refused: journal: %s", err);
    return EXIT_RUNTIME;
}

/* Open (creating when absent or empty) the journal, load its metadata into
 * *m and compare it with the topology: damage refuses the start (exit 1),
 * a changed actor too (exit 2), before anything is written. */
static int open_journal(struct daemon *d, struct meta *m)
{
    char err[1024];

    uint64_t prefix, beyond;
    size_t n;

    d->journal = journal_open(d->topo.journal_path, true, false, d->topo.fsync,
                              err, sizeof err);
    if (!d->journal) {
        n = strlen(err);
        if (strncmp(err, "corrupt", 7) == 0 &&
            journal_wal_damage(d->topo.journal_path, &prefix, &beyond) == 0 && beyond > prefix)
            snprintf(err + n, sizeof err - n, " (RocksDB's WAL is damaged after lsn %" PRIu64
                     ": lsn %" PRIu64 "..%" PRIu64 ", %" PRIu64 " entries at least, lie beyond "
                     "the damage; first bad lsn %" PRIu64 ")", prefix, prefix + 1, beyond,
                     beyond - prefix, prefix + 1);
        return refuse(d, err);
    }
    if (meta_load(d->journal, m, err, sizeof err) != 0)
        return refuse(d, err);
    journal_last_lsn(d->journal);
    if (journal_read_error(d->journal)) {
        meta_release(m);
        snprintf(err, sizeof err, "corrupt journal: %s", journal_read_error(d->journal));
        return refuse(d, err);
    }
    if (report_diff(&d->topo, m) > 0) {
        meta_release(m);
        sd_notify(0, "STATUS=config error: actor params changed (see log)");
        return EXIT_CONFIG;
    }
    return GO_ON;
}

/* The loop and its signal handlers, the runtime over the journal (it takes
 * over m: rebuild steps 1 and 2), the control socket and the metrics
 * endpoint (they answer during the rebuild already). */
static int init_runtime(struct daemon *d, struct meta *m)
{
    char err[1024];

    d->loop = uv_default_loop();
    uv_signal_init(d->loop, &d->sigterm);
    uv_signal_init(d->loop, &d->sigint);
    d->sigterm.data = d->sigint.data = d;
    uv_signal_start(&d->sigterm, on_signal, SIGTERM);
    uv_signal_start(&d->sigint, on_signal, SIGINT);

    if (runtime_init(&d->rt, &d->topo, d->journal, m, d->loop) != 0) {
        snprintf(err, sizeof err, "corrupt journal: %s", journal_read_error(d->journal));
        return refuse(d, err);
    }
    if (control_start(&d->control, d->loop, d->topo.control_socket, &d->rt,
                      err, sizeof err) != 0) {
        log_error("%s", err);
        return EXIT_RUNTIME;
    }
    if (metrics_start(&d->metrics, d->loop, d->topo.metrics_listen, &d->rt,
                      err, sizeof err) != 0) {
        log_error("%s", err);
        return EXIT_RUNTIME;
    }
    log_info("stratd %s: %zu actors, journal %s (%" PRIu64 " entries, fsync %s)",
             STRATD_VERSION, d->rt.n_actors, d->topo.journal_path, d->rt.backlog_lsn,
             journal_fsync_name(d->topo.fsync));
    return GO_ON;
}

/* Rebuild step 3 (rebuild.c), then the drift check against the digests of
 * the last clean stop. A stop requested meanwhile ends the run: nothing
 * was written. */
static int rebuild(struct daemon *d, bool accept_drift)
{
    char err[1024];

    sd_notify(0, "STATUS=rebuilding");
    if (rebuild_run(&d->rt, on_progress, d, err, sizeof err) < 0) {
        if (d->tty)
            fputc('\n', stderr);
        return refuse(d, err);
    }
    if (d->tty && d->rt.rebuild.total_entries > 0)
        fprintf(stderr, "\r\033[K");
    log_info("rebuilt %zu actors, %" PRIu64 " messages in %.3f s (%" PRIu64
             " entries, %" PRIu64 " pending)",
             d->rt.n_actors, d->rt.rebuild.deliveries, d->rt.rebuild.seconds,
             d->rt.rebuild.entries, d->rt.rebuild.pending);
    if (d->stop_requested) {
        log_info("stop requested during rebuild: nothing was written");
        return EXIT_OK;
    }
    if (drift_check(d, accept_drift) != 0) {
        sd_notify(0, "STATUS=start refused: replay drift (see log)");
        return EXIT_RUNTIME;
    }
    return GO_ON;
}

/* Rebuild steps 4 and 5 (runtime_go_live), then READY=1, the STATUS=
 * timer and the watchdog. */
static int go_live(struct daemon *d)
{
    uint64_t wd_usec = 0;
    size_t fresh = 0;

    if (runtime_go_live(&d->rt) != 0)
        return EXIT_RUNTIME;
    for (size_t i = 0; i < d->rt.n_actors; i++)
        fresh += d->rt.actors[i].is_new;
    log_info("live: %zu actors (%zu new), lsn %" PRIu64, d->rt.n_actors, fresh,
             d->rt.next_lsn - 1);
    sd_notifyf(0, "READY=1\nSTATUS=live: %zu actors", d->rt.n_actors);

    uv_timer_init(d->loop, &d->status);
    d->status.data = d;
    uv_timer_start(&d->status, on_status, 1000, 1000);
    uv_timer_init(d->loop, &d->watchdog);
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
        uv_timer_start(&d->watchdog, on_watchdog, 0, wd_usec / 2000 ? wd_usec / 2000 : 1);
        sd_notify(0, "WATCHDOG=1");
    }
    return GO_ON;
}

/* The live loop, until a signal stops the daemon (shutdown_daemon) or the
 * journal fails; then the exit code: 1 after a journal failure (handling
 * stopped, no output released for the lost batch), else the stop's. */
static int loop_until_stop(struct daemon *d)
{
    if (d->stop_requested)
        shutdown_daemon(d, "signal during startup");
    else
        uv_run(d->loop, UV_RUN_DEFAULT);

    if (d->rt.failed || journal_error(d->journal)) {
        sd_notifyf(0, "STATUS=stopped: journal failure: %s", journal_error(d->journal));
        log_error("journal write failed: handling stopped, no output released after the failed "
                  "write; exiting 1. Everything committed before is intact: free space on "
                  "(or repair) the journal's disk, then restart");
        d->rt.phase = PHASE_STOPPING;
        shutdown_daemon(d, "journal failure");
        return EXIT_RUNTIME;
    }
    return d->exit_code;
}

static int run(struct daemon *d, bool accept_drift)
{
    struct meta m;
    int rc;

    if ((rc = open_journal(d, &m)) != GO_ON || (rc = init_runtime(d, &m)) != GO_ON ||
        (rc = rebuild(d, accept_drift)) != GO_ON || (rc = go_live(d)) != GO_ON)
        return rc;
    return loop_until_stop(d);
}

int stratd_main(int argc, char **argv, const struct actor_kind *const *extra_kinds)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'k'},
        {"accept-drift", no_argument, NULL, 'a'},
        {"log-level", required_argument, NULL, 'l'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct daemon d;
    const char *config = NULL, *level_arg = NULL;
    bool check = false, accept_drift = false;
    enum log_level level;
    char err[2048];
    int c, rc;

    memset(&d, 0, sizeof d);
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'k': check = true; break;
        case 'a': accept_drift = true; break;
        case 'l': level_arg = optarg; break;
        case 'V': printf("stratd %s\n", STRATD_VERSION); return EXIT_OK;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_CONFIG;
        }
    }
    if (!config || optind != argc) {
        usage(stderr);
        return EXIT_CONFIG;
    }
    if (level_arg && log_parse_level(level_arg, &level) != 0) {
        fprintf(stderr, "stratd: --log-level must be error, warn, info or debug (got '%s')\n",
                level_arg);
        return EXIT_CONFIG;
    }
    if (topology_load(&d.topo, config, extra_kinds, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        sd_notifyf(0, "STATUS=config error: %s", err);
        return EXIT_CONFIG;
    }
    if (!level_arg && log_parse_level(d.topo.log_level, &level) != 0)
        level = LOG_INFO;
    log_init(level);
    d.tty = isatty(STDERR_FILENO);

    if (check)
        rc = config_check(&d.topo, stdout);
    else
        rc = run(&d, accept_drift);

    if (d.loop) {
        control_stop(&d.control);
        metrics_stop(&d.metrics);
        if (d.rt.phase == PHASE_LIVE || d.rt.phase == PHASE_STOPPING)
            runtime_close_handles(&d.rt);
        uv_walk(d.loop, close_walk, NULL);
        uv_run(d.loop, UV_RUN_DEFAULT);
        runtime_release(&d.rt);
        uv_loop_close(d.loop);
    }
    journal_close(d.journal);
    topology_release(&d.topo);
    return rc;
}
