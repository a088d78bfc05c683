/*
 * latency.h — tick-to-order latency, measured by the exchange itself.
 *
 * exsim stamps each tick (monotonic clock, uv_hrtime) the first time its
 * frame is handed to uv_write on a market-data connection. A NewOrder whose
 * tag is the seq of a stamped tick of the order's symbol (tag != 0, the
 * tick not answered before) yields one sample: the time from that stamp to
 * the moment the NewOrder frame was decoded. The round trip is then wire to
 * wire as the exchange sees it: everything the client does in between
 * (decode, its own processing, its journal, its send) is in it.
 *
 * Every sample goes into a histogram (log-linear, 128 sub-buckets per power
 * of two: < 0.8% error) for the --report percentiles, and, when raw samples
 * are kept (--latency-out), into an array written at exit.
 */
#ifndef EXSIM_LATENCY_H
#define EXSIM_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LAT_SUB_BITS 7
#define LAT_BUCKETS ((64 - LAT_SUB_BITS + 1) << LAT_SUB_BITS)   /* 7424 */
#define LAT_MAX_RAW ((size_t)1 << 24)   /* raw samples kept at most (128 MiB) */

struct latency {
    uint64_t hist[LAT_BUCKETS];
    uint64_t n;                 /* samples */
    uint64_t max;               /* ns */
    uint64_t untimed;           /* tagged NewOrders that matched no stamped,
                                 * unanswered tick */
    bool keep_raw;
    uint64_t *raw;              /* ns, in arrival order */
    size_t n_raw, cap_raw;
    uint64_t raw_dropped;       /* beyond LAT_MAX_RAW, or out of memory */
};

void latency_init(struct latency *l, bool keep_raw);
void latency_release(struct latency *l);
void latency_add(struct latency *l, uint64_t ns);

/* The q-quantile (0 < q <= 1) by nearest rank: the smallest recorded value
 * v with at least ceil(q * n) samples <= v, to histogram precision (the
 * middle of its bucket, capped at the maximum; the maximum itself for the
 * last rank). 0 when there is no sample. */
uint64_t latency_quantile(const struct latency *l, double q);

/* The histogram bucket of a value, and the values a bucket holds. */
size_t latency_bucket(uint64_t ns);
void latency_bucket_range(size_t idx, uint64_t *lo, uint64_t *hi);

/* `"latency": {...}` for the report (no leading comma, no newline). */
void latency_json(FILE *f, const struct latency *l);

/* Write the raw samples to path, one per line in ns, atomically (temp file
 * and rename). 0, or -1 (logged). */
int latency_write_raw(const struct latency *l, const char *path);

#endif
