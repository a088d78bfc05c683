/*
 * stratd.h — the daemon's entry point, callable with extra strategy kinds
 * (the test build adds its test-only kinds this way).
 */
#ifndef STRATD_STRATD_H
#define STRATD_STRATD_H

#include "actor.h"

#define STRATD_VERSION "0.1.0"

/* Exit codes of the operator contract. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_CONFIG = 2 };

int stratd_main(int argc, char **argv, const struct actor_kind *const *extra_kinds);

#endif
