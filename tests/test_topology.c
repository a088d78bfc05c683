/*
 * test_topology.c — the YAML topology loader: every mistake is reported as
 * "FILE:LINE:COL: message" (exact strings below), and good files give the
 * defaults, refs, ordering and canonical params the rest of stratd relies
 * on. Each case writes its YAML to a temp file; Check runs each in its own
 * process with a timeout.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "registry.h"
#include "topology.h"

/* ---- strategy kinds local to this test (topology_load's extra_kinds) ---- */

struct cross_params {
    actor_ref feed;
    actor_ref timer;
    char *symbol;
    int64_t fast, slow;
    double ratio;
    bool live;
    struct param_strings tags;
    char *note;
};

static const char *cross_check(const void *params, const char **key)
{
    const struct cross_params *p = params;

    if (p->slow <= p->fast) {
        *key = "slow";
        return "'slow' must be greater than 'fast'";
    }
    return NULL;
}

#define P(field) offsetof(struct cross_params, field)
static const struct param_def cross_params[] = {
    {"feed", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed", P(feed), NULL},
    {"timer", PARAM_REF, 0, 0, 0, "timer", P(timer), NULL},
    {"symbol", PARAM_STRING, PARAM_REQUIRED, 1, 32, NULL, P(symbol), NULL},
    {"fast", PARAM_INT, PARAM_REQUIRED, 1, 100000, NULL, P(fast), NULL},
    {"slow", PARAM_INT, 0, 1, 100000, NULL, P(slow), "50"},
    {"ratio", PARAM_DOUBLE, 0, 0, 1, NULL, P(ratio), "0.25"},
    {"live", PARAM_BOOL, 0, 0, 0, NULL, P(live), "false"},
    {"tags", PARAM_STRINGS, 0, 0, 8, NULL, P(tags), NULL},
    {"note", PARAM_STRING, 0, 0, 0, NULL, P(note), NULL},
    {NULL},
};
#undef P

static const struct actor_kind cross_kind = {
    .name = "cross",
    .params = cross_params,
    .params_size = sizeof(struct cross_params),
    .check = cross_check,
};

/* an optional feed ref */
struct watch_params {
    actor_ref feed;
};

static const struct param_def watch_params[] = {
    {"feed", PARAM_REF, 0, 0, 0, "feed", offsetof(struct watch_params, feed), NULL},
    {NULL},
};

static const struct actor_kind watch_kind = {
    .name = "watch",
    .params = watch_params,
    .params_size = sizeof(struct watch_params),
};

/* a kind that is itself a feed and reads another feed */
struct relay_params {
    actor_ref upstream;
};

static const struct param_def relay_params[] = {
    {"upstream", PARAM_REF, PARAM_REQUIRED, 0, 0, "feed",
     offsetof(struct relay_params, upstream), NULL},
    {NULL},
};

static const struct actor_kind relay_kind = {
    .name = "relay",
    .role = "feed",
    .params = relay_params,
    .params_size = sizeof(struct relay_params),
};

/* a broken param table: its default is not an integer */
struct baddef_params {
    int64_t n;
};

static const struct param_def baddef_params[] = {
    {"n", PARAM_INT, 0, 0, 10, NULL, offsetof(struct baddef_params, n), "abc"},
    {NULL},
};

static const struct actor_kind baddef_kind = {
    .name = "baddef",
    .params = baddef_params,
    .params_size = sizeof(struct baddef_params),
};

static const struct actor_kind *const test_kinds[] = {
    &cross_kind, &watch_kind, &relay_kind, &baddef_kind, NULL,
};

/* ---- helpers ---- */

static char path[512];
static char err[1024];
static struct topology topo;

/* Write yaml to a temp file, load it, remove the file. */
static int load(const char *yaml)
{
    const char *dir = getenv("TMPDIR");
    size_t n = strlen(yaml);
    int fd, rc;

    snprintf(path, sizeof path, "%s/test_topology.XXXXXX",
             dir && *dir ? dir : "/tmp");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, yaml, n), (ssize_t)n);
    close(fd);
    rc = topology_load(&topo, path, test_kinds, err, sizeof err);
    unlink(path);
    return rc;
}

static void load_ok(const char *yaml)
{
    int rc = load(yaml);

    ck_assert_msg(rc == 0, "load failed: %s", err);
}

/* Append ", name" for each kind of the table. */
static void add_names(char *out, size_t len, const struct actor_kind *const *t)
{
    for (; t && *t; t++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s",
                 out[0] ? ", " : "", (*t)->name);
}

