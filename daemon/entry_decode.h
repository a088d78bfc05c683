/*
 * entry_decode.h — the rebuild's fast path: a journal entry of the common
 * shapes (Start, Tick, Poke, TimerRequest, TimerFired) decoded without a
 * single allocation into a scratch area reused for every entry.
 *
 * protobuf-c's unpack costs ~160 ns an entry (allocations, descriptor
 * walking), as much as RocksDB's iteration; this costs a few tens. Anything
 * the fast path does not know (other message kinds, unknown or repeated
 * fields, strings too long for the scratch) makes it return NULL and the
 * caller unpacks with protobuf-c, which stays the reference: the unit test
 * checks both agree on every entry the fast path accepts.
 */
#ifndef STRATD_ENTRY_DECODE_H
#define STRATD_ENTRY_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "stratd.pb-c.h"

#define ENTRY_SYMBOL_MAX 64

struct entry_scratch {
    Stratd__Entry e;
    Stratd__Msg m;
    union {
        Stratd__Start start;
        Stratd__Tick tick;
        Stratd__Poke poke;
        Stratd__TimerRequest timer_request;
        Stratd__TimerFired timer_fired;
    } body;
    uint32_t *receivers;
    size_t cap;
    char symbol[ENTRY_SYMBOL_MAX];
};

void entry_scratch_init(struct entry_scratch *s);
void entry_scratch_release(struct entry_scratch *s);

/* The entry in buf[len], borrowed from s until the next call; or NULL when
 * the fast path does not handle these bytes. It accepts no field it does
 * not know. */
const Stratd__Entry *entry_decode_fast(struct entry_scratch *s, const uint8_t *buf, size_t len);

/* After protobuf-c's unpack (the fallback): NULL when e is a message this
 * build knows through and through; else the name of the first message
 * (type) holding a field or oneof case this build does not know (kept by
 * protobuf-c as an unknown field), or "no message" when the entry carries
 * none. Such an entry is written by a newer build, or damaged: never
 * replayed as an empty message. */
const char *entry_unknown_part(const Stratd__Entry *e);

#endif
