/*
 * map.h — an open-addressing hash map from nonzero uint64 keys to pointers
 * (linear probing, backward-shift deletion, so no tombstones). Used by the
 * book (order id -> order) and the exchange (client order id -> order).
 * Key 0 marks an empty slot and cannot be stored.
 */
#ifndef EXSIM_MAP_H
#define EXSIM_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map_slot {
    uint64_t key;
    void *val;
};

struct map {
    struct map_slot *slots;   /* cap slots, cap a power of two (or 0) */
    size_t n, cap;
};

void map_init(struct map *m);
void map_release(struct map *m);   /* frees the table, not the values */

/* The value for key, or NULL. */
void *map_get(const struct map *m, uint64_t key);
/* Make room for n entries in all, so that the next puts cannot fail.
 * 0 or -1. */
int map_reserve(struct map *m, size_t n);
/* Insert or replace. 0, or -1 when out of memory (or key is 0). */
int map_put(struct map *m, uint64_t key, void *val);
/* Remove key; returns its value, or NULL when absent. */
void *map_del(struct map *m, uint64_t key);

#endif
