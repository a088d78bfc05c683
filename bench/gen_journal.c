/*
 * gen_journal.c — write a journal as the daemon would have left it after
 * delivering a synthetic tick workload to N probe actors, for the rebuild
 * benchmark (bench/rebuild.sh).
 *
 *   gen_journal --config FILE --shape a|b --actors N --messages M [--seed S]
 *
 * The topology FILE must hold a `timer` service, a `synthetic_feed` service
 * `md` and the N probes (it is loaded with topology_load, so the journal's
 * metadata matches what stratd expects). Metadata is written as for actors
 * the daemon has seen: one actor record per topology actor (numbers 1..n in
 * topology order), the format marker, and after the entries each probe's
 * handled watermark (the last lsn delivered to it), so a start replays the
 * whole journal and has no backlog. The clean marker is not set: no drift
 * check.
 *
 * Shapes (M deliveries in total):
 *   a  fan-out: M / N entries, each a tick from md to all N probes;
 *   b  point-to-point: M entries, each a tick from md to one probe (round
 *      robin, or seeded random with --seed S > 0). Each probe's ticks carry
 *      its own increasing seq, so no probe sees a gap.
 *
 * Entries get lsn 1..E and times 1 µs apart; a commit every ~10000 entries;
 * at the end commit and flush (as a clean stop leaves the journal).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "journal.h"
#include "meta.h"
#include "stratd.pb-c.h"
#include "topology.h"
#include "uuid.h"
#include "xalloc.h"

#define COMMIT_EVERY 10000
#define PRICE_TICK 1000000          /* 0.01 in 1e-8 units */
#define T0_NS 1700000000000000000LL /* first entry's time */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_journal --config FILE --shape a|b --actors N "
                    "--messages M [--seed S]\n");
    exit(2);
}

static int64_t parse_count(const char *s, const char *what)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v <= 0) {
        fprintf(stderr, "gen_journal: %s must be a positive integer (got '%s')\n", what, s);
        exit(2);
    }
    return v;
}

struct opts {
    const char *config;
    char shape;                 /* 'a' or 'b' */
    int64_t actors, messages;
    uint64_t seed;
};

