/* clock.c — see clock.h. */
#include <time.h>

#include "clock.h"

int64_t clock_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_stamp(int64_t *last)
{
    int64_t now = clock_wall_ns();
    if (now < *last)
        now = *last;
    *last = now;
    return now;
}

double clock_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