/* The load fails with "PATH:" + expect, and leaves the topology released.
 * "{services}" and "{strategies}" in expect stand for the registry's kind
 * lists (strategies followed by this test's kinds), which grow over time. */
static void load_bad(const char *yaml, const char *expect)
{
    char want[1200], names[600] = "";
    const char *mark;

    ck_assert_int_eq(load(yaml), -1);
    if ((mark = strstr(expect, "{services}"))) {
        add_names(names, sizeof names, service_kinds);
    } else if ((mark = strstr(expect, "{strategies}"))) {
        add_names(names, sizeof names, strategy_kinds);
        add_names(names, sizeof names, test_kinds);
    }
    if (mark)
        snprintf(want, sizeof want, "%s:%.*s%s%s", path, (int)(mark - expect),
                 expect, names, strchr(mark, '}') + 1);
    else
        snprintf(want, sizeof want, "%s:%s", path, expect);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(topo.actors);
    ck_assert_ptr_null(topo.file);
    ck_assert_ptr_null(topo.journal_path);
    ck_assert_uint_eq(topo.n_actors, 0);
}

/* The real kinds may grow params: check the lines that matter, and that
 * the lines are sorted by key. */
static void has_line(const char *canon, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = canon; *p; p = strchr(p, '\n') + 1)
        if (!strncmp(p, line, n) && p[n] == '\n')
            return;
    ck_abort_msg("no line '%s' in params_canon:\n%s", line, canon);
}

static void sorted_lines(const char *canon)
{
    char prev[64] = "", key[64];

    for (const char *p = canon; *p; p = strchr(p, '\n') + 1) {
        size_t n = strcspn(p, "=");

        ck_assert_uint_lt(n, sizeof key);
        memcpy(key, p, n);
        key[n] = '\0';
        ck_assert_msg(strcmp(prev, key) < 0, "params_canon not sorted:\n%s",
                      canon);
        strcpy(prev, key);
    }
}

static const struct topo_actor *actor(const char *id)
{
    int i = topology_find(&topo, id);

    ck_assert_msg(i >= 0, "no actor '%s'", id);
    return &topo.actors[i];
}

#define J     "journal: { path: /tmp/j }\n"
#define CLOCK "  - { id: clock, kind: timer }\n"
#define TICKS "  - { id: ticks, kind: synthetic_feed, params: { symbols: [BTCUSD] } }\n"
#define SVC   "services:\n" CLOCK TICKS      /* lines 2-4 after J */
#define STRAT J SVC "strategies:\n"         /* first strategy on line 6 */

/* ---- bad files: one mistake each, the exact message ---- */

