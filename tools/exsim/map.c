/*
 * map.c — uint64 -> pointer hash map (see map.h). The table is kept at most
 * half full, so probes stay short.
 */
#include <stdlib.h>

#include "map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

void map_init(struct map *m)
{
    m->slots = NULL;
    m->n = m->cap = 0;
}

void map_release(struct map *m)
{
    free(m->slots);
    map_init(m);
}

void *map_get(const struct map *m, uint64_t key)
{
    if (m->cap == 0 || key == 0)
        return NULL;
    for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->slots[i].key == key)
            return m->slots[i].val;
        if (m->slots[i].key == 0)
            return NULL;
    }
}

static int resize(struct map *m, size_t cap)
{
    struct map_slot *s = calloc(cap, sizeof *s);

    if (!s)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key == 0)
            continue;
        size_t j = slot_of(m->slots[i].key, cap);
        while (s[j].key != 0)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

int map_reserve(struct map *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 16;

    while (2 * n > cap)
        cap *= 2;
    return cap > m->cap ? resize(m, cap) : 0;
}

int map_put(struct map *m, uint64_t key, void *val)
{
    size_t i;

    if (key == 0)
        return -1;
    if (map_reserve(m, m->n + 1) < 0)
        return -1;
    for (i = slot_of(key, m->cap); m->slots[i].key != 0; i = (i + 1) & (m->cap - 1)) {
        if (m->slots[i].key == key) {
            m->slots[i].val = val;
            return 0;
        }
    }
    m->slots[i].key = key;
    m->slots[i].val = val;
    m->n++;
    return 0;
}

void *map_del(struct map *m, uint64_t key)
{
    size_t i, j, mask = m->cap - 1;
    void *val;

    if (m->cap == 0 || key == 0)
        return NULL;
    for (i = slot_of(key, m->cap); m->slots[i].key != key; i = (i + 1) & mask)
        if (m->slots[i].key == 0)
            return NULL;
    val = m->slots[i].val;
    /* Backward shift: pull later entries of the probe run into the hole. */
    for (j = (i + 1) & mask; m->slots[j].key != 0; j = (j + 1) & mask) {
        size_t home = slot_of(m->slots[j].key, m->cap);
        /* Move j to i when its home is not in the cyclic range (i, j]. */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = 0;
    m->slots[i].val = NULL;
    m->n--;
    return val;
}
