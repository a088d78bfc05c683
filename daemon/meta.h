/*
 * meta.h — the journal's metadata column family: what is known of each
 * actor (uuid, permanent number, kind, params), its handled watermark, the
 * digests stored at a clean stop, and the daemon's markers.
 *
 *   "A" uuid[16]       -> Stratd__ActorMeta (actors of the journal)
 *   "R" number[4 BE]   -> Stratd__ActorMeta (retired: its entries stay, its
 *                         id may be given to a new actor)
 *   "W" number[4 BE]   -> watermark, 8 bytes BE (last lsn handled)
 *   "D" number[4 BE]   -> digest, 8 bytes BE (written at a clean stop)
 *   "clean"            -> present after a clean stop, deleted when live
 *   "format"           -> JOURNAL_FORMAT_VERSION, 4 bytes BE
 */
#ifndef STRATD_META_H
#define STRATD_META_H

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"
#include "topology.h"

struct meta_actor {
    uint8_t uuid[16];
    uint32_t number;
    char *id, *kind, *params;
    uint64_t params_hash;
    bool retired;
    uint64_t watermark;
    bool has_digest;
    uint64_t digest;
};

struct meta {
    struct meta_actor *actors;   /* sorted by number */
    size_t n;
    uint32_t max_number;
    bool clean;                  /* the last stop was clean */
    uint32_t format;             /* 0: new journal */
};

/* Read every metadata record. 0, or -1 with err filled: a journal format
 * this build does not know, or damage (err then begins with "corrupt" and
 * names the key: a record that does not decode or has fields this build
 * does not know, a watermark or digest not 8 bytes or of no actor, a
 * marker of the wrong form, a failed read). Never "treat as new". */
int meta_load(struct journal *j, struct meta *m, char *err, size_t errlen);
/* A metadata key for a message: its tag letter, then the rest in hex. */
void meta_key_name(char *out, size_t len, const uint8_t *k, size_t klen);
void meta_release(struct meta *m);
/* Lookups skip retired actors. */
struct meta_actor *meta_find_uuid(const struct meta *m, const uint8_t uuid[16]);
struct meta_actor *meta_find_id(const struct meta *m, const char *id);
/* Stage: a becomes retired (its record moves from "A" to "R", its
 * watermark and digest go). */
void meta_retire(struct journal *j, const struct meta_actor *a);

/* Staging into the journal's pending batch. */
void meta_put_actor(struct journal *j, const uint8_t uuid[16], uint32_t number,
                    const struct topo_actor *t, bool retired);
void meta_put_watermark(struct journal *j, uint32_t number, uint64_t lsn);
void meta_put_digest(struct journal *j, uint32_t number, uint64_t digest);
void meta_delete_digest(struct journal *j, uint32_t number);
void meta_put_clean(struct journal *j, bool clean);
void meta_put_format(struct journal *j);

/* How the topology relates to the journal. */
enum meta_change { META_NEW, META_UNCHANGED, META_CHANGED, META_REMOVED };

struct meta_diff_item {
    enum meta_change change;
    const char *id;              /* borrowed from topology or meta */
    const char *kind;
    char *keys;                  /* META_CHANGED: "fast, slow" (owned) */
    int line, col;               /* in the topology, when there */
};

struct meta_diff {
    struct meta_diff_item *v;
    size_t n, changed;
};

void meta_diff(const struct meta *m, const struct topology *t, struct meta_diff *d);
void meta_diff_release(struct meta_diff *d);

#endif