static const struct bad {
    const char *yaml;
    const char *expect;
} bad[] = {
    /* the file itself */
    {"",
     "1:1: the file is empty; a topology needs at least 'journal' and one "
     "actor under 'services' or 'strategies'"},
    {"- journal\n- services\n",
     "1:1: the topology must be a mapping with keys journal, control, "
     "metrics, log, services, strategies (got a list)"},
    {"journal: { path: /tmp/j\nservices: []\n",
     "2:9: not valid YAML: did not find expected ',' or '}'"},
    {"journal:\n\tpath: /tmp/j\n",
     "2:1: not valid YAML: found character that cannot start any token"},
    {"journal: { path: \"/tmp/\xff\" }\n",
     "1:24: not valid YAML: invalid leading UTF-8 octet"},
    {J SVC "---\nlog: { level: info }\n",
     "5:1: only one YAML document is allowed per file"},
    /* top level */
    {J "jurnal: { path: /tmp/j }\n" SVC,
     "2:1: unknown key 'jurnal' (expected one of: journal, control, metrics, "
     "log, services, strategies)"},
    {J SVC J,
     "5:1: duplicate key 'journal' (first at 1:1)"},
    {SVC,
     "1:1: missing required key 'journal' (e.g. journal: { path: "
     "/var/lib/stratd/journal })"},
    {J,
     "1:1: no actors: list at least one under 'services' or 'strategies'"},
    {J "services: []\nstrategies:\n",
     "1:1: no actors: list at least one under 'services' or 'strategies'"},
    {"? [journal]\n: x\n",
     "1:3: a key must be a string (got a list)"},
    /* journal, control, metrics, log */
    {"journal: /tmp/j\n" SVC,
     "1:10: 'journal' must be a mapping (got '/tmp/j')"},
    {"journal: { fsync: none }\n" SVC,
     "1:10: missing required key 'path' in 'journal'"},
    {"journal: { path: '' }\n" SVC,
     "1:18: 'path' must be a non-empty string (got '')"},
    {"journal: { path: /tmp/j, fsync: sometimes }\n" SVC,
     "1:33: 'fsync' must be one of always, interval, none (got 'sometimes')"},
    {"journal:\n  path: /tmp/j\n  interval_ms: 0\n" SVC,
     "3:16: 'interval_ms' must be an integer between 1 and 60000 (got 0)"},
    {"journal:\n  path: /tmp/j\n  interval_ms: 1.5\n" SVC,
     "3:16: 'interval_ms' must be an integer between 1 and 60000 (got 1.5)"},
    {"journal:\n  path: /tmp/j\n  fsnc: none\n" SVC,
     "3:3: unknown key 'fsnc' in 'journal' (expected one of: path, fsync, "
     "interval_ms)"},
    {J "control: /run/x.sock\n" SVC,
     "2:10: 'control' must be a mapping (got '/run/x.sock')"},
    {J "control: { socket: /run/stratd/0123456789012345678901234567890123456789"
       "01234567890123456789012345678901234567890123456789-abcdefghij.sock }\n" SVC,
     "2:20: 'socket' is too long for a Unix socket path (118 characters, at "
     "most 107)"},
    {J "metrics: { listen: 'localhost:99999' }\n" SVC,
     "2:20: 'listen' must be HOST:PORT with a port from 1 to 65535 (got "
     "'localhost:99999')"},
    {J "metrics: { listen: 9464 }\n" SVC,
     "2:20: 'listen' must be HOST:PORT with a port from 1 to 65535 (got "
     "'9464')"},
    {J "metrics: { port: 9464 }\n" SVC,
     "2:12: unknown key 'port' in 'metrics' (expected one of: listen)"},
    {J "log: { level: verbose }\n" SVC,
     "2:15: 'level' must be one of error, warn, info, debug (got 'verbose')"},
    /* actors: structure */
    {J "services: { id: clock, kind: timer }\n",
     "2:11: 'services' must be a list of actors (got a mapping)"},
    {J "strategies: probe\n",
     "2:13: 'strategies' must be a list of actors (got 'probe')"},
    {J "services:\n  - clock\n",
     "3:5: each entry of 'services' must be a mapping with 'id', 'kind' and "
     "'params' (got 'clock')"},
    {J "services:\n  - { kind: timer }\n",
     "3:5: missing required key 'id'"},
    {J "services:\n  - id: clock\n",
     "3:5: missing required key 'kind' in actor 'clock'"},
    {J "services:\n  - { id: 'bad id', kind: timer }\n",
     "3:11: 'id' must be 1 to 64 letters, digits, '_', '.' or '-', starting "
     "with a letter or digit (got 'bad id')"},
    {J "services:\n  - { id: _clock, kind: timer }\n",
     "3:11: 'id' must be 1 to 64 letters, digits, '_', '.' or '-', starting "
     "with a letter or digit (got '_clock')"},
    {J "services:\n  - { id: [clock], kind: timer }\n",
     "3:11: 'id' must be 1 to 64 letters, digits, '_', '.' or '-', starting "
     "with a letter or digit (got a list)"},
    {J SVC "strategies:\n"
       "  - id: probe-a\n"
       "    kind: probe\n"
       "  - id: probe-a\n"
       "    kind: probe\n",
     "8:9: duplicate id 'probe-a' (first defined at 6:5)"},
    {J "services:\n  - { id: clock, kind: timr }\n",
     "3:24: unknown service kind 'timr' (known: {services})"},
    {J "services:\n  - { id: clock, kind: [timer] }\n",
     "3:24: 'kind' must be a string (got a list)"},
    {STRAT "  - { id: clock2, kind: timer }\n",
     "6:25: 'timer' is a service kind; list it under 'services'"},
    {J "services:\n  - { id: p, kind: probe }\n",
     "3:20: 'probe' is a strategy kind; list it under 'strategies'"},
    {J "services:\n  - { id: clock, kind: timer, parms: {} }\n",
     "3:31: unknown key 'parms' in an actor (expected one of: id, kind, "
     "params)"},
    {J "services:\n  - { id: clock, kind: timer, params: [1] }\n",
     "3:39: 'params' must be a mapping (got a list)"},
    /* the operator contract's smoke test: the error is on line 8 */
    {"journal:\n"
     "  path: /tmp/j\n"
     "services:\n"
     "  - { id: clock, kind: timer }\n"
     "  - { id: ticks, kind: synthetic_feed, params: { symbols: [BTCUSD] } }\n"
     "strategies:\n"
     "  - { id: probe-b, kind: probe, params: { feed: ticks, symbol: BTCUSD } }\n"
     "  - { id: probe-a, kind: no_such_kind, params: { feed: ticks, symbol: BTCUSD } }\n",
     "8:26: unknown strategy kind 'no_such_kind' (known: {strategies})"},
    /* params */
    {J "services:\n  - { id: clock, kind: timer, params: { every: 1 } }\n",
     "3:41: unknown param 'every': kind 'timer' takes no params"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fsat: 5 } }\n",
     "6:48: unknown param 'fsat' for kind 'cross' (expected one of: feed, "
     "timer, symbol, fast, slow, ratio, live, tags, note)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, fast: 6 } }\n",
     "6:57: duplicate key 'fast' (first at 6:48)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 1.5 } }\n",
     "6:54: param 'fast' must be an integer between 1 and 100000 (got 1.5)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: abc } }\n",
     "6:54: param 'fast' must be an integer between 1 and 100000 (got abc)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 0 } }\n",
     "6:54: param 'fast' must be an integer between 1 and 100000 (got 0)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: [1] } }\n",
     "6:54: param 'fast' must be an integer between 1 and 100000 (got a list)"},
    {STRAT "  - id: c\n    kind: cross\n    params:\n      fast: 5\n      symbol:\n",
     "10:14: param 'symbol' has no value (give one or remove the key)"},
    {STRAT "  - { id: c, kind: cross, params: { fast: 5 } }\n",
     "6:35: missing required param 'symbol'"},
    {STRAT "  - { id: c, kind: cross }\n",
     "6:5: missing required param 'symbol'"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: 0123456789012345678901234567890123, fast: 5 } }\n",
     "6:45: param 'symbol' must be 1 to 32 characters long (got 34)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: { a: 1 }, fast: 5 } }\n",
     "6:45: param 'symbol' must be a string (got a mapping)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, ratio: 2 } }\n",
     "6:64: param 'ratio' must be a number between 0 and 1 (got 2)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, ratio: nan } }\n",
     "6:64: param 'ratio' must be a number between 0 and 1 (got nan)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, live: yes } }\n",
     "6:63: param 'live' must be true or false (got yes)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, tags: [a, b, c, d, e, f, g, h, i] } }\n",
     "6:63: param 'tags' must list 0 to 8 strings (got 9)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, tags: [a, ''] } }\n",
     "6:67: param 'tags' entries must be non-empty strings (got '')"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, tags: [a, [b]] } }\n",
     "6:67: param 'tags' entries must be non-empty strings (got a list)"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, tags: { a: b } } }\n",
     "6:63: param 'tags' must be a string or a list of strings (got a mapping)"},
    {J "services:\n  - { id: ticks, kind: synthetic_feed, params: { symbols: [] } }\n",
     "3:59: param 'symbols' must list 1 to 64 strings (got 0)"},
    {J "services:\n  - { id: clock, kind: timer }\n"
       "  - { id: ticks, kind: synthetic_feed, params: { symbols: X, count: 1000000000001 } }\n",
     "4:69: param 'count' must be an integer between 0 and 1000000000000 (got "
     "1000000000001)"},
    /* refs */
    {STRAT "  - { id: c, kind: cross, params: { feed: nope, symbol: X, fast: 5 } }\n",
     "6:43: param 'feed' names 'nope', which is not an actor in this topology"},
    {STRAT "  - { id: c, kind: cross, params: { feed: clock, symbol: X, fast: 5 } }\n",
     "6:43: param 'feed' names 'clock', a timer, but must name a feed"},
    {STRAT "  - { id: w, kind: watch }\n"
       "  - { id: c, kind: cross, params: { feed: w, symbol: X, fast: 5 } }\n",
     "7:43: param 'feed' names 'w', a strategy, but must name a feed"},
    {STRAT "  - { id: c, kind: cross, params: { feed: [ticks], symbol: X, fast: 5 } }\n",
     "6:43: param 'feed' must be the id of a feed (got a list)"},
    {J "services:\n  - { id: clock, kind: timer }\n"
       "  - { id: t1, kind: synthetic_feed, params: { symbols: A } }\n"
       "  - { id: t2, kind: synthetic_feed, params: { symbols: B } }\n"
       "strategies:\n"
       "  - { id: c, kind: cross, params: { symbol: X, fast: 5 } }\n",
     "7:35: param 'feed' is ambiguous (feed actors: t1, t2); name one"},
    {J "strategies:\n  - { id: c, kind: cross, params: { symbol: X, fast: 5 } }\n",
     "3:35: missing required param 'feed' (this topology has no feed actor "
     "to use)"},
    {J "services:\n  - { id: c1, kind: timer }\n  - { id: c2, kind: timer }\n"
       "  - { id: t1, kind: synthetic_feed, params: { symbols: A } }\n",
     "5:45: param 'timer' is ambiguous (timer actors: c1, c2); name one"},
    /* an optional ref is ambiguous too when several actors fit */
    {J "services:\n  - { id: clock, kind: timer }\n"
       "  - { id: t1, kind: synthetic_feed, params: { symbols: A } }\n"
       "  - { id: t2, kind: synthetic_feed, params: { symbols: B } }\n"
       "strategies:\n  - { id: w, kind: watch }\n",
     "7:5: param 'feed' is ambiguous (feed actors: t1, t2); name one"},
    {J "services:\n  - { id: clock, kind: timer }\n"
       "strategies:\n  - { id: p, kind: probe, params: { symbol: X } }\n",
     "5:35: missing required param 'feed' (this topology has no feed actor "
     "to use)"},
    {STRAT "  - { id: r, kind: relay, params: { upstream: r } }\n",
     "6:47: param 'upstream' names 'r', the actor itself; name another actor"},
    /* kind->check: at the key it names, or at params when defaulted */
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 60, slow: 50 } }\n",
     "6:58: 'slow' must be greater than 'fast'"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 60 } }\n",
     "6:35: 'slow' must be greater than 'fast'"},
    {STRAT "  - { id: b, kind: baddef }\n",
     "6:5: kind 'baddef' has an invalid default 'abc' for param 'n'"},
    /* the first mistake wins: the structure is checked before params */
    {"journal: { path: /tmp/j, fsync: sometimes }\n"
     "services:\n  - { id: clock, kind: timr }\n",
     "1:33: 'fsync' must be one of always, interval, none (got 'sometimes')"},
    {STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 0 } }\n"
       "  - { id: d, kind: nope }\n",
     "7:20: unknown strategy kind 'nope' (known: {strategies})"},
    /* params follow file order too: strategies listed first fail first */
    {J "strategies:\n"
       "  - { id: c, kind: cross, params: { feed: ticks, symbol: X, fast: 0 } }\n"
       "services:\n" CLOCK
       "  - { id: ticks, kind: synthetic_feed, params: { symbols: [] } }\n",
     "3:67: param 'fast' must be an integer between 1 and 100000 (got 0)"},
    /* a symbol the strategy's feed does not carry */
    {STRAT "  - { id: p, kind: probe, params: { feed: ticks, symbol: ETHUSD } }\n",
     "6:58: param 'symbol' is 'ETHUSD', which feed 'ticks' does not carry "
     "(its symbols: BTCUSD)"},
    {STRAT "  - { id: p, kind: probe, params: { symbol: XRPUSD } }\n",
     "6:45: param 'symbol' is 'XRPUSD', which feed 'ticks' does not carry "
     "(its symbols: BTCUSD)"},
    /* text from the file never breaks the one-line message (control
     * characters hidden, as in "got ...") */
    {J "\"jour\\nnal\": 1\n" SVC,
     "2:1: unknown key 'jour?nal' (expected one of: journal, control, metrics, "
     "log, services, strategies)"},
    {"journal: { pathjb\n\n\nL/j }\n" SVC,
     "1:12: unknown key 'pathjb??L/j' in 'journal' (expected one of: path, fsync, "
     "interval_ms)"},
    {STRAT "  - { id: p, kind: \"\\e[2J\\r\" }\n",
     "6:20: unknown strategy kind '?[2J?' (known: {strategies})"},
    {STRAT "  - { id: p, kind: probe, params: { feed: \"a\\tb\", symbol: X } }\n",
     "6:43: param 'feed' names 'a?b', which is not an actor in this topology"},
};

