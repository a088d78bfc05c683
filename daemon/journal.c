/*
 * journal.c — the journal in RocksDB (see journal.h for the contract).
 *
 *   column family "default":  lsn (8 bytes BE)  -> packed Stratd__Entry
 *   column family "meta":     metadata, opaque here (keys: meta.h)
 *
 * State of the write side:
 *
 *   OK ──journal_commit/sync/flush() fails──> FAILED (sticky: error logged
 *    ^                                  once, every later write, sync or
 *    └── journal_commit() ok ──┘        flush returns -1 without RocksDB)
 *
 * A WriteBatch accumulates everything of one loop iteration and is written
 * with a single rocksdb_write: the batch lands whole or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rocksdb/c.h>

#include "journal.h"
#include "log.h"
#include "proc.h"
#include "xalloc.h"

enum { CF_LOG, CF_META, CF_COUNT };

struct journal {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_column_family_handle_t *cf[CF_COUNT];
    rocksdb_writebatch_t *batch;
    rocksdb_writeoptions_t *wopts;
    rocksdb_readoptions_t *ropts;
    rocksdb_flushoptions_t *fopts;
    size_t pending;
    bool read_only;
    char *error;              /* sticky: first failed write, as logged */
};

struct journal_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ropts;
    bool started;
};

void journal_key_encode(uint8_t out[8], uint64_t lsn)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)lsn;
        lsn >>= 8;
    }
}

