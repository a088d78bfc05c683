/*
 * main.c — exsim, the exchange simulator: command line, the loop and its
 * timers, signals.
 *
 * Tick-to-order latency (latency.h): session.c stamps ticks as they are
 * written and times the NewOrders tagged with them; --latency-out gets the
 * raw samples at exit, --report their percentiles.
 *
 * Timers: `tick` publishes what is due at --rate (publication time decides
 * only when a tick goes out, never what it contains), `house` sends
 * heartbeats and ends drained connections, `report` rewrites --report,
 * `state` rewrites --state when something changed (state.c).
 * A prepare handle runs session_flush right before the loop blocks, so all
 * that one iteration produced leaves in one write per connection.
 *
 * --state FILE: restored at start when it exists (state.c), saved at start,
 * every STATE_MS while something changes (less often when saving gets slow)
 * and at exit.
 *
 * Exit: 0 after SIGTERM/SIGINT (report and state written), 1 when it cannot
 * start (port taken, --state not writable ...) or the state could not be
 * saved at exit, 2 on bad arguments, a bad --csv file or a --state file it
 * refuses (other --seed/--symbols, damaged).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exsim.h"

#define MAX_SYMBOLS 1024
#define TICK_BATCH 10000       /* ticks per timer firing, at most */
#define HOUSE_MS 100
#define REPORT_MS 500
#define STATE_MS 500
#define STATE_SLOWDOWN 4       /* wait at least this many save durations */

static const char usage[] =
"usage: exsim --md-port P --order-port Q --seed S --symbols A,B [options]\n"
"\n"
"An exchange simulator for stratd: market data and order entry over TCP\n"
"(length-prefixed protobuf frames, proto/wire.proto), a price-time-priority\n"
"matching engine per symbol, and a seeded market model whose simulated\n"
"participants trade with client orders.\n"
"\n"
"  --md-port P        market-data port (0: any free port, see the log)\n"
"  --order-port Q     order-entry port (0: any free port, see the log)\n"
"  --seed S           seed of the market model (default 1): the same seed and\n"
"                     symbols publish the same ticks, whatever clients do\n"
"  --symbols A,B      the symbols traded, each 1-32 characters of [A-Z0-9._-]\n"
"  --ticks N          publish N ticks in all, then stop publishing; the\n"
"                     exchange keeps serving (default: no limit)\n"
"  --rate R           ticks per second over all symbols (default 1000)\n"
"  --csv FILE         publish the ticks of FILE instead of the model, in file\n"
"                     order, one per line: symbol,bid,ask,last,size\n"
"                     (integers: price units and lots; size is the quantity\n"
"                     traded at last since the symbol's previous line, 0 for\n"
"                     none). Lines starting with '#', blank lines and a\n"
"                     header line starting with \"symbol\" are skipped. Every\n"
"                     symbol must be in --symbols; publishing stops at the end\n"
"  --report FILE      keep FILE as a JSON summary, rewritten atomically every\n"
"                     500 ms and at exit: ticks_published, orders, resends,\n"
"                     accounts (positions), order_ids, latency, ...\n"
"  --latency-out FILE at exit, write FILE: one tick-to-order round trip per\n"
"                     line, in ns, in order of arrival. A round trip runs\n"
"                     from the moment a tick's frame is first handed to the\n"
"                     socket (uv_write) to the moment a NewOrder whose tag is\n"
"                     that tick's seq (same symbol, tag != 0) is decoded;\n"
"                     only the first such order of a tick counts (the\n"
"                     first 16777216 round trips are kept)\n"
"  --state FILE       keep the exchange's state in FILE, so that a restart\n"
"                     carries on where it stopped: ticks go on from the next\n"
"                     seq (earlier ones can still be replayed), accounts keep\n"
"                     their session_seq, execution reports (resent after a\n"
"                     Logon), client order ids, resting orders, positions,\n"
"                     and the --report counters. Read at start when it\n"
"                     exists (refused, exit 2, when written with another\n"
"                     --seed or --symbols, or damaged); rewritten atomically\n"
"                     every 500 ms while something changes, and at exit.\n"
"                     --ticks then counts the ticks of all runs. FILE.lock\n"
"                     keeps a second exsim off the same FILE\n"
"  --bind ADDR        address to listen on (default 127.0.0.1)\n"
"  --heartbeat-ms MS  heartbeat on connections idle for MS ms (default 500,\n"
"                     0: none)\n"
"  --help             this text\n"
"\n"
"Exit status: 0 after SIGTERM or SIGINT, 1 when it cannot start (or cannot\n"
"save --state at exit), 2 on bad arguments or a --state file it refuses.\n";

