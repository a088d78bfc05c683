/*
 * registry.h — the kinds stratd knows. One table for services
 * (services/registry.c), one for strategies (strategies/registry.c).
 */
#ifndef STRATD_REGISTRY_H
#define STRATD_REGISTRY_H

#include "actor.h"

extern const struct actor_kind *const service_kinds[];   /* NULL-terminated */
extern const struct actor_kind *const strategy_kinds[];  /* NULL-terminated */

/* Look NAME up in a NULL-terminated table (table may be NULL). */
const struct actor_kind *registry_find(const struct actor_kind *const *table,
                                       const char *name);

#endif
