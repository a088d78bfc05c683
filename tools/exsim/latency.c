/*
 * latency.c — the tick-to-order latency samples (see latency.h).
 *
 * Histogram layout: a value v with b significant bits goes to bucket
 * shift * SUB + (v >> shift), shift = max(0, b - (LAT_SUB_BITS + 1)), so
 * values below 2 * SUB are exact and every power of two above is split into
 * SUB equal buckets.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exsim.h"
#include "latency.h"

#define SUB ((uint64_t)1 << LAT_SUB_BITS)

void latency_init(struct latency *l, bool keep_raw)
{
    memset(l, 0, sizeof *l);
    l->keep_raw = keep_raw;
}

void latency_release(struct latency *l)
{
    free(l->raw);
    l->raw = NULL;
    l->n_raw = l->cap_raw = 0;
}

size_t latency_bucket(uint64_t v)
{
    int bits = v ? 64 - __builtin_clzll(v) : 0;
    int shift = bits > LAT_SUB_BITS + 1 ? bits - (LAT_SUB_BITS + 1) : 0;

    return (size_t)shift * SUB + (size_t)(v >> shift);
}

void latency_bucket_range(size_t idx, uint64_t *lo, uint64_t *hi)
{
    unsigned shift = idx < 2 * SUB ? 0 : (unsigned)(idx / SUB - 1);
    uint64_t mant = idx - (uint64_t)shift * SUB;

    *lo = mant << shift;
    *hi = *lo + (((uint64_t)1 << shift) - 1);
}

void latency_add(struct latency *l, uint64_t ns)
{
    l->hist[latency_bucket(ns)]++;
    l->n++;
    if (ns > l->max)
        l->max = ns;
    if (!l->keep_raw)
        return;
    if (l->n_raw == l->cap_raw) {
        size_t cap = l->cap_raw ? 2 * l->cap_raw : 4096;
        uint64_t *p;

        if (cap > LAT_MAX_RAW)
            cap = LAT_MAX_RAW;
        p = cap > l->cap_raw ? realloc(l->raw, cap * sizeof *p) : NULL;
        if (!p) {
            if (l->raw_dropped++ == 0)
                exsim_log("latency: keeping no more raw samples after %zu (%s)",
                          l->n_raw, cap > l->cap_raw ? "out of memory" : "limit reached");
            return;
        }
        l->raw = p;
        l->cap_raw = cap;
    }
    l->raw[l->n_raw++] = ns;
}

uint64_t latency_quantile(const struct latency *l, double q)
{
    uint64_t rank, seen = 0, lo, hi, mid;

    if (l->n == 0)
        return 0;
    rank = (uint64_t)ceil(q * (double)l->n);
    if (rank < 1)
        rank = 1;
    if (rank >= l->n)
        return l->max;
    for (size_t i = 0; i < LAT_BUCKETS; i++) {
        seen += l->hist[i];
        if (seen >= rank) {
            latency_bucket_range(i, &lo, &hi);
            mid = lo + (hi - lo) / 2;
            return mid < l->max ? mid : l->max;
        }
    }
    return l->max;
}

void latency_json(FILE *f, const struct latency *l)
{
    static const struct { const char *key; double q; } qs[] = {
        { "p50_us", 0.50 }, { "p99_us", 0.99 }, { "p999_us", 0.999 },
    };

    fprintf(f, "\"latency\": {\"samples\": %" PRIu64 ", \"untimed\": %" PRIu64,
            l->n, l->untimed);
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        if (l->n)
            fprintf(f, ", \"%s\": %.3f", qs[i].key,
                    (double)latency_quantile(l, qs[i].q) / 1e3);
        else
            fprintf(f, ", \"%s\": null", qs[i].key);
    }
    if (l->n)
        fprintf(f, ", \"max_us\": %.3f}", (double)l->max / 1e3);
    else
        fputs(", \"max_us\": null}", f);
}

static void fill_raw(FILE *f, const void *ctx)
{
    const struct latency *l = ctx;

    for (size_t i = 0; i < l->n_raw; i++)
        fprintf(f, "%" PRIu64 "\n", l->raw[i]);
}

int latency_write_raw(const struct latency *l, const char *path)
{
    const char *call;
    int err = exsim_replace_file(path, fill_raw, l, &call);

    if (err) {
        exsim_log("--latency-out %s: %s: %s", path, call, strerror(err));
        return -1;
    }
    if (l->raw_dropped)
        exsim_log("--latency-out %s: %zu samples written, %" PRIu64 " not kept",
                  path, l->n_raw, l->raw_dropped);
    return 0;
}
