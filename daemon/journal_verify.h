/*
 * journal_verify.h — reading a whole journal for damage (stratctl journal
 * verify) and copying its longest sound prefix into a new journal
 * (stratctl journal salvage). Neither ever writes to the journal it reads;
 * both are safe beside a running daemon (read-only opens).
 *
 * The sound prefix: entries 1..N such that each was read (checksums
 * verified), decodes, holds nothing this build does not know, follows the
 * previous lsn, and names only actor numbers whose metadata record reads.
 * It ends before the first entry that fails any of these.
 */
#ifndef STRATD_JOURNAL_VERIFY_H
#define STRATD_JOURNAL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JV_PROBLEMS 8

struct jv_report {
    bool strict_open;         /* the journal opened as stratd opens it */
    uint64_t entries;         /* the sound prefix: lsn 1..entries */
    uint64_t last_lsn;        /* the last lsn RocksDB shows (0: empty/unknown) */
    uint64_t wal_last;        /* WAL damage: the last lsn readable past it */
    uint64_t bad_lsn;         /* first bad lsn (0: the entries are sound) */
    size_t actors, retired, watermarks;
    bool clean;
    size_t n_problems;        /* all found; the first JV_PROBLEMS are kept */
    char problem[JV_PROBLEMS][512];
};

/* Read everything of the journal at path: 0 sound, 1 damaged (or not
 * readable at all), r filled either way. */
int journal_verify(const char *path, struct jv_report *r);

struct jv_salvage {
    uint64_t kept;            /* entries 1..kept copied */
    size_t actors_kept, actors_dropped;
    size_t watermarks_clamped, watermarks_set;
};

/* Write into to (absent or empty) a new journal holding the sound prefix
 * of path and metadata consistent with it (see journal_salvage in
 * journal_verify.c for the rule). r gets what verify would say of path.
 * 0, or -1 with err filled. */
int journal_salvage(const char *path, const char *to, struct jv_report *r,
                    struct jv_salvage *s, char *err, size_t errlen);

/* A journal RocksDB refuses to open: when its WAL is the damage, *prefix
 * is the last lsn before it and *beyond the last lsn readable past it
 * (so beyond - prefix entries at least are lost). 0, or -1 when that
 * cannot be told. */
int journal_wal_damage(const char *path, uint64_t *prefix, uint64_t *beyond);

#endif
