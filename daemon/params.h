/*
 * params.h — binding an actor's `params:` mapping to its kind's param table.
 *
 * A kind describes its params with a `struct param_def` table (actor.h);
 * this module is the one reader of such tables. It turns YAML values into
 * the kind's params struct (by type, with defaults and ranges), resolves
 * refs to other actors of the topology (a ref left out names the one actor
 * with the wanted role, when there is exactly one), runs the kind's own
 * check, and writes the canonical text and hash that the journal stores.
 *
 * Invariants:
 *   - the canonical text is "key=value\n" for every param that has a value
 *     (given or defaulted), sorted by key; ints as %lld, doubles as %.17g,
 *     strings with '\\' and newlines escaped (and ',' inside lists), lists
 *     comma-separated, refs by the id of the actor they name. It and its
 *     hash are stored in journals: never change how they are written;
 *   - a ref that is not set holds ACTOR_REF_NONE;
 *   - mistakes are reported through the struct yw (yamlwalk.h), the first
 *     one wins.
 */
#ifndef STRATD_PARAMS_H
#define STRATD_PARAMS_H

#include <stddef.h>

#include "topology.h"
#include "yamlwalk.h"

/* Bind the params of actor t->actors[self]: `params` is its params mapping
 * in w's document (NULL when the actor has none), `where` the mark for
 * messages about params that are not written in the file (the params
 * mapping, else the actor's mapping). Refs may name any actor of t, so
 * every actor's id and kind must be known first.
 * On success sets the actor's params, params_canon and params_hash and
 * returns 0; on a mistake returns -1 reported, and what was bound so far
 * is left for params_release(). */
int params_bind(struct yw *w, struct topology *t, size_t self,
                yaml_node_t *params, yaml_mark_t where);

/* A PARAM_STRING row whose `role` names a ref param is a symbol the
 * referenced actor must carry in its own `symbols` param (a strategy
 * subscribing to a symbol its feed does not have would wait forever).
 * Call once every actor is bound. 0, or -1 reported at the symbol's value
 * (or at `where` when it was defaulted). */
int params_check_symbols(struct yw *w, const struct topology *t, size_t self,
                         yaml_node_t *params, yaml_mark_t where);

/* Free the actor's params struct and what its fields own (strings and
 * lists); the canonical text is the caller's. Safe on a partly bound
 * actor, and on one never bound (params NULL). */
void params_release(struct topo_actor *a);

#endif
