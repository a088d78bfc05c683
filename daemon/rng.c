/* rng.c — see rng.h. */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rng_seed_u64(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

void rng_seed(struct rng *r, const uint8_t uuid[16])
{
    uint64_t a = 0, b = 0;

    for (int i = 0; i < 8; i++) {
        a |= (uint64_t)uuid[i] << (8 * i);
        b |= (uint64_t)uuid[8 + i] << (8 * i);
    }
    /* every byte counts: a through a bijective mix, then b */
    rng_seed_u64(r, splitmix64(&a) ^ b);
}

uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
    /* Lemire's rejection on the top bits would need 128-bit math; plain
     * rejection sampling keeps it portable and exact. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;

    do
        v = rng_next(r);
    while (v >= limit);
    return v % n;
}
