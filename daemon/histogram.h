/*
 * histogram.h — a fixed-bucket histogram, as Prometheus exposes one
 * (rendered by metrics.c).
 *
 * Invariant: counts[i] holds the observations v with le[i-1] < v <= le[i]
 * (counts[0]: v <= le[0]); counts[HIST_BUCKETS] those above the last bound
 * (the +Inf bucket). The renderer makes them cumulative; sum and count are
 * over every observation.
 */
#ifndef STRATD_HISTOGRAM_H
#define STRATD_HISTOGRAM_H

#include <stdint.h>

#define HIST_BUCKETS 12

struct histogram {
    const double *le;          /* HIST_BUCKETS upper bounds, ascending */
    uint64_t counts[HIST_BUCKETS + 1];   /* last: +Inf */
    double sum;
    uint64_t count;
};

/* Bucket bounds in use: durations (10 µs .. 100 ms) and batch sizes
 * (1 .. 10000 entries). */
extern const double histogram_seconds_le[HIST_BUCKETS];
extern const double histogram_entries_le[HIST_BUCKETS];

/* Empty, with the bounds `le` (borrowed: static tables like the above). */
void histogram_init(struct histogram *h, const double *le);
void histogram_observe(struct histogram *h, double v);

#endif
