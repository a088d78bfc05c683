/*
 * clock.h — the clock service: the only reader of the wall clock. Every
 * journaled message is stamped once, at enqueue, with clock_stamp(), which
 * never goes backwards (a stepped wall clock cannot reorder the journal's
 * times).
 */
#ifndef STRATD_CLOCK_H
#define STRATD_CLOCK_H

#include <stdint.h>

int64_t clock_wall_ns(void);
/* max(wall now, *last), stored back into *last. */
int64_t clock_stamp(int64_t *last);
/* Monotonic seconds, for measuring durations (never journaled). */
double clock_mono_s(void);

#endif
