/* registry.c — the service kinds. One line per kind. */
#include "actor.h"

/* Declared for the daemon in daemon/registry.h. */
extern const struct actor_kind *const service_kinds[];

extern const struct actor_kind timer_kind;
extern const struct actor_kind synthetic_feed_kind;
extern const struct actor_kind feed_kind;
extern const struct actor_kind orders_kind;

const struct actor_kind *const service_kinds[] = {
    &timer_kind,
    &synthetic_feed_kind,
    &feed_kind,
    &orders_kind,
    NULL,
};