void exsim_log(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    fprintf(stderr, "exsim: %s\n", line);
}

int64_t exsim_wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- command line */

static int bad_arg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_arg(const char *fmt, ...)
{
    va_list ap;

    fputs("exsim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see exsim --help)\n", stderr);
    return -1;
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    if (*s < '0' || *s > '9')
        return bad_arg("%s: '%s' is not a non-negative integer", opt, s);
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return bad_arg("%s: '%s' is not an integer in [0, %" PRIu64 "]", opt, s, max);
    *out = v;
    return 0;
}

static int parse_symbols(struct exsim_config *c, char *list)
{
    char *save = NULL, *tok;

    c->symbols = calloc(MAX_SYMBOLS, sizeof *c->symbols);
    if (!c->symbols)
        return bad_arg("--symbols: out of memory");
    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!wire_symbol_ok(tok))
            return bad_arg("--symbols: '%s': %s", tok, wire_strerror(WIRE_E_BADSYMBOL));
        for (size_t i = 0; i < c->n_sym; i++)
            if (strcmp(c->symbols[i], tok) == 0)
                return bad_arg("--symbols: '%s' given twice", tok);
        if (c->n_sym == MAX_SYMBOLS)
            return bad_arg("--symbols: more than %d symbols", MAX_SYMBOLS);
        c->symbols[c->n_sym++] = tok;
    }
    if (c->n_sym == 0)
        return bad_arg("--symbols: no symbol given");
    return 0;
}

/* A file name option: not empty. */
static int parse_file(const char *opt, const char *arg, const char **out)
{
    if (!*arg)
        return bad_arg("%s: empty file name", opt);
    *out = arg;
    return 0;
}

static int parse_rate(const char *arg, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(*out) || *out <= 0 || *out > 1e7)
        return bad_arg("--rate: '%s' is not a number in (0, 1e7]", arg);
    return 0;
}

static int parse_bind(const char *arg, const char **out)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;

    if (uv_ip4_addr(arg, 0, &a4) != 0 && uv_ip6_addr(arg, 0, &a6) != 0)
        return bad_arg("--bind: '%s' is not an IPv4 or IPv6 address", arg);
    *out = arg;
    return 0;
}

static int parse_port(const char *opt, const char *arg, int *port, bool *given)
{
    uint64_t v;

    if (parse_u64(opt, arg, 65535, &v) < 0)
        return -1;
    *port = (int)v;
    *given = true;
    return 0;
}

enum { O_MD = 256, O_ORDER, O_SEED, O_SYMBOLS, O_TICKS, O_RATE, O_CSV,
       O_REPORT, O_BIND, O_HB, O_LATENCY, O_STATE, O_HELP };

#define ARG(name, id) { name, required_argument, NULL, id }
static const struct option opts[] = {
    ARG("md-port", O_MD), ARG("order-port", O_ORDER), ARG("seed", O_SEED),
    ARG("symbols", O_SYMBOLS), ARG("ticks", O_TICKS), ARG("rate", O_RATE),
    ARG("csv", O_CSV), ARG("report", O_REPORT), ARG("bind", O_BIND),
    ARG("heartbeat-ms", O_HB), ARG("latency-out", O_LATENCY),
    ARG("state", O_STATE),
    { "help", no_argument, NULL, O_HELP },
    { NULL, 0, NULL, 0 },
};
#undef ARG

