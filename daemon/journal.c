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
#include <dirent.h>

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
    char *read_error;         /* first failed read (damage), as logged */
};

struct journal_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ropts;
    bool started;
    uint64_t last;            /* lsn of the last entry returned, 0: none */
    char *error;              /* why the scan stopped early (damage) */
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

/* What a directory holds: nothing (absent or empty), a journal (CURRENT),
 * or files without CURRENT (some_file names one of them). */
enum dir_state { DIR_EMPTY, DIR_JOURNAL, DIR_NO_CURRENT, DIR_UNREADABLE };

static enum dir_state dir_state(const char *path, char *some_file, size_t len)
{
    DIR *dir;
    struct dirent *de;
    enum dir_state st = DIR_EMPTY;

    if (journal_exists(path))
        return DIR_JOURNAL;
    if (!(dir = opendir(path)))
        return errno == ENOENT ? DIR_EMPTY : DIR_UNREADABLE;
    while ((de = readdir(dir))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* prefer naming a RocksDB file: that is what the operator lost */
        if (st == DIR_EMPTY || strstr(de->d_name, ".sst") || strstr(de->d_name, "MANIFEST"))
            snprintf(some_file, len, "%s", de->d_name);
        st = DIR_NO_CURRENT;
    }
    closedir(dir);
    return st;
}

/* Before RocksDB sees the path: create only in an absent or empty
 * directory (RocksDB would otherwise start a fresh journal over the old
 * files and delete them). 0, or -1 with err filled. */
