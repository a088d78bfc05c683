/*
 * hash.h — a fast, stable 64-bit hash for digests and params hashes.
 * Stable means: the same bytes give the same value on every build and
 * machine (digests are stored in the journal and compared across restarts).
 */
#ifndef STRATD_HASH_H
#define STRATD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED 0x9e3779b97f4a7c15ull

uint64_t hash_bytes(uint64_t h, const void *p, size_t n);

/* Fold one 64-bit value into h. */
static inline uint64_t hash_u64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h;
}

#endif
