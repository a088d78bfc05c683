/* uuid.c — UUIDv5 and the SHA-1 it needs (FIPS 180-4). */
#include <stdio.h>
#include <string.h>

#include "uuid.h"

/* A fixed namespace for stratd actor ids (itself a random v4 uuid). */
const uint8_t uuid_ns_stratd[16] = {
    0x5c, 0x2b, 0x8e, 0x4a, 0x91, 0x0d, 0x4f, 0x63,
    0xa7, 0x1e, 0x3b, 0x52, 0xc8, 0x90, 0x6d, 0x11,
};

struct sha1_ctx {
    uint32_t h[5];
    uint64_t len;
    uint8_t buf[64];
    size_t fill;
};

static inline uint32_t rol(uint32_t x, int k)
{
    return (x << k) | (x >> (32 - k));
}

static void sha1_block(struct sha1_ctx *c, const uint8_t *p)
{
    uint32_t w[80], a, b, d, e, f, k, t, cc;

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 80; i++) {
        if (i < 20)
            f = (b & cc) | (~b & d), k = 0x5a827999;
        else if (i < 40)
            f = b ^ cc ^ d, k = 0x6ed9eba1;
        else if (i < 60)
            f = (b & cc) | (b & d) | (cc & d), k = 0x8f1bbcdc;
        else
            f = b ^ cc ^ d, k = 0xca62c1d6;
        t = rol(a, 5) + f + e + k + w[i];
        e = d, d = cc, cc = rol(b, 30), b = a, a = t;
    }
    c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d, c->h[4] += e;
}

static void sha1_update(struct sha1_ctx *c, const void *data, size_t n)
{
    const uint8_t *p = data;

    c->len += n;
    while (n > 0) {
        size_t take = 64 - c->fill < n ? 64 - c->fill : n;
        memcpy(c->buf + c->fill, p, take);
        c->fill += take, p += take, n -= take;
        if (c->fill == 64) {
            sha1_block(c, c->buf);
            c->fill = 0;
        }
    }
}

void sha1(uint8_t out[20], const void *data, size_t len)
{
    struct sha1_ctx c = {{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}, 0, {0}, 0};
    uint64_t bits;
    uint8_t pad = 0x80, zero = 0, lenbuf[8];

    sha1_update(&c, data, len);
    bits = c.len * 8;
    sha1_update(&c, &pad, 1);
    while (c.fill != 56)
        sha1_update(&c, &zero, 1);
    for (int i = 0; i < 8; i++)
        lenbuf[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(&c, lenbuf, 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(c.h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c.h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c.h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c.h[i];
    }
}

void uuid_v5(uint8_t out[16], const uint8_t ns[16], const char *name, size_t len)
{
    uint8_t buf[16 + 256], digest[20];
    size_t n = len < 256 ? len : 256;   /* ids are at most 64 bytes */

    memcpy(buf, ns, 16);
    memcpy(buf + 16, name, n);
    sha1(digest, buf, 16 + n);
    memcpy(out, digest, 16);
    out[6] = (out[6] & 0x0f) | 0x50;  /* version 5 */
    out[8] = (out[8] & 0x3f) | 0x80;  /* RFC 4122 variant */
}

void uuid_format(char out[37], const uint8_t u[16])
{
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
             u[11], u[12], u[13], u[14], u[15]);
}