/* The figures printed at the end. */
struct written {
    uint64_t entries, deliveries;
    size_t bytes;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"shape", required_argument, NULL, 's'},
        {"actors", required_argument, NULL, 'n'},
        {"messages", required_argument, NULL, 'm'},
        {"seed", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 's':
            if (strcmp(optarg, "a") != 0 && strcmp(optarg, "b") != 0)
                usage();
            o->shape = optarg[0];
            break;
        case 'n': o->actors = parse_count(optarg, "--actors"); break;
        case 'm': o->messages = parse_count(optarg, "--messages"); break;
        case 'r': o->seed = strtoull(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (!o->config || !o->shape || !o->actors || !o->messages || optind != argc)
        usage();
}

/* The probes' permanent numbers (1..n in topology order) into probes[]
 * (room for every actor); their count, or -1 (message printed) when the
 * topology does not fit the options. *md: the synthetic feed's index. */
static int64_t find_probes(const struct topology *topo, const struct opts *o,
                           uint32_t *probes, int *md)
{
    size_t n = 0;

    *md = topology_find(topo, "md");
    if (*md < 0 || strcmp(topo->actors[*md].kind->name, "synthetic_feed") != 0) {
        fprintf(stderr, "gen_journal: %s: needs a synthetic_feed service 'md'\n", o->config);
        return -1;
    }
    for (size_t i = 0; i < topo->n_actors; i++)
        if (strcmp(topo->actors[i].kind->name, "probe") == 0)
            probes[n++] = (uint32_t)(i + 1);
    if ((int64_t)n != o->actors) {
        fprintf(stderr, "gen_journal: %s has %zu probes, --actors says %" PRId64 "\n",
                o->config, n, o->actors);
        return -1;
    }
    return (int64_t)n;
}

/* Metadata, as the daemon writes it for the actors it has seen: records
 * numbered 1..n in topology order, the format marker. Committed. */
static int write_metadata(struct journal *j, const struct topology *topo)
{
    for (size_t i = 0; i < topo->n_actors; i++) {
        uint8_t uuid[16];
        uuid_v5(uuid, uuid_ns_stratd, topo->actors[i].id, strlen(topo->actors[i].id));
        meta_put_actor(j, uuid, (uint32_t)(i + 1), &topo->actors[i], false);
    }
    meta_put_format(j);
    return journal_commit(j);
}

/* Tick entries 1..w->entries from md (number md_number) to the n probes in
 * the shape's pattern; last_lsn[i]: the last lsn probe i receives. Commits
 * every COMMIT_EVERY entries. 0 or -1. */
static int write_entries(struct journal *j, const struct opts *o, uint32_t md_number,
                         const uint32_t *probes, size_t n, uint64_t *last_lsn,
                         struct written *w)
{
    Stratd__Entry pe = STRATD__ENTRY__INIT;
    Stratd__Msg msg = STRATD__MSG__INIT;
    Stratd__Tick tick = STRATD__TICK__INIT;
    uint64_t *seq = xcalloc(n, sizeof *seq);           /* per probe (shape b) */
    uint64_t walk = 0x9e3779b97f4a7c15ULL, pick = o->seed ? o->seed * 0x2545f4914f6cdd1dULL : 0;
    int64_t mid = 100LL * 100000000;                   /* 100.00 */
    size_t cap = 4096;
    uint8_t *buf = xmalloc(cap);
    uint32_t one;
    int rc = 0;

    pe.sender = md_number;
    pe.msg = &msg;
    msg.kind_case = STRATD__MSG__KIND_TICK;
    msg.tick = &tick;
    tick.symbol = "BTCUSD";

    for (uint64_t lsn = 1; lsn <= w->entries && rc == 0; lsn++) {
        size_t r;

        if (o->shape == 'a') {
            r = 0;
            pe.receivers = (uint32_t *)probes;
            pe.n_receivers = n;
            tick.seq = lsn;
        } else {
            r = o->seed ? (size_t)(xorshift(&pick) % n) : (size_t)((lsn - 1) % n);
            one = probes[r];
            pe.receivers = &one;
            pe.n_receivers = 1;
            tick.seq = ++seq[r];
        }
        /* A simple deterministic walk: mid moves by -1, 0 or +1 tick. */
        uint64_t x = xorshift(&walk);
        mid += ((int64_t)(x % 3) - 1) * PRICE_TICK;
        if (mid < PRICE_TICK)
            mid = PRICE_TICK;
        pe.time_ns = T0_NS + (int64_t)(lsn - 1) * 1000;
        tick.bid = mid - PRICE_TICK;
        tick.ask = mid + PRICE_TICK;
        tick.last = mid;
        tick.size = 1 + (int64_t)((x >> 8) % 10);
        tick.exch_time_ns = pe.time_ns;

        size_t len = stratd__entry__get_packed_size(&pe);
        if (len > cap) {
            cap = len * 2;
            buf = xrealloc(buf, cap);
        }
        stratd__entry__pack(&pe, buf);
        journal_append(j, lsn, buf, len);
        w->bytes += len;

        if (o->shape == 'a') {
            w->deliveries += n;
        } else {
            last_lsn[r] = lsn;
            w->deliveries++;
        }
        if (lsn % COMMIT_EVERY == 0 && journal_commit(j) != 0)
            rc = -1;
    }
    free(buf);
    free(seq);
    return rc;
}

/* Each probe's handled watermark (the last lsn delivered to it), then the
 * last commit and a flush, as a clean stop leaves the journal. 0 or -1. */
static int write_watermarks(struct journal *j, const struct opts *o, const uint32_t *probes,
                            size_t n, const uint64_t *last_lsn, uint64_t entries)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t wm = o->shape == 'a' ? entries : last_lsn[i];
        if (wm > 0)
            meta_put_watermark(j, probes[i], wm);
    }
    if (journal_commit(j) != 0 || journal_flush(j) != 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct written w = {0};
    struct topology topo;
    struct journal *j;
    char err[2048];
    int md;

    parse_args(argc, argv, &o);
    if (topology_load(&topo, o.config, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    uint32_t *probes = xcalloc(topo.n_actors, sizeof *probes);
    int64_t found = find_probes(&topo, &o, probes, &md);
    if (found < 0)
        return 2;
    size_t n = (size_t)found;
    if (o.shape == 'a' && o.messages % (int64_t)n != 0)
        fprintf(stderr, "gen_journal: note: %" PRId64 " messages is not a multiple of %zu "
                "actors; using %" PRId64 " ticks\n", o.messages, n, o.messages / (int64_t)n);
    w.entries = o.shape == 'a' ? (uint64_t)o.messages / n : (uint64_t)o.messages;
    if (w.entries == 0) {
        fprintf(stderr, "gen_journal: fewer messages than actors\n");
        return 2;
    }

    if (journal_exists(topo.journal_path)) {
        fprintf(stderr, "gen_journal: %s already holds a journal\n", topo.journal_path);
        return 2;
    }
    j = journal_open(topo.journal_path, true, false, FSYNC_NONE, err, sizeof err);
    if (!j) {
        fprintf(stderr, "gen_journal: %s\n", err);
        return 1;
    }

    double t0 = clock_mono_s();
    uint64_t *last_lsn = xcalloc(n, sizeof *last_lsn); /* watermark per probe */
    if (write_metadata(j, &topo) != 0 ||
        write_entries(j, &o, (uint32_t)(md + 1), probes, n, last_lsn, &w) != 0 ||
        write_watermarks(j, &o, probes, n, last_lsn, w.entries) != 0)
        return 1;
    journal_close(j);

    double dt = clock_mono_s() - t0;
    printf("gen_journal: shape %c: %" PRIu64 " entries, %" PRIu64 " deliveries, "
           "%zu actors, %zu value bytes, %.2f s\n",
           o.shape, w.entries, w.deliveries, n, w.bytes, dt);
    printf("entries=%" PRIu64 " deliveries=%" PRIu64 " actors=%zu bytes=%zu seconds=%.3f\n",
           w.entries, w.deliveries, n, w.bytes, dt);

    free(last_lsn);
    free(probes);
    topology_release(&topo);
    return 0;
}
