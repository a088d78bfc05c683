/*
 * fuzz_wire.c — the exchange frame decoder (services/wire.c) on any byte
 * stream, cut into chunks anywhere.
 *
 * Input: byte 0 picks the channel, byte 1 the body limit (small limits
 * reach WIRE_E_OVERSIZE), byte 2 seeds the chunk sizes; the rest is the
 * stream. The stream is decoded twice, whole and in chunks: both must hand
 * out the same frames (compared packed) and end in the same state. Every
 * frame handed out passes wire_check_frame and encodes again within the
 * limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define MAX_FRAMES 256

struct run {
    uint8_t *packed[MAX_FRAMES];
    size_t len[MAX_FRAMES];
    size_t n;
    int err;       /* last wire_decoder_next result <= 0 */
    int finish;    /* wire_decoder_finish */
};

static void check(int ok)
{
    if (!ok)
        abort();
}

static void take(struct run *r, struct wire_decoder *d)
{
    const Stratd__Wire__Frame *f;
    int rc;

    while ((rc = wire_decoder_next(d, &f)) == 1) {
        uint8_t *buf;
        int n;

        check(f != NULL && wire_check_frame(f, d->channel) == 0);
        n = (int)wire_frame_size(f);
        check(n > WIRE_HEADER);
        buf = malloc((size_t)n);
        check(wire_encode(f, buf, (size_t)n) == n);
        if (r->n < MAX_FRAMES) {
            r->packed[r->n] = buf;
            r->len[r->n] = (size_t)n;
        } else {
            free(buf);
        }
        r->n++;
    }
    check(f == NULL);
    r->err = rc;
}

static void decode(struct run *r, enum wire_channel ch, size_t max_frame,
                   const uint8_t *data, size_t len, unsigned seed)
{
    struct wire_decoder d;
    size_t off = 0;

    memset(r, 0, sizeof *r);
    wire_decoder_init(&d, ch);
    d.max_frame = max_frame;
    while (off < len) {
        size_t n = len - off;
        int rc;

        if (seed) {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 16) % 17;
            if (n > len - off)
                n = len - off;
        }
        rc = wire_decoder_feed(&d, data + off, n);
        off += n;
        check(rc == 0 || rc == d.err);
        take(r, &d);
    }
    r->finish = wire_decoder_finish(&d);
    check(r->err >= 0 || r->finish == r->err);
    check(r->finish != 0 || wire_decoder_pending(&d) == 0);
    wire_decoder_release(&d);
}

static void clear(struct run *r)
{
    for (size_t i = 0; i < r->n && i < MAX_FRAMES; i++)
        free(r->packed[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run whole, split;
    enum wire_channel ch;
    size_t max_frame;

    if (size < 3)
        return 0;
    ch = (enum wire_channel)(data[0] % 4);
    max_frame = data[1] < 0xf0 ? WIRE_MAX_FRAME : (size_t)(data[1] - 0xef) * 8;
    decode(&whole, ch, max_frame, data + 3, size - 3, 0);
    decode(&split, ch, max_frame, data + 3, size - 3, data[2] | 0x100u);
    check(whole.n == split.n);
    check(whole.err == split.err);
    check(whole.finish == split.finish);
    for (size_t i = 0; i < whole.n && i < MAX_FRAMES; i++)
        check(whole.len[i] == split.len[i] &&
              memcmp(whole.packed[i], split.packed[i], whole.len[i]) == 0);
    clear(&whole);
    clear(&split);
    return 0;
}
