/* arena.c — see arena.h. */
#include <stdlib.h>

#include "arena.h"

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

static void *pb_alloc(void *data, size_t n)
{
    return arena_alloc(data, n);
}

static void pb_free(void *data, void *p)
{
    (void)data;
    (void)p;   /* freed with the arena */
}

void arena_init(struct arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size;
    a->pb.alloc = pb_alloc;
    a->pb.free = pb_free;
    a->pb.allocator_data = a;
}

void *arena_alloc(struct arena *a, size_t n)
{
    struct arena_chunk *c = a->head;

    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (!c || c->used + n > c->size) {
        size_t size = n > a->chunk_size ? n : a->chunk_size;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->used = 0;
        c->size = size;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *c = a->head;

    if (!c)
        return;
    /* Keep the oldest chunk (the last in the chain), free the rest. */
    while (c->next) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
}

void arena_release(struct arena *a)
{
    while (a->head) {
        struct arena_chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}
