/*
 * trading.h — the runtime's side of the typed strategy API
 * (include/stratd/strategy.h): what it does for a kind that sets typed
 * callbacks, called from runtime.c at the points named.
 */
#ifndef STRATD_TRADING_H
#define STRATD_TRADING_H

#include <stdbool.h>
#include <stddef.h>

#include "actor.h"

struct stats;

/* True for a kind with typed callbacks: the runtime keeps its account. */
bool trading_kind(const struct actor_kind *k);
/* Bytes the account takes before the kind's state (0: not trading). A
 * multiple of 16, so the kind's state keeps its alignment. */
size_t trading_account_size(const struct actor_kind *k);

/* Fold the account into a digest (h unchanged when not trading), for kinds
 * with their own digest function; a flat state is hashed with its account
 * as one block (runtime_digest), as a state embedding it first would be. */
uint64_t trading_digest(const struct actor *a, uint64_t h);

/* A trading kind's account figures: position (a number for one symbol,
 * an object by symbol for several), realized_pnl, unrealized_pnl,
 * open_orders, orders, fills, rejects. Nothing for other kinds. */
void trading_stats(const struct actor *a, struct stats *out);

/* runtime_init, before kind->init: a position row per symbol param. */
void trading_init(struct actor *a);
/* Start, before kind->on_start: subscribe every symbol param. */
void trading_start(struct actor *a);
/* Route m to the typed callbacks. false: not theirs (on_message's). */
bool trading_dispatch(struct actor *a, const struct msg *m);

#endif
