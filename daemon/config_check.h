/*
 * config_check.h — what a start with this topology would do to this journal:
 * which actors are new (fresh start), unchanged (rebuild), changed (the
 * start is refused: replay would break) or removed (entries kept). Used by
 * `stratd --check` and `stratctl config check`; reads the journal
 * read-only, so it is safe beside a running daemon.
 */
#ifndef STRATD_CONFIG_CHECK_H
#define STRATD_CONFIG_CHECK_H

#include <stdio.h>

#include "topology.h"

/* Prints one line per actor to out, problems to stderr. Returns 0 (a start
 * would go ahead), 1 (the journal cannot be read) or 2 (refused). */
int config_check(const struct topology *t, FILE *out);

#endif