static int check_dir(const char *path, bool create, bool *fresh, char *err, size_t errlen)
{
    char some[256] = "", dir[4096] = "";

    *fresh = false;
    switch (dir_state(path, some, sizeof some)) {
    case DIR_JOURNAL:
        return 0;
    case DIR_UNREADABLE:
        snprintf(err, errlen, "opendir %s: %s", path, strerror(errno));
        return -1;
    case DIR_NO_CURRENT:
        snprintf(err, errlen, "corrupt journal at %s: the directory holds files (%s) but "
                 "no CURRENT (RocksDB's pointer to its manifest is lost); refusing to "
                 "create a new journal over them", path, some);
        return -1;
    case DIR_EMPTY:
        break;
    }
    if (!create) {
        snprintf(err, errlen, "no journal at %s", path);
        return -1;
    }
    /* RocksDB makes the last level, not its parents */
    if (proc_mkdir_parents(path, 0750, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    *fresh = true;
    return 0;
}

/* err for a failed rocksdb_open: the lock error is "in use", a corruption
 * status is damage (err then begins with "corrupt"), the rest as is. */
static void open_error(const char *path, bool read_only, const char *rerr,
                       char *err, size_t errlen)
{
    const char *call = read_only ? "rocksdb_open_for_read_only" : "rocksdb_open";

    if (strstr(rerr, "While lock file") || strstr(rerr, "/LOCK:"))
        snprintf(err, errlen, "%s: %s (another stratd, or stratctl retire, has this "
                 "journal open)", call, rerr);
    else if (strncmp(rerr, "Corruption", 10) == 0 || strstr(rerr, "orrupt"))
        snprintf(err, errlen, "corrupt journal at %s: %s: %s", path, call, rerr);
    else
        snprintf(err, errlen, "%s: %s", call, rerr);
}

/* RocksDB's WALRecoveryMode: kTolerateCorruptedTailRecords drops a torn
 * last record (a crash while writing) and fails the open on any other
 * damage; kPointInTimeRecovery stops at the first damage, silently;
 * kSkipAnyCorruptedRecords skips damaged records and reads on. */
enum { WAL_TOLERATE_TAIL = 0, WAL_POINT_IN_TIME = 2, WAL_SKIP_DAMAGE = 3 };

/* strict (stratd): at open every SST's size and footer, the manifest;
 * lenient (reading a damaged journal): open what can be opened, the reads
 * still verify checksums and report what they cannot read. Without
 * paranoid checks RocksDB also skips damaged WAL records whatever the
 * mode: the lenient reader (journal_verify.c) cuts at the gap. */
static void set_damage_options(rocksdb_options_t *opts, int wal_mode, bool lenient)
{
    rocksdb_options_set_paranoid_checks(opts, !lenient);
    rocksdb_options_set_skip_checking_sst_file_sizes_on_db_open(opts, lenient);
    rocksdb_options_set_wal_recovery_mode(opts, wal_mode);
}

static struct journal *open_db(const char *path, bool create, bool read_only,
                               enum fsync_policy fsync, int wal_mode, bool lenient,
                               char *err, size_t errlen)
{
    const char *names[CF_COUNT] = {"default", "meta"};
    const rocksdb_options_t *cf_opts[CF_COUNT];
    struct journal *j;
    char *rerr = NULL;
    bool fresh;

    if (check_dir(path, create && !read_only, &fresh, err, errlen) != 0)
        return NULL;

    j = xcalloc(1, sizeof *j);
    j->read_only = read_only;
    j->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(j->opts, fresh);
    rocksdb_options_set_create_missing_column_families(j->opts, fresh);
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
    set_damage_options(j->opts, wal_mode, lenient);
    for (int i = 0; i < CF_COUNT; i++)
        cf_opts[i] = j->opts;

    if (read_only)
        j->db = rocksdb_open_for_read_only_column_families(
            j->opts, path, CF_COUNT, names, cf_opts, j->cf, 0, &rerr);
    else
        j->db = rocksdb_open_column_families(j->opts, path, CF_COUNT, names,
                                             cf_opts, j->cf, &rerr);
    if (!j->db) {
        open_error(path, read_only, rerr, err, errlen);
        free(rerr);
        rocksdb_options_destroy(j->opts);
        free(j);
        return NULL;
    }
    j->batch = rocksdb_writebatch_create();
    j->wopts = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(j->wopts, fsync == FSYNC_ALWAYS);
    j->ropts = rocksdb_readoptions_create();
    rocksdb_readoptions_set_verify_checksums(j->ropts, 1);
    j->fopts = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(j->fopts, 1);
    return j;
}

struct journal *journal_open(const char *path, bool create, bool read_only,
                             enum fsync_policy fsync, char *err, size_t errlen)
{
    return open_db(path, create, read_only, fsync, WAL_TOLERATE_TAIL, false, err, errlen);
}

struct journal *journal_open_damaged(const char *path, bool skip_wal_damage,
                                     char *err, size_t errlen)
{
    struct journal *j;

    if (skip_wal_damage)
        return open_db(path, false, true, FSYNC_NONE, WAL_SKIP_DAMAGE, true, err, errlen);
    j = open_db(path, false, true, FSYNC_NONE, WAL_POINT_IN_TIME, false, err, errlen);
    if (!j)   /* e.g. a truncated SST, which only lenient checks let open */
        j = open_db(path, false, true, FSYNC_NONE, WAL_POINT_IN_TIME, true, err, errlen);
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
    free(j->read_error);
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

/* Record the first failed read: damage (or an unreadable disk). Logged
 * by the caller that decides what it means. */
static void read_failed(struct journal *j, const char *what, char *rerr)
{
    if (!j->read_error) {
        size_t n = strlen(what) + strlen(rerr) + 3;
        j->read_error = xmalloc(n);
        snprintf(j->read_error, n, "%s: %s", what, rerr);
    }
    free(rerr);
}

const char *journal_read_error(const struct journal *j)
{
    return j->read_error;
}

char *journal_meta_get(struct journal *j, const void *key, size_t klen, size_t *vlen)
{
    char *rerr = NULL, what[64];
    char *v = rocksdb_get_cf(j->db, j->ropts, j->cf[CF_META], key, klen, vlen, &rerr);

    if (rerr) {
        snprintf(what, sizeof what, "rocksdb_get meta key '%.*s'",
                 (int)(klen < 16 ? klen : 16), (const char *)key);
        read_failed(j, what, rerr);
        free(v);
        return NULL;
    }
    return v;
}

char *journal_get_entry(struct journal *j, uint64_t lsn, size_t *len)
{
    char *rerr = NULL, what[64];
    uint8_t key[8];
    char *v;

    journal_key_encode(key, lsn);
    v = rocksdb_get_cf(j->db, j->ropts, j->cf[CF_LOG], (const char *)key, 8, len, &rerr);
    if (rerr) {
        snprintf(what, sizeof what, "entry lsn %llu", (unsigned long long)lsn);
        read_failed(j, what, rerr);
        free(v);
        return NULL;
    }
    return v;
}

uint64_t journal_last_lsn(struct journal *j)
{
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(j->db, j->ropts, j->cf[CF_LOG]);
    uint64_t lsn = 0;
    char *rerr = NULL;
    size_t klen;

    rocksdb_iter_seek_to_last(it);
    if (rocksdb_iter_valid(it)) {
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen == 8)
            lsn = journal_key_decode((const uint8_t *)k);
        else
            rerr = strdup("a key that is not an lsn (not 8 bytes)");
    } else {
        rocksdb_iter_get_error(it, &rerr);
    }
    rocksdb_iter_destroy(it);
    if (rerr) {
        read_failed(j, "the last entry of the log", rerr);
        return 0;
    }
    return lsn;
}

struct journal_iter *journal_scan(struct journal *j, uint64_t from)
{
    struct journal_iter *it = xcalloc(1, sizeof *it);
    uint8_t key[8];

    it->ropts = rocksdb_readoptions_create();
    rocksdb_readoptions_set_fill_cache(it->ropts, 0);
    rocksdb_readoptions_set_readahead_size(it->ropts, 4 << 20);
    rocksdb_readoptions_set_verify_checksums(it->ropts, 1);
    it->it = rocksdb_create_iterator_cf(j->db, it->ropts, j->cf[CF_LOG]);
    it->last = from > 0 ? from - 1 : 0;
    journal_key_encode(key, from);
    rocksdb_iter_seek(it->it, (const char *)key, 8);
    return it;
}

static bool iter_fail(struct journal_iter *it, char *rerr)
{
    size_t n = strlen(rerr) + 64;

    it->error = xmalloc(n);
    snprintf(it->error, n, "after lsn %llu: %s", (unsigned long long)it->last, rerr);
    free(rerr);
    return false;
}

bool journal_iter_next(struct journal_iter *it, uint64_t *lsn,
                       const uint8_t **val, size_t *len)
{
    char *rerr = NULL;
    size_t klen;
    const char *k;

    if (it->error)
        return false;
    if (it->started)
        rocksdb_iter_next(it->it);
    it->started = true;
    if (!rocksdb_iter_valid(it->it)) {
        rocksdb_iter_get_error(it->it, &rerr);
        return rerr ? iter_fail(it, rerr) : false;
    }
    k = rocksdb_iter_key(it->it, &klen);
    if (klen != 8)
        return iter_fail(it, strdup("a key that is not an lsn (not 8 bytes)"));
    *lsn = it->last = journal_key_decode((const uint8_t *)k);
    *val = (const uint8_t *)rocksdb_iter_value(it->it, len);
    return true;
}

const char *journal_iter_error(const struct journal_iter *it)
{
    return it->error;
}

uint64_t journal_iter_last(const struct journal_iter *it)
{
    return it->last;
}

void journal_iter_free(struct journal_iter *it)
{
    if (!it)
        return;
    rocksdb_iter_destroy(it->it);
    rocksdb_readoptions_destroy(it->ropts);
    free(it->error);
    free(it);
}

int journal_meta_scan(struct journal *j, const void *prefix, size_t plen,
                      void (*fn)(void *arg, const uint8_t *k, size_t klen,
                                 const uint8_t *v, size_t vlen),
                      void *arg)
{
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(j->db, j->ropts, j->cf[CF_META]);
    char *rerr = NULL, what[64];
    size_t klen, vlen;

    for (rocksdb_iter_seek(it, prefix, plen); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen < plen || memcmp(k, prefix, plen) != 0)
            break;
        const char *v = rocksdb_iter_value(it, &vlen);
        fn(arg, (const uint8_t *)k, klen, (const uint8_t *)v, vlen);
    }
    if (!rocksdb_iter_valid(it))
        rocksdb_iter_get_error(it, &rerr);
    rocksdb_iter_destroy(it);
    if (rerr) {
        snprintf(what, sizeof what, "meta scan of keys '%.*s'", (int)(plen < 16 ? plen : 16),
                 (const char *)prefix);
        read_failed(j, what, rerr);
        return -1;
    }
    return 0;
}