START_TEST(test_bad)
{
    load_bad(bad[_i].yaml, bad[_i].expect);
}
END_TEST

/* From memory: the same loader, the name standing for the file. */
START_TEST(test_load_text)
{
    static const char good[] = J SVC, wrong[] = J "jurnal: 1\n" SVC;

    ck_assert_int_eq(topology_load_text(&topo, "mem.yaml", good, strlen(good), NULL,
                                        err, sizeof err), 0);
    ck_assert_str_eq(topo.file, "mem.yaml");
    ck_assert_str_eq(topo.journal_path, "/tmp/j");
    ck_assert_uint_eq(topo.n_actors, 2);
    topology_release(&topo);
    ck_assert_int_eq(topology_load_text(&topo, "mem.yaml", wrong, strlen(wrong), NULL,
                                        err, sizeof err), -1);
    ck_assert_str_eq(err, "mem.yaml:2:1: unknown key 'jurnal' (expected one of: "
                     "journal, control, metrics, log, services, strategies)");
    ck_assert_int_eq(topology_load_text(&topo, "mem.yaml", "", 0, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "mem.yaml:1:1: the file is empty"));
}
END_TEST

START_TEST(test_unreadable)
{
    char want[600];

    ck_assert_int_eq(topology_load(&topo, "/nonexistent/stratd.yaml", NULL,
                                   err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/stratd.yaml:1:1: cannot read: No such "
                          "file or directory");
    ck_assert_ptr_null(topo.file);

    snprintf(want, sizeof want, "%s:1:1: cannot read: Is a directory", "/");
    ck_assert_int_eq(topology_load(&topo, "/", NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
}
END_TEST

/* err may be short: the message is cut, never overflowed */
START_TEST(test_short_err)
{
    char small[8];

    memset(small, 'x', sizeof small);
    ck_assert_int_eq(topology_load(&topo, "/nonexistent", NULL, small,
                                   sizeof small), -1);
    ck_assert_str_eq(small, "/nonexi");
    ck_assert_int_eq(topology_load(&topo, "/nonexistent", NULL, NULL, 0), -1);
}
END_TEST

/* ---- good files ---- */

START_TEST(test_defaults)
{
    const struct topo_actor *a;

    load_ok(J SVC "strategies:\n  - { id: p1, kind: probe, params: { symbol: BTCUSD } }\n");
    ck_assert_str_eq(topo.file, path);
    ck_assert_str_eq(topo.journal_path, "/tmp/j");
    ck_assert_int_eq(topo.fsync, FSYNC_INTERVAL);
    ck_assert_int_eq(topo.fsync_interval_ms, 1000);
    ck_assert_str_eq(topo.control_socket, "/run/stratd/stratd.sock");
    ck_assert_str_eq(topo.metrics_listen, "127.0.0.1:9464");
    ck_assert_str_eq(topo.log_level, "info");
    ck_assert_uint_eq(topo.n_actors, 3);

    a = actor("clock");
    ck_assert(a->is_service);
    ck_assert_str_eq(a->kind->name, "timer");
    ck_assert_str_eq(a->params_canon, "");
    ck_assert_int_eq(a->line, 3);
    ck_assert_int_eq(a->col, 5);

    /* seed, interval_ms and count defaulted, timer resolved to the only one */
    a = actor("ticks");
    has_line(a->params_canon, "count=0");
    has_line(a->params_canon, "interval_ms=1");
    has_line(a->params_canon, "seed=1");
    has_line(a->params_canon, "symbols=BTCUSD");
    has_line(a->params_canon, "timer=clock");
    sorted_lines(a->params_canon);
    ck_assert(a->params_hash == hash_bytes(HASH_SEED, a->params_canon,
                                           strlen(a->params_canon)));

    /* feed resolved to the only feed */
    a = actor("p1");
    ck_assert(!a->is_service);
    ck_assert_str_eq(a->kind->name, "probe");
    has_line(a->params_canon, "feed=ticks");
    has_line(a->params_canon, "symbol=BTCUSD");
    ck_assert_int_eq(a->line, 6);
    topology_release(&topo);
}
END_TEST

START_TEST(test_settings)
{
    load_ok("journal:\n  path: /var/lib/stratd/journal\n  fsync: always\n"
            "  interval_ms: 60000\n"
            "control: { socket: /tmp/s.sock }\n"
            "metrics: { listen: '[::1]:1' }\n"
            "log: { level: debug }\n" SVC);
    ck_assert_str_eq(topo.journal_path, "/var/lib/stratd/journal");
    ck_assert_int_eq(topo.fsync, FSYNC_ALWAYS);
    ck_assert_int_eq(topo.fsync_interval_ms, 60000);
    ck_assert_str_eq(topo.control_socket, "/tmp/s.sock");
    ck_assert_str_eq(topo.metrics_listen, "[::1]:1");
    ck_assert_str_eq(topo.log_level, "debug");
    topology_release(&topo);

    /* empty sections keep the defaults */
    load_ok("journal: { path: j, fsync: none }\ncontrol:\nmetrics: {}\nlog:\n" SVC);
    ck_assert_int_eq(topo.fsync, FSYNC_NONE);
    ck_assert_str_eq(topo.control_socket, "/run/stratd/stratd.sock");
    ck_assert_str_eq(topo.metrics_listen, "127.0.0.1:9464");
    ck_assert_str_eq(topo.log_level, "info");
    topology_release(&topo);
}
END_TEST

/* services first, then strategies, each in file order, whatever comes first */
START_TEST(test_order)
{
    static const char *const ids[] = {"clock", "ticks", "zeta", "alpha", "mid"};

    load_ok(J "strategies:\n"
            "  - { id: zeta, kind: probe, params: { symbol: BTCUSD } }\n"
            "  - { id: alpha, kind: probe, params: { symbol: BTCUSD } }\n"
            "  - { id: mid, kind: watch }\n"
            "services:\n" CLOCK TICKS);
    ck_assert_uint_eq(topo.n_actors, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(topo.actors[i].id, ids[i]);
        ck_assert(topo.actors[i].is_service == (i < 2));
        ck_assert_int_eq(topology_find(&topo, ids[i]), (int)i);
    }
    ck_assert_int_eq(topology_find(&topo, "nope"), -1);
    ck_assert_int_eq(topo.actors[2].line, 3);
    ck_assert_int_eq(topo.actors[0].line, 7);
    /* refs are indexes into the ordered array */
    ck_assert_uint_eq(((const struct watch_params *)actor("mid")->params)->feed, 1);
    topology_release(&topo);
}
END_TEST

START_TEST(test_explicit_refs)
{
    const struct cross_params *p;
    const struct topo_actor *a;

    load_ok(J "services:\n"
            "  - { id: clock, kind: timer }\n"
            "  - { id: t1, kind: synthetic_feed, params: { symbols: [A, B], timer: clock } }\n"
            "  - { id: t2, kind: synthetic_feed, params: { symbols: C, seed: 7, count: 1000000000000 } }\n"
            "strategies:\n"
            "  - id: c\n"
            "    kind: cross\n"
            "    params:\n"
            "      feed: t2\n"
            "      timer: clock\n"
            "      symbol: \"a\\\\b\"\n"
            "      fast: 5\n"
            "      slow: 100000\n"
            "      ratio: 1e-3\n"
            "      live: true\n"
            "      tags: ['x,y', z]\n"
            "      note: \"two\\nlines\"\n");
    a = actor("c");
    p = a->params;
    ck_assert_uint_eq(p->feed, 2);
    ck_assert_uint_eq(p->timer, 0);
    ck_assert_str_eq(p->symbol, "a\\b");
    ck_assert_int_eq(p->fast, 5);
    ck_assert_int_eq(p->slow, 100000);
    ck_assert_double_eq(p->ratio, 0.001);
    ck_assert(p->live);
    ck_assert_uint_eq(p->tags.n, 2);
    ck_assert_str_eq(p->tags.v[0], "x,y");
    ck_assert_str_eq(p->tags.v[1], "z");
    ck_assert_str_eq(p->note, "two\nlines");
    ck_assert_str_eq(a->params_canon,
                     "fast=5\nfeed=t2\nlive=true\nnote=two\\nlines\n"
                     "ratio=0.001\nslow=100000\nsymbol=a\\\\b\n"
                     "tags=x\\,y,z\ntimer=clock\n");
    has_line(actor("t1")->params_canon, "symbols=A,B");
    has_line(actor("t1")->params_canon, "timer=clock");
    has_line(actor("t2")->params_canon, "count=1000000000000");
    has_line(actor("t2")->params_canon, "seed=7");
    has_line(actor("t2")->params_canon, "symbols=C");
    has_line(actor("t2")->params_canon, "timer=clock");
    topology_release(&topo);
}
END_TEST

START_TEST(test_optional_unset)
{
    const struct cross_params *p;
    const struct watch_params *w;

    load_ok(J "services:\n" CLOCK "  - { id: t, kind: synthetic_feed, params: { symbols: A } }\n"
            "strategies:\n"
            "  - { id: r, kind: relay }\n"
            "  - { id: w, kind: watch, params: { feed: r } }\n"
            "  - { id: c, kind: cross, params: { feed: t, symbol: X, fast: 1 } }\n");
    /* relay: the only other feed, never itself */
    ck_assert_uint_eq(((const struct relay_params *)actor("r")->params)->upstream, 1);
    ck_assert_str_eq(actor("r")->params_canon, "upstream=t\n");
    w = actor("w")->params;
    ck_assert_uint_eq(w->feed, 2);
    p = actor("c")->params;
    /* the optional timer resolves to the only timer; tags and note unset */
    ck_assert_uint_eq(p->timer, 0);
    ck_assert_int_eq(p->slow, 50);
    ck_assert_double_eq(p->ratio, 0.25);
    ck_assert(!p->live);
    ck_assert_uint_eq(p->tags.n, 0);
    ck_assert_ptr_null(p->tags.v);
    ck_assert_ptr_null(p->note);
    ck_assert_str_eq(actor("c")->params_canon,
                     "fast=1\nfeed=t\nlive=false\nratio=0.25\nslow=50\n"
                     "symbol=X\ntimer=clock\n");
    topology_release(&topo);

    /* an optional ref with no candidate stays ACTOR_REF_NONE */
    load_ok(J "strategies:\n  - { id: w, kind: watch, params: }\n");
    w = actor("w")->params;
    ck_assert_uint_eq(w->feed, ACTOR_REF_NONE);
    ck_assert_str_eq(actor("w")->params_canon, "");
    topology_release(&topo);
}
END_TEST

/* the hash follows the values, not the way the YAML is written */
START_TEST(test_hash)
{
    uint64_t h1, h2, h3, h4;

    load_ok(STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, tags: [a, b] } }\n");
    h1 = actor("c")->params_hash;
    topology_release(&topo);

    load_ok(J "strategies:\n"
            "  - params:\n"
            "      tags: [a, b]\n"
            "      fast: 5\n"
            "      feed: ticks\n"
            "      symbol: 'X'\n"
            "      slow: 50\n"
            "    kind: cross\n"
            "    id: c\n"
            "services:\n" TICKS CLOCK);
    h2 = actor("c")->params_hash;
    topology_release(&topo);

    load_ok(STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 6, tags: [a, b] } }\n");
    h3 = actor("c")->params_hash;
    topology_release(&topo);

    load_ok(STRAT "  - { id: c, kind: cross, params: { symbol: X, fast: 5, tags: [b, a] } }\n");
    h4 = actor("c")->params_hash;
    topology_release(&topo);

    ck_assert(h1 == h2);
    ck_assert(h1 != h3);
    ck_assert(h1 != h4);
}
END_TEST

/* The canonical text and its hash are stored in journals: pinned here,
 * byte for byte, escapes included ('\\', newline, ',' inside a list). */
START_TEST(test_canon_pinned)
{
    load_ok(STRAT "  - { id: c, kind: cross, params: { symbol: \"a\\\\b\", fast: 5, "
            "ratio: 0.1, live: true, tags: [\"x,y\", 'z\\'], note: \"l1\\nl2\" } }\n");
    ck_assert_str_eq(actor("c")->params_canon,
                     "fast=5\n"
                     "feed=ticks\n"
                     "live=true\n"
                     "note=l1\\nl2\n"
                     "ratio=0.10000000000000001\n"
                     "slow=50\n"
                     "symbol=a\\\\b\n"
                     "tags=x\\,y,z\\\\\n"
                     "timer=clock\n");
    ck_assert_uint_eq(actor("c")->params_hash, 0x63ed0c77e4317040ull);
    topology_release(&topo);
}
END_TEST

/* a single string is a one-element list; anchors and aliases work */
START_TEST(test_strings_forms)
{
    load_ok(J "services:\n" CLOCK
            "  - { id: a, kind: synthetic_feed, params: { symbols: &s [X, Y] } }\n"
            "  - { id: b, kind: synthetic_feed, params: { symbols: *s } }\n"
            "  - { id: c, kind: synthetic_feed, params: { symbols: Z } }\n");
    has_line(actor("b")->params_canon, "symbols=X,Y");
    has_line(actor("c")->params_canon, "symbols=Z");
    topology_release(&topo);
}
END_TEST

START_TEST(test_release)
{
    load_ok(J SVC);
    topology_release(&topo);
    ck_assert_ptr_null(topo.actors);
    ck_assert_ptr_null(topo.file);
    ck_assert_uint_eq(topo.n_actors, 0);
    topology_release(&topo);   /* a released topology may be released again */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("topology");
    TCase *tc_bad = tcase_create("bad");
    TCase *tc_good = tcase_create("good");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc_bad, 10);
    tcase_add_loop_test(tc_bad, test_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc_bad, test_unreadable);
    tcase_add_test(tc_bad, test_load_text);
    tcase_add_test(tc_bad, test_short_err);
    suite_add_tcase(s, tc_bad);

    tcase_set_timeout(tc_good, 10);
    tcase_add_test(tc_good, test_defaults);
    tcase_add_test(tc_good, test_settings);
    tcase_add_test(tc_good, test_order);
    tcase_add_test(tc_good, test_explicit_refs);
    tcase_add_test(tc_good, test_optional_unset);
    tcase_add_test(tc_good, test_hash);
    tcase_add_test(tc_good, test_canon_pinned);
    tcase_add_test(tc_good, test_strings_forms);
    tcase_add_test(tc_good, test_release);
    suite_add_tcase(s, tc_good);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