/* One option o with its value arg: 0, 1 for --help, -1 reported. md and
 * order say whether the ports were given. */
static int parse_opt(struct exsim_config *c, int o, char *arg,
                     bool *md, bool *order)
{
    uint64_t v;

    switch (o) {
    case O_MD:      return parse_port("--md-port", arg, &c->md_port, md);
    case O_ORDER:   return parse_port("--order-port", arg, &c->order_port, order);
    case O_SEED:    return parse_u64("--seed", arg, UINT64_MAX, &c->seed);
    case O_SYMBOLS:
        if (c->symbols)
            return bad_arg("--symbols given twice");
        return parse_symbols(c, arg);
    case O_TICKS:
        if (parse_u64("--ticks", arg, UINT64_MAX, &c->ticks) < 0)
            return -1;
        c->ticks_set = true;
        return 0;
    case O_RATE:    return parse_rate(arg, &c->rate);
    case O_CSV:     c->csv = arg; return 0;
    case O_REPORT:  return parse_file("--report", arg, &c->report);
    case O_LATENCY: return parse_file("--latency-out", arg, &c->latency_out);
    case O_STATE:   return parse_file("--state", arg, &c->state);
    case O_BIND:    return parse_bind(arg, &c->bind);
    case O_HB:
        if (parse_u64("--heartbeat-ms", arg, 3600000, &v) < 0)
            return -1;
        c->heartbeat_ms = (int64_t)v;
        return 0;
    case O_HELP:    return 1;
    }
    return -1;
}

/* 0, 1 for --help, -1 on a bad argument (already reported). */
static int parse_args(struct exsim_config *c, int argc, char **argv)
{
    bool md = false, order = false;
    int o, rc;

    memset(c, 0, sizeof *c);
    c->bind = "127.0.0.1";
    c->seed = 1;
    c->rate = 1000;
    c->heartbeat_ms = 500;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (o == ':')
            return bad_arg("%s needs a value", argv[optind - 1]);
        if (o < O_MD)
            return bad_arg("unknown option '%s'", argv[optind - 1]);
        if ((rc = parse_opt(c, o, optarg, &md, &order)) != 0)
            return rc;
    }
    if (optind < argc)
        return bad_arg("unexpected argument '%s'", argv[optind]);
    if (!md || !order || !c->symbols)
        return bad_arg("--md-port, --order-port and --symbols are required");
    if (c->md_port == c->order_port && c->md_port != 0)
        return bad_arg("--md-port and --order-port must differ");
    return 0;
}

/* ---- publishing */

static void generator_stop(struct exsim *s, const char *why)
{
    if (s->gen_done)
        return;
    s->gen_done = true;
    uv_timer_stop(&s->tick_timer);
    exsim_log("published %" PRIu64 " ticks, %s; still serving", s->published, why);
}

/* Publish one tick. false when the source is exhausted or memory is out. */
static bool publish_one(struct exsim *s)
{
    switch (exsim_generate(s, true, exsim_wall_ns())) {
    case EXSIM_GEN_OK:
        break;
    case EXSIM_GEN_END:
        generator_stop(s, "end of the CSV file");
        return false;
    case EXSIM_GEN_NOMEM:
        exsim_log("tick history: out of memory");
        generator_stop(s, "out of memory");
        return false;
    case EXSIM_GEN_NOMEM_EXCH:
        exsim_log("exchange: out of memory mirroring a model step");
        break;
    }
    return true;
}

static void on_tick_timer(uv_timer_t *timer)
{
    struct exsim *s = timer->data;
    uint64_t elapsed = uv_hrtime() - s->start_hr;
    uint64_t due = s->start_published +
                   (uint64_t)((long double)elapsed * (long double)s->cfg.rate / 1e9L) + 1;
    unsigned n = 0;

    if (s->cfg.ticks_set && due > s->cfg.ticks)
        due = s->cfg.ticks;
    while (s->published < due && n++ < TICK_BATCH && publish_one(s))
        ;
    if (s->cfg.ticks_set && s->published >= s->cfg.ticks)
        generator_stop(s, "the --ticks limit");
}

