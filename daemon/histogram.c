/* histogram.c — see histogram.h. */
#include <string.h>

#include "histogram.h"

const double histogram_seconds_le[HIST_BUCKETS] = {
    1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 5e-2, 1e-1,
};
const double histogram_entries_le[HIST_BUCKETS] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000,
};

void histogram_init(struct histogram *h, const double *le)
{
    memset(h, 0, sizeof *h);
    h->le = le;
}

void histogram_observe(struct histogram *h, double v)
{
    size_t i = 0;

    while (i < HIST_BUCKETS && v > h->le[i])
        i++;
    h->counts[i]++;
    h->sum += v;
    h->count++;
}
