/*
 * arena.h — a bump allocator for protobuf-c unpacking: no malloc per
 * message on the rebuild hot path, everything freed at once by arena_reset.
 */
#ifndef STRATD_ARENA_H
#define STRATD_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;      /* current chunk; older ones chained */
    size_t chunk_size;
    ProtobufCAllocator pb;         /* pass &arena.pb to *_unpack */
};

void arena_init(struct arena *a, size_t chunk_size);
void *arena_alloc(struct arena *a, size_t n);
void arena_reset(struct arena *a);   /* keeps the first chunk */
void arena_release(struct arena *a);

#endif