/* ---- the rest of the loop */

static void on_house_timer(uv_timer_t *t)
{
    session_housekeeping(t->data);
}

static void on_report_timer(uv_timer_t *t)
{
    report_write(t->data);
}

/* Save --state now; false (logged, once per message in a row) on failure. */
static bool state_write(struct exsim *s)
{
    static char last_err[512];
    char err[512];

    if (state_save(s, err, sizeof err) == 0) {
        last_err[0] = '\0';
        return true;
    }
    if (strcmp(err, last_err) != 0)
        exsim_log("state %s", err);
    snprintf(last_err, sizeof last_err, "%s", err);
    return false;
}

static void on_state_timer(uv_timer_t *t)
{
    struct exsim *s = t->data;
    uint64_t t0, ms;

    if (state_version(s) == s->state_version || uv_now(s->loop) < s->state_next_ms)
        return;
    t0 = uv_hrtime();
    state_write(s);
    ms = (uv_hrtime() - t0) / 1000000;
    s->state_next_ms = uv_now(s->loop) + STATE_SLOWDOWN * ms;
}

static void on_flush(uv_prepare_t *p)
{
    session_flush(p->data);
}

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    struct exsim *s = sig->data;

    if (s->stopping)
        return;
    s->stopping = true;
    exsim_log("%s: stopping after %" PRIu64 " ticks, %" PRIu64 " orders",
              signum == SIGTERM ? "SIGTERM" : "SIGINT", s->published, s->exch.orders);
    session_flush(s);
    if (s->cfg.state && !state_write(s)) {
        exsim_log("the state of this run is lost past the last save");
        s->exit_code = 1;
    }
    report_write(s);
    if (s->cfg.latency_out)
        latency_write_raw(&s->lat, s->cfg.latency_out);
    session_close_all(s);
    uv_walk(s->loop, close_handle, NULL);
}

static int start(struct exsim *s)
{
    uint64_t period = (uint64_t)(1000.0 / s->cfg.rate);
    int err;

    if (session_listen(s) < 0)
        return -1;
    /* Saved once at start: an unwritable --state fails now, not at exit. */
    if (s->cfg.state && !state_write(s)) {
        exsim_log("cannot keep the state in %s", s->cfg.state);
        return -1;
    }
    s->tick_timer.data = s->house_timer.data = s->report_timer.data = s;
    s->state_timer.data = s;
    s->flush.data = s->sigterm.data = s->sigint.data = s;
    uv_timer_init(s->loop, &s->tick_timer);
    uv_timer_init(s->loop, &s->house_timer);
    uv_timer_init(s->loop, &s->report_timer);
    uv_timer_init(s->loop, &s->state_timer);
    uv_prepare_init(s->loop, &s->flush);
    uv_signal_init(s->loop, &s->sigterm);
    uv_signal_init(s->loop, &s->sigint);
    if ((err = uv_signal_start(&s->sigterm, on_signal, SIGTERM)) < 0 ||
        (err = uv_signal_start(&s->sigint, on_signal, SIGINT)) < 0) {
        exsim_log("uv_signal_start: %s", uv_strerror(err));
        return -1;
    }
    uv_prepare_start(&s->flush, on_flush);
    uv_timer_start(&s->house_timer, on_house_timer, HOUSE_MS, HOUSE_MS);
    if (s->cfg.report)
        uv_timer_start(&s->report_timer, on_report_timer, REPORT_MS, REPORT_MS);
    if (s->cfg.state)
        uv_timer_start(&s->state_timer, on_state_timer, STATE_MS, STATE_MS);

    exsim_log("listening md=%s:%d orders=%s:%d, %zu symbol(s), %s, rate %g/s, ticks %s",
              s->cfg.bind, s->cfg.md_port, s->cfg.bind, s->cfg.order_port,
              s->cfg.n_sym, s->cfg.csv ? "ticks from CSV" : "seeded model",
              s->cfg.rate, s->cfg.ticks_set ? "limited" : "unlimited");
    s->start_hr = uv_hrtime();
    s->start_published = s->published;
    if (s->cfg.ticks_set && s->published >= s->cfg.ticks)
        generator_stop(s, "the --ticks limit");
    else
        uv_timer_start(&s->tick_timer, on_tick_timer, 0, period ? period : 1);
    report_write(s);
    return 0;
}

