/*
 * journal.h — the append-only message log and its metadata, in RocksDB.
 *
 * Default column family: key = lsn as 8 bytes big-endian, value = a packed
 * Stratd__Entry. Keys only grow. Column family "meta": keys and values this
 * file does not interpret; meta.c writes and reads them (actor records,
 * watermarks, digests, markers: the keys are listed in meta.h).
 *
 * Writes go into one pending WriteBatch and reach RocksDB only at
 * journal_commit() (one per loop iteration). The first failed RocksDB call
 * is logged once, naming the call and the reason, and makes the journal
 * sticky-failed: every later write returns -1 at once.
 */
#ifndef STRATD_JOURNAL_H
#define STRATD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct journal;
struct journal_iter;

#define JOURNAL_FORMAT_VERSION 1

/* When a committed batch is made durable (YAML journal.fsync, Redis-style):
 * ALWAYS syncs each batch before any output of it leaves the process,
 * INTERVAL syncs every fsync_interval_ms (the runtime's timer calls
 * journal_sync), NONE leaves it to the OS. The order is topology.c's. */
enum fsync_policy { FSYNC_ALWAYS, FSYNC_INTERVAL, FSYNC_NONE };

/* "always", "interval" or "none", as written in the YAML. */
const char *journal_fsync_name(enum fsync_policy f);

void journal_key_encode(uint8_t out[8], uint64_t lsn);
uint64_t journal_key_decode(const uint8_t in[8]);

/* Open (creating when `create`) the journal at path. read_only opens without
 * the lock, safe beside a running daemon. Returns NULL and fills err; err
 * begins with "corrupt" when the journal is damaged (a checksum, a
 * truncated file, RocksDB's WAL damaged beyond a torn last record, files
 * without CURRENT). A journal is created only in an absent or empty
 * directory, never over existing files. */
struct journal *journal_open(const char *path, bool create, bool read_only,
                             enum fsync_policy fsync, char *err, size_t errlen);
/* Read-only and lenient, for verify and salvage: RocksDB's WAL recovered
 * up to its first damage (or, with skip_wal_damage, past damaged records:
 * to count what lies beyond), SST sizes not checked at open (a truncated
 * file fails its reads instead). Reads still verify checksums. */
struct journal *journal_open_damaged(const char *path, bool skip_wal_damage,
                                     char *err, size_t errlen);
void journal_close(struct journal *j);

/* True when a directory exists at path (journal_open would find data). */
bool journal_exists(const char *path);

/* Staging into the pending batch. The bytes are copied. */
void journal_append(struct journal *j, uint64_t lsn, const void *val, size_t len);
void journal_meta_put(struct journal *j, const void *key, size_t klen,
                      const void *val, size_t vlen);
void journal_meta_delete(struct journal *j, const void *key, size_t klen);
size_t journal_pending(const struct journal *j);  /* staged operations */

/* Write the pending batch (sync=true under FSYNC_ALWAYS). 0 or -1. */
int journal_commit(struct journal *j);
/* fsync RocksDB's WAL (FSYNC_INTERVAL timer). 0 or -1. */
int journal_sync(struct journal *j);
/* Flush memtables to SST files (clean shutdown). 0 or -1. */
int journal_flush(struct journal *j);
#ifdef STRATD_TEST_HOOKS
/* Test builds only: make the commit after `commits` more succeed fail as an
 * I/O error would (fault injection; absent from release binaries). */
void journal_inject_fault(long commits);
/* Likewise for the WAL sync (journal_sync) after `syncs` more succeed. */
void journal_inject_sync_fault(long syncs);
#endif
/* Sticky failure: non-NULL after the first failed write. */
const char *journal_error(const struct journal *j);

/* Reads (committed data only; block checksums verified). A failed read is
 * damage, never "absent" or "the end": it is recorded, and
 * journal_read_error() returns the first one (NULL: none), for the caller
 * to check after its reads and report.
 *
 * journal_meta_get returns a malloc'd copy (caller frees) or NULL when
 * absent or unreadable. journal_last_lsn: 0 when empty or unreadable. */
char *journal_meta_get(struct journal *j, const void *key, size_t klen,
                       size_t *vlen);
uint64_t journal_last_lsn(struct journal *j);
const char *journal_read_error(const struct journal *j);
/* One entry by its lsn (a point read: RocksDB opens only the file that
 * holds it). malloc'd (caller frees), or NULL when absent or unreadable. */
char *journal_get_entry(struct journal *j, uint64_t lsn, size_t *len);

/* Scan entries with lsn >= from, in lsn order. The value returned by next is
 * borrowed until the following next/free. next returns false at the end or
 * on damage: journal_iter_error() then says which (NULL: the end) and
 * names the last good lsn. journal_iter_last: the lsn of the last entry
 * returned (from - 1 before the first). An iterator belongs to the thread
 * that uses it; it does not touch journal_read_error. */
struct journal_iter *journal_scan(struct journal *j, uint64_t from);
bool journal_iter_next(struct journal_iter *it, uint64_t *lsn,
                       const uint8_t **val, size_t *len);
const char *journal_iter_error(const struct journal_iter *it);
uint64_t journal_iter_last(const struct journal_iter *it);
void journal_iter_free(struct journal_iter *it);

/* Scan the meta column family for keys starting with prefix; fn is called
 * with borrowed key and value. 0, or -1 when a read failed
 * (journal_read_error). */
int journal_meta_scan(struct journal *j, const void *prefix, size_t plen,
                      void (*fn)(void *arg, const uint8_t *k, size_t klen,
                                 const uint8_t *v, size_t vlen),
                      void *arg);

#endif