uint64_t journal_key_decode(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

const char *journal_fsync_name(enum fsync_policy f)
{
    return f == FSYNC_ALWAYS ? "always" : f == FSYNC_NONE ? "none" : "interval";
}

bool journal_exists(const char *path)
{
    struct stat st;
    char cur[4096];

    snprintf(cur, sizeof cur, "%s/CURRENT", path);
    return stat(cur, &st) == 0;
}

struct journal *journal_open(const char *path, bool create, bool read_only,
                             enum fsync_policy fsync, char *err, size_t errlen)
{
    const char *names[CF_COUNT] = {"default", "meta"};
    const rocksdb_options_t *cf_opts[CF_COUNT];
    struct journal *j;
    char *rerr = NULL, dir[4096] = "";

    if (!create && !journal_exists(path)) {
        snprintf(err, errlen, "no journal at %s", path);
        return NULL;
    }
    /* RocksDB makes the last level, not its parents */
    if (create && proc_mkdir_parents(path, 0750, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return NULL;
    }

    j = xcalloc(1, sizeof *j);
    j->read_only = read_only;
    j->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(j->opts, create);
    rocksdb_options_set_create_missing_column_families(j->opts, create);
    rocksdb_options_set_compression(j->opts, rocksdb_lz4_compression);
    rocksdb_options_set_write_buffer_size(j->opts, 64 << 20);
    rocksdb_options_set_max_write_buffer_number(j->opts, 4);
    rocksdb_options_set_target_file_size_base(j->opts, 64 << 20);
    rocksdb_options_increase_parallelism(j->opts, 2);
    rocksdb_options_set_max_open_files(j->opts, 512);
    /* RocksDB's own info LOG sits in the journal directory, on the same
     * disk: once a line of it fails to reach a full disk, its next line
     * aborts the process (an assertion in RocksDB's file writer). So it
     * takes header lines only, which RocksDB writes at open if at all:
     * the reason of a failure reaches our log as the status of the call
     * that failed. */
    rocksdb_options_set_info_log_level(j->opts, 5 /* header: none in 7.8 */);
    rocksdb_options_set_keep_log_file_num(j->opts, 2);
    for (int i = 0; i < CF_COUNT; i++)
        cf_opts[i] = j->opts;

    if (read_only)
        j->db = rocksdb_open_for_read_only_column_families(
            j->opts, path, CF_COUNT, names, cf_opts, j->cf, 0, &rerr);
    else
        j->db = rocksdb_open_column_families(j->opts, path, CF_COUNT, names,
                                             cf_opts, j->cf, &rerr);
    if (!j->db) {
        snprintf(err, errlen, "%s: %s%s",
                 read_only ? "rocksdb_open_for_read_only" : "rocksdb_open", rerr,
                 strstr(rerr, "lock") ? " (another stratd, or stratctl retire, has this "
                                        "journal open)" : "");
        free(rerr);
        rocksdb_options_destroy(j->opts);
        free(j);
        return NULL;
    }
    j->batch = rocksdb_writebatch_create();
    j->wopts = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(j->wopts, fsync == FSYNC_ALWAYS);
    j->ropts = rocksdb_readoptions_create();
    j->fopts = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(j->fopts, 1);
    return j;
}

void journal_close(struct journal *j)
{
    if (!j)
        return;
    for (int i = 0; i < CF_COUNT; i++)
        rocksdb_column_family_handle_destroy(j->cf[i]);
    rocksdb_close(j->db);
    rocksdb_writebatch_destroy(j->batch);
    rocksdb_writeoptions_destroy(j->wopts);
    rocksdb_readoptions_destroy(j->ropts);
    rocksdb_flushoptions_destroy(j->fopts);
    rocksdb_options_destroy(j->opts);
    free(j->error);
    free(j);
}

/* Record the first failure; later ones are consequences, not news. */
static int fail(struct journal *j, const char *call, char *rerr)
{
    if (!j->error) {
        size_t n = strlen(call) + strlen(rerr) + 3;
        j->error = malloc(n);
        if (j->error)
            snprintf(j->error, n, "%s: %s", call, rerr);
        log_error("%s: %s", call, rerr);
    }
    free(rerr);
    return -1;
}

const char *journal_error(const struct journal *j)
{
    return j->error;
}

void journal_append(struct journal *j, uint64_t lsn, const void *val, size_t len)
{
    uint8_t key[8];

    journal_key_encode(key, lsn);
    rocksdb_writebatch_put_cf(j->batch, j->cf[CF_LOG], (const char *)key, 8, val, len);
    j->pending++;
}

void journal_meta_put(struct journal *j, const void *key, size_t klen,
                      const void *val, size_t vlen)
{
    rocksdb_writebatch_put_cf(j->batch, j->cf[CF_META], key, klen, val, vlen);
    j->pending++;
}

void journal_meta_delete(struct journal *j, const void *key, size_t klen)
{
    rocksdb_writebatch_delete_cf(j->batch, j->cf[CF_META], key, klen);
    j->pending++;
}

size_t journal_pending(const struct journal *j)
{
    return j->pending;
}

#ifdef STRATD_TEST_HOOKS
static long fault_after = -1;        /* commits left before an injected fault */
static long sync_fault_after = -1;   /* WAL syncs left before one */

void journal_inject_fault(long commits)
{
    fault_after = commits;
}

void journal_inject_sync_fault(long syncs)
{
    sync_fault_after = syncs;
}
/* True for the commit (sync) that must fail; counts the others down. */
#define fault_now() (fault_after >= 0 && fault_after-- == 0)
#define sync_fault_now() (sync_fault_after >= 0 && sync_fault_after-- == 0)
#else
#define fault_now() 0
#define sync_fault_now() 0
#endif

int journal_commit(struct journal *j)
{
    char *rerr = NULL;

    if (j->error) {
        rocksdb_writebatch_clear(j->batch);
        j->pending = 0;
        return -1;
    }
    if (j->pending == 0)
        return 0;
    if (fault_now())
        rerr = strdup("IO error: injected fault");
    else
        rocksdb_write(j->db, j->wopts, j->batch, &rerr);
    rocksdb_writebatch_clear(j->batch);
    j->pending = 0;
    if (rerr)
        return fail(j, "rocksdb_write", rerr);
    return 0;
}

int journal_sync(struct journal *j)
{
    char *rerr = NULL;

    if (j->error)
        return -1;
    if (sync_fault_now())
        rerr = strdup("IO error: injected fault");
    else
        rocksdb_flush_wal(j->db, 1, &rerr);
    if (rerr)
        return fail(j, "rocksdb_flush_wal", rerr);
    return 0;
}

int journal_flush(struct journal *j)
{
    char *rerr = NULL;

    if (j->error)
        return -1;
    rocksdb_flush_cf(j->db, j->fopts, j->cf[CF_META], &rerr);
    if (!rerr)
        rocksdb_flush_cf(j->db, j->fopts, j->cf[CF_LOG], &rerr);
    if (rerr)
        return fail(j, "rocksdb_flush", rerr);
    return 0;
}

char *journal_meta_get(struct journal *j, const void *key, size_t klen, size_t *vlen)
{
    char *rerr = NULL;
    char *v = rocksdb_get_cf(j->db, j->ropts, j->cf[CF_META], key, klen, vlen, &rerr);

    if (rerr) {
        log_error("rocksdb_get: %s", rerr);
        free(rerr);
        return NULL;
    }
    return v;
}

uint64_t journal_last_lsn(struct journal *j)
{
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(j->db, j->ropts, j->cf[CF_LOG]);
    uint64_t lsn = 0;
    size_t klen;

    rocksdb_iter_seek_to_last(it);
    if (rocksdb_iter_valid(it)) {
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen == 8)
            lsn = journal_key_decode((const uint8_t *)k);
    }
    rocksdb_iter_destroy(it);
    return lsn;
}

struct journal_iter *journal_scan(struct journal *j, uint64_t from)
{
    struct journal_iter *it = xcalloc(1, sizeof *it);
    uint8_t key[8];

    it->ropts = rocksdb_readoptions_create();
    rocksdb_readoptions_set_fill_cache(it->ropts, 0);
    rocksdb_readoptions_set_readahead_size(it->ropts, 4 << 20);
    rocksdb_readoptions_set_verify_checksums(it->ropts, 0);
    it->it = rocksdb_create_iterator_cf(j->db, it->ropts, j->cf[CF_LOG]);
    journal_key_encode(key, from);
    rocksdb_iter_seek(it->it, (const char *)key, 8);
    return it;
}

bool journal_iter_next(struct journal_iter *it, uint64_t *lsn,
                       const uint8_t **val, size_t *len)
{
    size_t klen;
    const char *k;

    if (it->started)
        rocksdb_iter_next(it->it);
    it->started = true;
    if (!rocksdb_iter_valid(it->it))
        return false;
    k = rocksdb_iter_key(it->it, &klen);
    if (klen != 8)
        return false;
    *lsn = journal_key_decode((const uint8_t *)k);
    *val = (const uint8_t *)rocksdb_iter_value(it->it, len);
    return true;
}

void journal_iter_free(struct journal_iter *it)
{
    if (!it)
        return;
    rocksdb_iter_destroy(it->it);
    rocksdb_readoptions_destroy(it->ropts);
    free(it);
}

void journal_meta_scan(struct journal *j, const void *prefix, size_t plen,
                       void (*fn)(void *arg, const uint8_t *k, size_t klen,
                                  const uint8_t *v, size_t vlen),
                       void *arg)
{
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(j->db, j->ropts, j->cf[CF_META]);
    size_t klen, vlen;

    for (rocksdb_iter_seek(it, prefix, plen); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen < plen || memcmp(k, prefix, plen) != 0)
            break;
        const char *v = rocksdb_iter_value(it, &vlen);
        fn(arg, (const uint8_t *)k, klen, (const uint8_t *)v, vlen);
    }
    rocksdb_iter_destroy(it);
}
