/* config_check.c — see config_check.h. */
#include "config_check.h"
#include "journal.h"
#include "meta.h"

static const char *change_name(enum meta_change c)
{
    switch (c) {
    case META_NEW:       return "new";
    case META_UNCHANGED: return "unchanged";
    case META_CHANGED:   return "changed";
    default:             return "removed";
    }
}

int config_check(const struct topology *t, FILE *out)
{
    char err[1024];
    struct journal *j = NULL;
    struct meta m = {0};
    struct meta_diff d;
    int rc = 0;

    if (journal_exists(t->journal_path)) {
        j = journal_open(t->journal_path, false, true, t->fsync, err, sizeof err);
        if (!j || meta_load(j, &m, err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", t->file, err);
            journal_close(j);
            return 1;
        }
    }
    meta_diff(&m, t, &d);
    for (size_t i = 0; i < d.n; i++) {
        const struct meta_diff_item *it = &d.v[i];
        fprintf(out, "%-10s %s (%s)", change_name(it->change), it->id, it->kind);
        if (it->change == META_CHANGED)
            fprintf(out, ": params changed: %s", it->keys);
        else if (it->change == META_REMOVED)
            fprintf(out, ": not in the topology; its entries stay in the journal");
        fputc('\n', out);
        if (it->change == META_CHANGED)
            fprintf(stderr, "%s:%d:%d: actor '%s' (%s): params changed since the journal "
                    "was written (%s); give it a new id to start it fresh, or retire "
                    "the old one with 'stratctl retire %s'\n",
                    t->file, it->line, it->col, it->id, it->kind, it->keys, it->id);
    }
    if (d.changed > 0) {
        fprintf(stderr, "%s: %zu actor(s) changed: a start would be refused\n", t->file,
                d.changed);
        rc = 2;
    } else if (!j) {
        fprintf(out, "%s: ok, %zu actors; no journal yet at %s (all start fresh)\n",
                t->file, t->n_actors, t->journal_path);
    } else {
        fprintf(out, "%s: ok, %zu actors, journal compatible\n", t->file, t->n_actors);
    }
    meta_diff_release(&d);
    meta_release(&m);
    journal_close(j);
    return rc;
}
