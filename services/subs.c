/* subs.c — see subs.h. */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "subs.h"

int subs_index(const struct param_strings *symbols, const char *sym)
{
    for (size_t i = 0; i < symbols->n; i++)
        if (strcmp(symbols->v[i], sym) == 0)
            return (int)i;
    return -1;
}

static void add(struct subs *s, actor_ref who)
{
    for (size_t j = 0; j < s->n; j++)
        if (s->v[j] == who)
            return;
    if (s->n + 1 >= s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            abort();
    }
    s->v[s->n++] = who;
}

void subs_subscribe(struct subs *per, const struct param_strings *symbols,
                    struct actor *self, const struct msg *m)
{
    const Stratd__Subscribe *sub = m->body->subscribe;

    if (m->sender == ACTOR_REF_NONE)
        return;
    for (size_t k = 0; k < sub->n_symbols; k++) {
        int i = subs_index(symbols, sub->symbols[k]);
        if (i < 0)
            actor_log(self, LOG_WARN, "subscribe from %s to '%s' ignored: not one of this "
                      "feed's symbols", actor_id_of(self, m->sender), sub->symbols[k]);
        else
            add(&per[i], m->sender);
    }
}

uint64_t subs_digest(const struct subs *per, size_t n, const struct actor *self, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h = hash_u64(h, per[i].n);
        for (size_t j = 0; j < per[i].n; j++)
            h = hash_u64(h, actor_stable_key(self, per[i].v[j]));
    }
    return h;
}

size_t subs_total(const struct subs *per, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += per[i].n;
    return t;
}

void subs_release(struct subs *per, size_t n)
{
    for (size_t i = 0; per && i < n; i++)
        free(per[i].v);
}