/* --state FILE: lock it and restore what it holds. 0, or the exit code
 * (1 cannot lock, 2 a file it refuses), reported. */
static int restore_state(struct exsim *s)
{
    uint64_t t0 = uv_hrtime();
    size_t reports = 0, resting = 0;
    char err[512];
    int rc;

    if (state_lock(s, err, sizeof err) < 0) {
        exsim_log("--state %s", err);
        exsim_log("cannot keep the state in %s", s->cfg.state);
        return 1;
    }
    rc = state_load(s, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "exsim: --state %s\n", err);
        return 2;
    }
    if (rc == 0) {
        exsim_log("no state in %s yet: starting afresh", s->cfg.state);
        return 0;
    }
    for (size_t i = 0; i < s->exch.n_acct; i++) {
        const struct exch_account *a = s->exch.acct[i];
        reports += a->n_reports;
        for (size_t k = 0; k < a->n_orders; k++)
            resting += a->orders[k]->state == EXCH_LIVE;
    }
    exsim_log("restored state from %s: %" PRIu64 " ticks, %" PRIu64 " orders, "
              "%zu accounts", s->cfg.state, s->published, s->exch.orders,
              s->exch.n_acct);
    exsim_log("restored %zu execution reports, %zu client orders resting in the "
              "books, in %.2f s", reports, resting, (double)(uv_hrtime() - t0) / 1e9);
    return 0;
}

int main(int argc, char **argv)
{
    static struct exsim sim;
    struct exsim *s = &sim;
    char err[512];
    int rc;

    rc = parse_args(&s->cfg, argc, argv);
    if (rc != 0) {
        if (rc > 0)
            fputs(usage, stdout);
        return rc > 0 ? 0 : 2;
    }
    if (s->cfg.csv) {
        if (mdgen_init_csv(&s->gen, s->cfg.csv, s->cfg.symbols, s->cfg.n_sym,
                           err, sizeof err) < 0) {
            fprintf(stderr, "exsim: --csv: %s\n", err);
            return 2;
        }
    } else if (mdgen_init_model(&s->gen, s->cfg.seed, s->cfg.symbols, s->cfg.n_sym) < 0) {
        exsim_log("market model: out of memory");
        return 1;
    }
    latency_init(&s->lat, s->cfg.latency_out != NULL);
    s->hist = calloc(s->cfg.n_sym, sizeof *s->hist);
    if (!s->hist || exch_init(&s->exch, s->cfg.symbols, s->cfg.n_sym, NULL, NULL) < 0) {
        exsim_log("exchange: out of memory");
        return 1;
    }
    if (s->cfg.state && (rc = restore_state(s)) != 0)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    s->loop = uv_default_loop();
    rc = start(s) < 0 ? 1 : 0;
    if (rc != 0)
        uv_walk(s->loop, close_handle, NULL);
    uv_run(s->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(s->loop) != 0)
        exsim_log("uv_loop_close: handles still open");

    for (size_t i = 0; i < s->cfg.n_sym; i++)
        free(s->hist[i].t);
    free(s->hist);
    free(s->clock);
    if (s->state_lock_fd > 0)
        close(s->state_lock_fd);
    exch_release(&s->exch);
    mdgen_release(&s->gen);
    latency_release(&s->lat);
    free(s->cfg.symbols);
    return rc ? rc : s->exit_code;
}
