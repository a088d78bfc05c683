/* registry.c — the strategy kinds. Adding a strategy: one file, one line. */
#include <stratd/actor.h>

/* Declared for the daemon in daemon/registry.h. */
extern const struct actor_kind *const strategy_kinds[];

extern const struct actor_kind probe_kind;
extern const struct actor_kind sma_cross_kind;
extern const struct actor_kind market_maker_kind;
extern const struct actor_kind pairs_kind;
extern const struct actor_kind twap_kind;

const struct actor_kind *const strategy_kinds[] = {
    &probe_kind,
    &sma_cross_kind,
    &market_maker_kind,
    &pairs_kind,
    &twap_kind,
    NULL,
};
