/* hash.c — see hash.h. Reads 8 bytes at a time, little-endian, so the value
 * does not depend on the host's alignment rules. */
#include <string.h>

#include "hash.h"

uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t v;

    h = hash_u64(h, n);
    while (n >= 8) {
        v = (uint64_t)s[0] | (uint64_t)s[1] << 8 | (uint64_t)s[2] << 16 |
            (uint64_t)s[3] << 24 | (uint64_t)s[4] << 32 | (uint64_t)s[5] << 40 |
            (uint64_t)s[6] << 48 | (uint64_t)s[7] << 56;
        h = hash_u64(h, v);
        s += 8;
        n -= 8;
    }
    v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)s[i] << (8 * i);
    return hash_u64(h, v);
}
