/* Must compile: the public API is all a strategy needs. */
#include <stratd/actor.h>
#include <stratd/hash.h>

uint64_t probe_ok(struct actor *a) { return hash_u64(HASH_SEED, (uint64_t)actor_now(a)); }
