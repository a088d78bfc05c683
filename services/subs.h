/*
 * subs.h — a feed's subscribers, one list per symbol of its `symbols`
 * param, filled by Subscribe messages. Part of the replayable state of both
 * feed kinds (feed, synthetic_feed).
 */
#ifndef STRATD_SUBS_H
#define STRATD_SUBS_H

#include <stddef.h>
#include <stdint.h>

#include "actor.h"

struct subs {
    actor_ref *v;      /* always room for one more: a feed adds itself */
    size_t n, cap;
};

/* Index of sym in symbols, or -1. */
int subs_index(const struct param_strings *symbols, const char *sym);
/* Handle a Subscribe message: m->sender joins the list of each symbol it
 * names (once); unknown symbols are logged and ignored. per has one list
 * per symbol. */
void subs_subscribe(struct subs *per, const struct param_strings *symbols,
                    struct actor *self, const struct msg *m);
/* Fold the lists into a digest (by stable keys, never refs). */
uint64_t subs_digest(const struct subs *per, size_t n, const struct actor *self, uint64_t h);
size_t subs_total(const struct subs *per, size_t n);
void subs_release(struct subs *per, size_t n);

#endif
