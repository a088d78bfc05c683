/*
 * rng.h — xoshiro256** (Blackman & Vigna), the per-actor generator.
 * Seeded from the actor's uuid through splitmix64, so an actor draws the
 * same numbers in every run and every rebuild. Its state is part of the
 * actor's state (digests include it).
 *
 * rng_seed_u64 seeds from a plain number (s[0..3] are the first four
 * splitmix64 outputs of seed): exsim's market model, whose streams must not
 * change either.
 */
#ifndef STRATD_RNG_H
#define STRATD_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

void rng_seed(struct rng *r, const uint8_t uuid[16]);
void rng_seed_u64(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
double rng_unit(struct rng *r);                 /* [0, 1), 53 bits */
uint64_t rng_below(struct rng *r, uint64_t n);  /* [0, n), unbiased; n > 0 */

#endif
