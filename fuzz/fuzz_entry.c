/*
 * fuzz_entry.c — the rebuild's fast entry decoder (daemon/entry_decode.c)
 * against protobuf-c's stratd__entry__unpack, the reference.
 *
 * Whatever the fast path accepts, protobuf-c must accept too, with the same
 * values: both results are packed again and must be the same bytes (packing
 * is canonical, so this compares every field). The fast path may decline
 * what protobuf-c accepts (the caller then unpacks with protobuf-c); it may
 * never accept what protobuf-c refuses. The scratch is reused across inputs,
 * as in a rebuild.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entry_decode.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static uint8_t *packed(const Stratd__Entry *e, size_t *len)
{
    uint8_t *buf;

    *len = stratd__entry__get_packed_size(e);
    buf = malloc(*len + 1);
    check(buf != NULL);
    check(stratd__entry__pack(e, buf) == *len);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct entry_scratch s;
    static int ready;
    const Stratd__Entry *fast;
    Stratd__Entry *ref;
    uint8_t *a, *b;
    size_t alen, blen;

    if (!ready) {
        entry_scratch_init(&s);
        ready = 1;
    }
    fast = entry_decode_fast(&s, data, size);
    ref = stratd__entry__unpack(NULL, size, data);
    if (!fast) {
        if (ref)
            stratd__entry__free_unpacked(ref, NULL);
        return 0;
    }
    check(ref != NULL);               /* the fast path accepted garbage */
    check(fast->msg != NULL && ref->msg != NULL);
    check(fast->msg->kind_case == ref->msg->kind_case);
    check(fast->n_receivers == ref->n_receivers);
    a = packed(fast, &alen);
    b = packed(ref, &blen);
    check(alen == blen && memcmp(a, b, alen) == 0);
    free(a);
    free(b);
    stratd__entry__free_unpacked(ref, NULL);
    return 0;
}
