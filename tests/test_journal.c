/*
 * test_journal.c — the RocksDB journal (journal.h) and its metadata
 * (meta.h): key encoding, open/create, the staged batch and what becomes
 * visible at commit, ordered scans, reopen, read-only opens, the metadata
 * records and their round trip, the topology/metadata diff, and the sticky
 * write failure.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "journal.h"
#include "meta.h"
#include "topology.h"
#include "uuid.h"

#include "testutil.h"

extern const struct actor_kind probe_kind;

/* A journal in a fresh temp dir. */
struct jfix {
    char dir[160], path[200];
    struct journal *j;
};

static void jfix_open(struct jfix *f)
{
    char err[512];

    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->path, sizeof f->path, "%s/journal", f->dir);
    f->j = journal_open(f->path, true, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(f->j != NULL, "journal_open: %s", err);
}

static void jfix_reopen(struct jfix *f, bool read_only)
{
    char err[512];

    journal_close(f->j);
    f->j = journal_open(f->path, false, read_only, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(f->j != NULL, "journal_open: %s", err);
}

static void jfix_close(struct jfix *f)
{
    journal_close(f->j);
    f->j = NULL;
    tu_rmrf(f->dir);
}

static void append_text(struct journal *j, uint64_t lsn, const char *prefix)
{
    char v[64];
    int n = snprintf(v, sizeof v, "%s%llu", prefix, (unsigned long long)lsn);
    journal_append(j, lsn, v, (size_t)n);
}

/* Scan from `from`; the lsns seen go to out (at most max), values are
 * checked against "<prefix><lsn>". Returns the count. */
static size_t scan_lsns(struct journal *j, uint64_t from, const char *prefix,
                        uint64_t *out, size_t max)
{
    struct journal_iter *it = journal_scan(j, from);
    const uint8_t *val;
    uint64_t lsn;
    size_t len, n = 0;
    char want[64];

    while (journal_iter_next(it, &lsn, &val, &len)) {
        int w = snprintf(want, sizeof want, "%s%llu", prefix, (unsigned long long)lsn);
        ck_assert_uint_eq(len, (size_t)w);
        ck_assert_mem_eq(val, want, len);
        if (n < max)
            out[n] = lsn;
        n++;
    }
    journal_iter_free(it);
    return n;
}

/* ---- key encoding ---------------------------------------------------------- */

static const uint64_t key_values[] = {
    0, 1, 2, 127, 128, 255, 256, 257, 65535, 65536, 0xffffffull,
    0xfffffffeull, 0xffffffffull, 0x100000000ull, 0x100000001ull,
    0xff00000000ull, 0x10000000000ull, 0x00ffffffffffffffull,
    0x0100000000000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0x8000000000000001ull, UINT64_MAX - 1, UINT64_MAX,
};
#define N_KEYS (sizeof key_values / sizeof key_values[0])

START_TEST(test_key_bytes)
{
    static const uint8_t k256[8] = {0, 0, 0, 0, 0, 0, 1, 0};
    static const uint8_t k2_32[8] = {0, 0, 0, 1, 0, 0, 0, 0};
    static const uint8_t kseq[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t kmax[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t zero[8] = {0};
    uint8_t k[8];

    journal_key_encode(k, 0);
    ck_assert_mem_eq(k, zero, 8);
    journal_key_encode(k, 256);
    ck_assert_mem_eq(k, k256, 8);
    journal_key_encode(k, 0x100000000ull);
    ck_assert_mem_eq(k, k2_32, 8);
    journal_key_encode(k, 0x0102030405060708ull);
    ck_assert_mem_eq(k, kseq, 8);
    journal_key_encode(k, UINT64_MAX);
    ck_assert_mem_eq(k, kmax, 8);
    ck_assert_uint_eq(journal_key_decode(kseq), 0x0102030405060708ull);
    ck_assert_uint_eq(journal_key_decode(kmax), UINT64_MAX);
}
END_TEST

START_TEST(test_key_order_and_round_trip)
{
    uint8_t ka[8], kb[8];
    uint64_t x = 12345;

    /* every pair of the boundary values: byte order == numeric order */
    for (size_t a = 0; a < N_KEYS; a++) {
        journal_key_encode(ka, key_values[a]);
        ck_assert_uint_eq(journal_key_decode(ka), key_values[a]);
        for (size_t b = 0; b < N_KEYS; b++) {
            int c;
            journal_key_encode(kb, key_values[b]);
            c = memcmp(ka, kb, 8);
            if (key_values[a] < key_values[b])
                ck_assert_int_lt(c, 0);
            else if (key_values[a] > key_values[b])
                ck_assert_int_gt(c, 0);
            else
                ck_assert_int_eq(c, 0);
        }
    }
    /* and a deterministic spread of others, neighbours included */
    for (int i = 0; i < 20000; i++) {
        uint64_t v, w;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        v = x >> (i % 64);
        w = i % 3 == 0 ? v + 1 : x;
        journal_key_encode(ka, v);
        journal_key_encode(kb, w);
        ck_assert_uint_eq(journal_key_decode(ka), v);
        ck_assert_uint_eq(journal_key_decode(kb), w);
        if (v < w)
            ck_assert_int_lt(memcmp(ka, kb, 8), 0);
        else if (v > w)
            ck_assert_int_gt(memcmp(ka, kb, 8), 0);
        else
            ck_assert_int_eq(memcmp(ka, kb, 8), 0);
    }
}
END_TEST

/* ---- open ---------------------------------------------------------------------- */

START_TEST(test_fsync_names)
{
    /* the names of the YAML (topology.c parses them in the enum's order) */
    ck_assert_str_eq(journal_fsync_name(FSYNC_ALWAYS), "always");
    ck_assert_str_eq(journal_fsync_name(FSYNC_INTERVAL), "interval");
    ck_assert_str_eq(journal_fsync_name(FSYNC_NONE), "none");
}
END_TEST

START_TEST(test_open_missing_no_create)
{
    char dir[160], path[256], err[512] = "";
    struct journal *j;

    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/nothing/here", dir);
    ck_assert(!journal_exists(path));
    j = journal_open(path, false, false, FSYNC_NONE, err, sizeof err);
    ck_assert_ptr_null(j);
    {
        char want[300];
        snprintf(want, sizeof want, "no journal at %s", path);
        ck_assert_str_eq(err, want);
    }
    err[0] = '\0';
    j = journal_open(path, false, true, FSYNC_NONE, err, sizeof err);
    ck_assert_ptr_null(j);
    ck_assert_ptr_nonnull(strstr(err, "no journal at "));
    /* nothing was made on the way */
    ck_assert(!journal_exists(path));
    {
        struct stat st;
        snprintf(path, sizeof path, "%s/nothing", dir);
        ck_assert_int_ne(stat(path, &st), 0);
    }
    tu_rmrf(dir);
}
END_TEST

START_TEST(test_open_create)
{
    char dir[160], path[256], err[512] = "";
    struct journal *j;

    tu_tmpdir(dir, sizeof dir);
    /* parents are made too */
    snprintf(path, sizeof path, "%s/a/b/journal", dir);
    j = journal_open(path, true, false, FSYNC_ALWAYS, err, sizeof err);
    ck_assert_msg(j != NULL, "journal_open: %s", err);
    ck_assert(journal_exists(path));
    ck_assert_uint_eq(journal_last_lsn(j), 0);
    ck_assert_uint_eq(journal_pending(j), 0);
    ck_assert_ptr_null(journal_error(j));
    ck_assert_int_eq(journal_commit(j), 0);   /* nothing staged: fine */
    journal_close(j);

    /* a second open of a live journal is refused (the lock) */
    j = journal_open(path, false, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(j != NULL, "journal_open: %s", err);
    {
        char err2[512] = "";
        struct journal *j2 = journal_open(path, false, false, FSYNC_NONE, err2, sizeof err2);
        ck_assert_ptr_null(j2);
        ck_assert_msg(strncmp(err2, "rocksdb_open: ", 14) == 0, "err: %s", err2);
        ck_assert_msg(strstr(err2, "another stratd") != NULL, "err: %s", err2);
    }
    journal_close(j);
    tu_rmrf(dir);
}
END_TEST

/* ---- write, commit, scan ---------------------------------------------------- */

START_TEST(test_append_commit_scan)
{
    struct jfix f;
    uint64_t seen[64];
    size_t n;

    jfix_open(&f);
    /* staged out of order: the keys order them */
    for (uint64_t lsn = 6; lsn <= 12; lsn++)
        append_text(f.j, lsn, "v");
    for (uint64_t lsn = 1; lsn <= 5; lsn++)
        append_text(f.j, lsn, "v");
    ck_assert_uint_eq(journal_pending(f.j), 12);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_uint_eq(journal_pending(f.j), 0);

    n = scan_lsns(f.j, 1, "v", seen, 64);
    ck_assert_uint_eq(n, 12);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(seen[i], i + 1);
    n = scan_lsns(f.j, 0, "v", seen, 64);
    ck_assert_uint_eq(n, 12);
    ck_assert_uint_eq(seen[0], 1);
    n = scan_lsns(f.j, 7, "v", seen, 64);
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(seen[i], 7 + i);
    ck_assert_uint_eq(scan_lsns(f.j, 12, "v", seen, 64), 1);
    ck_assert_uint_eq(seen[0], 12);
    ck_assert_uint_eq(scan_lsns(f.j, 13, "v", seen, 64), 0);
    ck_assert_uint_eq(scan_lsns(f.j, UINT64_MAX, "v", seen, 64), 0);

    /* lsns across byte boundaries keep numeric order in the scan */
    append_text(f.j, 255, "v");
    append_text(f.j, 256, "v");
    append_text(f.j, 65536, "v");
    append_text(f.j, 0x100000000ull, "v");
    ck_assert_int_eq(journal_commit(f.j), 0);
    n = scan_lsns(f.j, 13, "v", seen, 64);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(seen[0], 255);
    ck_assert_uint_eq(seen[1], 256);
    ck_assert_uint_eq(seen[2], 65536);
    ck_assert_uint_eq(seen[3], 0x100000000ull);
    n = scan_lsns(f.j, 257, "v", seen, 64);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(seen[0], 65536);
    jfix_close(&f);
}
END_TEST

START_TEST(test_nothing_visible_before_commit)
{
    struct jfix f;
    uint64_t seen[8];
    size_t vlen = 99;
    char *v;

    jfix_open(&f);
    append_text(f.j, 1, "x");
    append_text(f.j, 2, "x");
    journal_meta_put(f.j, "k1", 2, "val", 3);
    ck_assert_uint_eq(journal_pending(f.j), 3);
    ck_assert_uint_eq(scan_lsns(f.j, 1, "x", seen, 8), 0);
    ck_assert_uint_eq(journal_last_lsn(f.j), 0);
    ck_assert_ptr_null(journal_meta_get(f.j, "k1", 2, &vlen));

    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_uint_eq(scan_lsns(f.j, 1, "x", seen, 8), 2);
    ck_assert_uint_eq(journal_last_lsn(f.j), 2);
    v = journal_meta_get(f.j, "k1", 2, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, 3);
    ck_assert_mem_eq(v, "val", 3);
    free(v);

    /* a second batch is again invisible until its commit */
    append_text(f.j, 3, "x");
    journal_meta_delete(f.j, "k1", 2);
    ck_assert_uint_eq(journal_last_lsn(f.j), 2);
    v = journal_meta_get(f.j, "k1", 2, &vlen);
    ck_assert_ptr_nonnull(v);
    free(v);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_uint_eq(journal_last_lsn(f.j), 3);
    ck_assert_ptr_null(journal_meta_get(f.j, "k1", 2, &vlen));
    jfix_close(&f);
}
END_TEST

START_TEST(test_meta_put_get_delete)
{
    static const uint8_t bin_key[] = {'W', 0, 0, 0, 7};
    static const uint8_t bin_val[] = {0, 1, 0, 2, 0xff, 0};
    struct jfix f;
    size_t vlen;
    char *v;

    jfix_open(&f);
    journal_meta_put(f.j, "alpha", 5, "one", 3);
    journal_meta_put(f.j, bin_key, sizeof bin_key, bin_val, sizeof bin_val);
    journal_meta_put(f.j, "empty", 5, "", 0);
    ck_assert_int_eq(journal_commit(f.j), 0);

    v = journal_meta_get(f.j, "alpha", 5, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, 3);
    ck_assert_mem_eq(v, "one", 3);
    free(v);
    v = journal_meta_get(f.j, bin_key, sizeof bin_key, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, sizeof bin_val);
    ck_assert_mem_eq(v, bin_val, sizeof bin_val);
    free(v);
    /* a key that is a prefix of another is a different key */
    ck_assert_ptr_null(journal_meta_get(f.j, "alph", 4, &vlen));
    ck_assert_ptr_null(journal_meta_get(f.j, bin_key, 4, &vlen));

    /* overwrite, then delete */
    journal_meta_put(f.j, "alpha", 5, "two!", 4);
    ck_assert_int_eq(journal_commit(f.j), 0);
    v = journal_meta_get(f.j, "alpha", 5, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, 4);
    ck_assert_mem_eq(v, "two!", 4);
    free(v);
    journal_meta_delete(f.j, "alpha", 5);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_ptr_null(journal_meta_get(f.j, "alpha", 5, &vlen));
    /* the others stay; meta keys are not log entries */
    v = journal_meta_get(f.j, "empty", 5, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, 0);
    free(v);
    ck_assert_uint_eq(journal_last_lsn(f.j), 0);
    ck_assert_uint_eq(tu_count_entries(f.j, 0), 0);
    jfix_close(&f);
}
END_TEST

struct scan_seen {
    int n;
    char keys[8][16];
};

static void collect_key(void *arg, const uint8_t *k, size_t klen, const uint8_t *v,
                        size_t vlen)
{
    struct scan_seen *s = arg;
    (void)v, (void)vlen;
    ck_assert_int_lt(s->n, 8);
    ck_assert_uint_lt(klen, 16);
    memcpy(s->keys[s->n], k, klen);
    s->keys[s->n][klen] = '\0';
    s->n++;
}

START_TEST(test_meta_scan_prefix)
{
    struct jfix f;
    struct scan_seen s = {0};

    jfix_open(&f);
    journal_meta_put(f.j, "Bz", 2, "1", 1);
    journal_meta_put(f.j, "Ab", 2, "1", 1);
    journal_meta_put(f.j, "Ba", 2, "1", 1);
    journal_meta_put(f.j, "B", 1, "1", 1);
    journal_meta_put(f.j, "C", 1, "1", 1);
    ck_assert_int_eq(journal_commit(f.j), 0);
    journal_meta_scan(f.j, "B", 1, collect_key, &s);
    ck_assert_int_eq(s.n, 3);
    ck_assert_str_eq(s.keys[0], "B");
    ck_assert_str_eq(s.keys[1], "Ba");
    ck_assert_str_eq(s.keys[2], "Bz");
    memset(&s, 0, sizeof s);
    journal_meta_scan(f.j, "D", 1, collect_key, &s);
    ck_assert_int_eq(s.n, 0);
    jfix_close(&f);
}
END_TEST

START_TEST(test_last_lsn)
{
    struct jfix f;

    jfix_open(&f);
    ck_assert_uint_eq(journal_last_lsn(f.j), 0);
    for (uint64_t lsn = 1; lsn <= 300; lsn++)
        append_text(f.j, lsn, "e");
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_uint_eq(journal_last_lsn(f.j), 300);
    /* meta records do not count */
    journal_meta_put(f.j, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, "x", 1);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_uint_eq(journal_last_lsn(f.j), 300);
    append_text(f.j, 1ull << 40, "e");
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_uint_eq(journal_last_lsn(f.j), 1ull << 40);
    jfix_close(&f);
}
END_TEST

START_TEST(test_reopen_keeps_data)
{
    struct jfix f;
    uint64_t seen[32];
    size_t vlen;
    char *v;

    jfix_open(&f);
    for (uint64_t lsn = 1; lsn <= 20; lsn++)
        append_text(f.j, lsn, "r");
    journal_meta_put(f.j, "m", 1, "kept", 4);
    ck_assert_int_eq(journal_commit(f.j), 0);
    /* staged but never committed: lost at close */
    append_text(f.j, 21, "r");
    journal_meta_put(f.j, "lost", 4, "x", 1);
    jfix_reopen(&f, false);

    ck_assert_uint_eq(journal_last_lsn(f.j), 20);
    ck_assert_uint_eq(scan_lsns(f.j, 1, "r", seen, 32), 20);
    for (size_t i = 0; i < 20; i++)
        ck_assert_uint_eq(seen[i], i + 1);
    v = journal_meta_get(f.j, "m", 1, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, 4);
    ck_assert_mem_eq(v, "kept", 4);
    free(v);
    ck_assert_ptr_null(journal_meta_get(f.j, "lost", 4, &vlen));

    /* flushed to SST files (clean shutdown path): still all there */
    ck_assert_int_eq(journal_sync(f.j), 0);
    ck_assert_int_eq(journal_flush(f.j), 0);
    jfix_reopen(&f, false);
    ck_assert_uint_eq(scan_lsns(f.j, 1, "r", seen, 32), 20);
    jfix_close(&f);
}
END_TEST

START_TEST(test_read_only_open)
{
    struct jfix f;
    struct journal *ro;
    uint64_t seen[16];
    char err[512] = "";
    size_t vlen;
    char *v;

    jfix_open(&f);
    for (uint64_t lsn = 1; lsn <= 5; lsn++)
        append_text(f.j, lsn, "q");
    journal_meta_put(f.j, "m", 1, "ro", 2);
    ck_assert_int_eq(journal_commit(f.j), 0);
    append_text(f.j, 6, "q");   /* staged only */

    /* beside the writer (no lock taken): committed data only */
    ro = journal_open(f.path, false, true, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(ro != NULL, "read-only open: %s", err);
    ck_assert_uint_eq(journal_last_lsn(ro), 5);
    ck_assert_uint_eq(scan_lsns(ro, 1, "q", seen, 16), 5);
    v = journal_meta_get(ro, "m", 1, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_mem_eq(v, "ro", 2);
    free(v);
    journal_close(ro);

    ck_assert_int_eq(journal_commit(f.j), 0);
    journal_close(f.j);
    f.j = NULL;
    /* after the writer is gone */
    jfix_reopen(&f, true);   /* journal_close(NULL) is a no-op */
    ck_assert_uint_eq(journal_last_lsn(f.j), 6);
    ck_assert_uint_eq(scan_lsns(f.j, 0, "q", seen, 16), 6);
    jfix_close(&f);
}
END_TEST

/* ---- metadata records ------------------------------------------------------- */

static void fake_actor(struct topo_actor *ta, const char *id,
                       const struct actor_kind *kind, const char *canon)
{
    memset(ta, 0, sizeof *ta);
    ta->id = (char *)id;
    ta->kind = kind;
    ta->params_canon = (char *)canon;
    ta->params_hash = hash_bytes(HASH_SEED, canon, strlen(canon));
}

static void id_uuid(uint8_t u[16], const char *id)
{
    uuid_v5(u, uuid_ns_stratd, id, strlen(id));
}

/* test_meta_round_trip: the three records as loaded (m sorted by number:
 * beta 1, gamma 2 retired, alpha 3); u[k] and ta[k] for alpha, beta, gamma. */
static void check_loaded_records(struct meta *mp, uint8_t u[3][16], const struct topo_actor *ta)
{
    struct meta m = *mp;

    ck_assert_str_eq(m.actors[0].id, "beta");
    ck_assert_mem_eq(m.actors[0].uuid, u[1], 16);
    ck_assert_str_eq(m.actors[0].kind, "probe");
    ck_assert_str_eq(m.actors[0].params, "feed=md\nsymbol=ETH\n");
    ck_assert_uint_eq(m.actors[0].params_hash, ta[1].params_hash);
    ck_assert(!m.actors[0].retired);
    ck_assert_uint_eq(m.actors[0].watermark, 42);
    ck_assert(m.actors[0].has_digest);
    ck_assert_uint_eq(m.actors[0].digest, 0xdeadbeefcafef00dull);

    ck_assert_str_eq(m.actors[1].id, "gamma");
    ck_assert(m.actors[1].retired);
    ck_assert_str_eq(m.actors[1].params, "");
    ck_assert_uint_eq(m.actors[1].watermark, 0);
    ck_assert(!m.actors[1].has_digest);

    ck_assert_str_eq(m.actors[2].id, "alpha");
    ck_assert_uint_eq(m.actors[2].watermark, 0x0102030405060708ull);
    ck_assert(!m.actors[2].has_digest);

    ck_assert_ptr_eq(meta_find_uuid(&m, u[0]), &m.actors[2]);
    /* retired actors are not found by id or uuid: the id is free again */
    ck_assert_ptr_null(meta_find_id(&m, "gamma"));
    ck_assert_ptr_null(meta_find_id(&m, "delta"));
    {
        uint8_t other[16];
        id_uuid(other, "delta");
        ck_assert_ptr_null(meta_find_uuid(&m, other));
    }
}

START_TEST(test_meta_round_trip)
{
    struct jfix f;
    struct topo_actor ta[3];
    uint8_t u[3][16];
    struct meta m;
    char err[256];
    const char *ids[3] = {"alpha", "beta", "gamma"};
    const uint32_t numbers[3] = {3, 1, 2};

    jfix_open(&f);
    fake_actor(&ta[0], ids[0], &probe_kind, "feed=md\nsymbol=BTC\n");
    fake_actor(&ta[1], ids[1], &probe_kind, "feed=md\nsymbol=ETH\n");
    fake_actor(&ta[2], ids[2], &probe_kind, "");
    for (int i = 0; i < 3; i++) {
        id_uuid(u[i], ids[i]);
        meta_put_actor(f.j, u[i], numbers[i], &ta[i], i == 2);
    }
    meta_put_watermark(f.j, 3, 0x0102030405060708ull);
    meta_put_watermark(f.j, 1, 42);
    meta_put_watermark(f.j, 99, 7);          /* no such actor: ignored */
    meta_put_digest(f.j, 1, 0xdeadbeefcafef00dull);
    meta_put_clean(f.j, true);
    meta_put_format(f.j);
    ck_assert_int_eq(journal_commit(f.j), 0);
    jfix_reopen(&f, false);

    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), 0);
    ck_assert_uint_eq(m.format, JOURNAL_FORMAT_VERSION);
    ck_assert(m.clean);
    ck_assert_uint_eq(m.n, 3);
    ck_assert_uint_eq(m.max_number, 3);
    /* sorted by number */
    ck_assert_uint_eq(m.actors[0].number, 1);
    ck_assert_uint_eq(m.actors[1].number, 2);
    ck_assert_uint_eq(m.actors[2].number, 3);

    check_loaded_records(&m, u, ta);
    meta_release(&m);
    ck_assert_uint_eq(m.n, 0);
    ck_assert_ptr_null(m.actors);

    /* the clean marker and a digest go away; a watermark moves */
    meta_put_clean(f.j, false);
    meta_delete_digest(f.j, 1);
    meta_put_watermark(f.j, 1, 43);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), 0);
    ck_assert(!m.clean);
    ck_assert(!m.actors[0].has_digest);
    ck_assert_uint_eq(m.actors[0].watermark, 43);
    meta_release(&m);
    jfix_close(&f);
}
END_TEST

/* A new journal: no format, nothing known. (Regression: meta_load once
 * called qsort(NULL, 0, ...), which stops the UBSan build.) */
START_TEST(test_meta_load_new_journal)
{
    struct jfix f;
    struct meta m;
    char err[256];

    jfix_open(&f);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), 0);
    ck_assert_uint_eq(m.format, 0);
    ck_assert_uint_eq(m.n, 0);
    ck_assert_uint_eq(m.max_number, 0);
    ck_assert(!m.clean);
    meta_release(&m);
    /* markers alone, still no actor */
    meta_put_format(f.j);
    meta_put_clean(f.j, true);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), 0);
    ck_assert_uint_eq(m.format, JOURNAL_FORMAT_VERSION);
    ck_assert(m.clean);
    ck_assert_uint_eq(m.n, 0);
    meta_release(&m);
    jfix_close(&f);
}
END_TEST

START_TEST(test_meta_unknown_format)
{
    static const uint8_t v2[4] = {0, 0, 0, 2};
    struct jfix f;
    struct meta m;
    char err[256] = "";

    jfix_open(&f);
    journal_meta_put(f.j, "format", 6, v2, sizeof v2);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), -1);
    ck_assert_str_eq(err, "journal format 2 is not supported by this build "
                          "(it reads format 1)");
    meta_release(&m);
    /* a malformed value is damage */
    journal_meta_put(f.j, "format", 6, "1", 1);
    ck_assert_int_eq(journal_commit(f.j), 0);
    err[0] = '\0';
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), -1);
    ck_assert_str_eq(err, "corrupt metadata: key f6f726d6174: the format marker is "
                          "not 4 bytes");
    meta_release(&m);
    jfix_close(&f);
}
END_TEST

/* ---- meta_diff ---------------------------------------------------------------- */

static const struct meta_diff_item *diff_find(const struct meta_diff *d, const char *id)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i].id, id) == 0)
            return &d->v[i];
    return NULL;
}

/* test_meta_diff: each actor's verdict in d (the full topology). */
static void check_diff_items(const struct meta_diff *dp)
{
    struct meta_diff d = *dp;
    const struct meta_diff_item *it;

    it = diff_find(&d, "same");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->change, META_UNCHANGED);
    ck_assert_ptr_null(it->keys);

    it = diff_find(&d, "changed");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->change, META_CHANGED);
    /* changed or added in the topology first, then dropped ones */
    ck_assert_str_eq(it->keys, "b, d, c");
    ck_assert_int_eq(it->line, 12);
    ck_assert_int_eq(it->col, 5);
    ck_assert_str_eq(it->kind, "probe");

    it = diff_find(&d, "kindchg");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->change, META_CHANGED);
    ck_assert_str_eq(it->keys, "kind");
    ck_assert_str_eq(it->kind, "other");

    it = diff_find(&d, "hashonly");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->change, META_CHANGED);
    ck_assert_str_eq(it->keys, "params");

    it = diff_find(&d, "fresh");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->change, META_NEW);

    /* retired, then listed again: a new actor */
    it = diff_find(&d, "retired");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->change, META_NEW);

    it = diff_find(&d, "gone");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->change, META_REMOVED);
    ck_assert_str_eq(it->kind, "probe");
}

START_TEST(test_meta_diff)
{
    /* a kind with the same param table as probe but another name */
    static struct actor_kind other_kind;
    struct jfix f;
    struct topo_actor stored[6], now[6];
    struct topology t = {0};
    struct meta m;
    struct meta_diff d;
    uint8_t u[16];
    char err[256];

    other_kind = probe_kind;
    other_kind.name = "other";

    jfix_open(&f);
    /* what the journal knows */
    fake_actor(&stored[0], "same", &probe_kind, "feed=md\nsymbol=BTC\n");
    fake_actor(&stored[1], "changed", &probe_kind, "a=1\nb=2\nc=3\n");
    fake_actor(&stored[2], "kindchg", &probe_kind, "feed=md\nsymbol=BTC\n");
    fake_actor(&stored[3], "gone", &probe_kind, "feed=md\nsymbol=X\n");
    fake_actor(&stored[4], "retired", &probe_kind, "feed=md\nsymbol=Y\n");
    fake_actor(&stored[5], "hashonly", &probe_kind, "feed=md\nsymbol=Z\n");
    for (uint32_t i = 0; i < 6; i++) {
        id_uuid(u, stored[i].id);
        meta_put_actor(f.j, u, i + 1, &stored[i], i == 4);
    }
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), 0);

    /* what the topology says now */
    fake_actor(&now[0], "same", &probe_kind, "feed=md\nsymbol=BTC\n");
    fake_actor(&now[1], "changed", &probe_kind, "a=1\nb=5\nd=4\n");
    fake_actor(&now[2], "kindchg", &other_kind, "feed=md\nsymbol=BTC\n");
    fake_actor(&now[3], "fresh", &probe_kind, "feed=md\nsymbol=ETH\n");
    fake_actor(&now[4], "retired", &probe_kind, "feed=md\nsymbol=Y\n");
    fake_actor(&now[5], "hashonly", &probe_kind, "feed=md\nsymbol=Z\n");
    now[5].params_hash ^= 1;   /* same text, another hash */
    now[1].line = 12, now[1].col = 5;
    t.actors = now;
    t.n_actors = 6;

    meta_diff(&m, &t, &d);
    ck_assert_uint_eq(d.n, 7);   /* six in the topology + "gone" */
    ck_assert_uint_eq(d.changed, 3);

    check_diff_items(&d);
    meta_diff_release(&d);
    ck_assert_uint_eq(d.n, 0);

    /* a removed retired actor is not reported at all */
    t.n_actors = 1;   /* only "same" */
    meta_diff(&m, &t, &d);
    ck_assert_uint_eq(d.changed, 0);
    ck_assert_ptr_null(diff_find(&d, "retired"));
    ck_assert_ptr_nonnull(diff_find(&d, "gone"));
    ck_assert_ptr_nonnull(diff_find(&d, "changed"));
    ck_assert_int_eq(diff_find(&d, "changed")->change, META_REMOVED);
    ck_assert_uint_eq(d.n, 5);   /* same + changed, kindchg, gone, hashonly */
    meta_diff_release(&d);

    meta_release(&m);
    jfix_close(&f);
}
END_TEST

START_TEST(test_meta_diff_similar_keys)
{
    /* keys that are prefixes of one another are told apart */
    struct jfix f;
    struct topo_actor stored, now;
    struct topology t = {0};
    struct meta m;
    struct meta_diff d;
    uint8_t u[16];
    char err[256];

    jfix_open(&f);
    fake_actor(&stored, "s", &probe_kind, "fast=1\nfastest=2\nslow=\n");
    id_uuid(u, "s");
    meta_put_actor(f.j, u, 1, &stored, false);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), 0);

    fake_actor(&now, "s", &probe_kind, "fast=1\nfastest=3\nslow=0\n");
    t.actors = &now;
    t.n_actors = 1;
    meta_diff(&m, &t, &d);
    ck_assert_uint_eq(d.n, 1);
    ck_assert_int_eq(d.v[0].change, META_CHANGED);
    ck_assert_str_eq(d.v[0].keys, "fastest, slow");
    meta_diff_release(&d);
    meta_release(&m);
    jfix_close(&f);
}
END_TEST

START_TEST(test_meta_diff_from_yaml)
{
    /* the same through a real topology file */
    struct jfix f;
    struct topology t;
    struct meta m;
    struct meta_diff d;
    struct topo_actor stored;
    char yaml[256], text[512], err[512];
    uint8_t u[16];

    jfix_open(&f);
    snprintf(yaml, sizeof yaml, "%s/t.yaml", f.dir);
    snprintf(text, sizeof text,
             "journal: { path: %s }\n"
             "services:\n"
             "  - { id: clock, kind: timer }\n"
             "  - { id: md, kind: synthetic_feed, params: { symbols: [BTC] } }\n"
             "strategies:\n"
             "  - { id: p1, kind: probe, params: { symbol: BTC } }\n",
             f.path);
    tu_write_file(yaml, text);
    ck_assert_msg(topology_load(&t, yaml, NULL, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(topology_find(&t, "p1"), 2);
    ck_assert_str_eq(t.actors[2].params_canon, "feed=md\nsymbol=BTC\n");

    fake_actor(&stored, "p1", &probe_kind, "feed=md\nsymbol=ETH\n");
    id_uuid(u, "p1");
    meta_put_actor(f.j, u, 1, &stored, false);
    id_uuid(u, "md");
    meta_put_actor(f.j, u, 2, &t.actors[1], false);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), 0);
    meta_diff(&m, &t, &d);
    ck_assert_uint_eq(d.n, 3);
    ck_assert_uint_eq(d.changed, 1);
    ck_assert_int_eq(diff_find(&d, "clock")->change, META_NEW);
    ck_assert_int_eq(diff_find(&d, "md")->change, META_UNCHANGED);
    ck_assert_int_eq(diff_find(&d, "p1")->change, META_CHANGED);
    ck_assert_str_eq(diff_find(&d, "p1")->keys, "symbol");
    ck_assert_int_eq(diff_find(&d, "p1")->line, 6);
    meta_diff_release(&d);
    meta_release(&m);
    topology_release(&t);
    jfix_close(&f);
}
END_TEST

/* ---- sticky failure ------------------------------------------------------------ */

/* A write that cannot succeed: the process may not grow any file past
 * 64 KiB (RLIMIT_FSIZE, SIGXFSZ ignored, so write() fails with EFBIG), and
 * the batch holds a 1 MiB value. Works as root too. */
START_TEST(test_sticky_failure)
{
    struct jfix f;
    struct rlimit old, lim;
    uint64_t seen[8];
    size_t big = 1 << 20, vlen;
    char *blob, *v, logpath[256];
    int saved, logfd, rc;

    jfix_open(&f);
    append_text(f.j, 1, "s");
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_ptr_null(journal_error(f.j));

    blob = calloc(1, big);
    ck_assert_ptr_nonnull(blob);
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 64 << 10;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    /* stderr (the log) goes to a file while the failure happens */
    snprintf(logpath, sizeof logpath, "%s/log", f.dir);
    fflush(stderr);
    saved = dup(2);
    logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(logfd, 0);
    dup2(logfd, 2);
    journal_append(f.j, 2, blob, big);
    journal_meta_put(f.j, "lost", 4, "1", 1);
    rc = journal_commit(f.j);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    free(blob);
    ck_assert_int_eq(rc, -1);

    ck_assert_ptr_nonnull(journal_error(f.j));
    ck_assert_msg(strncmp(journal_error(f.j), "rocksdb_write: ", 15) == 0,
                  "error: %s", journal_error(f.j));
    ck_assert_uint_eq(journal_pending(f.j), 0);

    /* sticky: a small, valid batch fails at once and is discarded */
    append_text(f.j, 3, "s");
    ck_assert_uint_eq(journal_pending(f.j), 1);
    ck_assert_int_eq(journal_commit(f.j), -1);
    ck_assert_uint_eq(journal_pending(f.j), 0);
    ck_assert_int_eq(journal_sync(f.j), -1);
    ck_assert_int_eq(journal_flush(f.j), -1);
    /* the first error is kept as it was, and was logged once */
    ck_assert(strncmp(journal_error(f.j), "rocksdb_write: ", 15) == 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(logfd);
    {
        FILE *lf = fopen(logpath, "r");
        char line[1024];
        int n_err = 0;
        ck_assert_ptr_nonnull(lf);
        while (fgets(line, sizeof line, lf))
            if (strstr(line, "rocksdb_write: ")) {
                n_err++;
                ck_assert_ptr_nonnull(strstr(line, "error"));
            }
        fclose(lf);
        ck_assert_int_eq(n_err, 1);
    }

    /* what was committed before stays readable; the failed batch is absent */
    ck_assert_uint_eq(scan_lsns(f.j, 1, "s", seen, 8), 1);
    ck_assert_uint_eq(seen[0], 1);
    ck_assert_ptr_null(journal_meta_get(f.j, "lost", 4, &vlen));

    /* and after a restart, nothing of the failed batches appears */
    jfix_reopen(&f, false);
    ck_assert_ptr_null(journal_error(f.j));
    ck_assert_uint_eq(journal_last_lsn(f.j), 1);
    ck_assert_ptr_null((v = journal_meta_get(f.j, "lost", 4, &vlen)));
    jfix_close(&f);
}
END_TEST

START_TEST(test_injected_fault)
{
    /* the test-build hook: the commit after N more succeed fails like an
     * I/O error, and the failure is as sticky as a real one */
    struct jfix f;
    int saved, devnull;

    jfix_open(&f);
    journal_inject_fault(1);
    ck_assert_int_eq(journal_commit(f.j), 0);   /* nothing staged: not counted */
    append_text(f.j, 1, "f");
    ck_assert_int_eq(journal_commit(f.j), 0);
    append_text(f.j, 2, "f");
    fflush(stderr);
    saved = dup(2);
    devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    ck_assert_int_eq(journal_commit(f.j), -1);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    ck_assert_str_eq(journal_error(f.j), "rocksdb_write: IO error: injected fault");
    append_text(f.j, 3, "f");
    ck_assert_int_eq(journal_commit(f.j), -1);
    ck_assert_uint_eq(journal_last_lsn(f.j), 1);
    /* one fault only: a reopened journal writes again */
    jfix_reopen(&f, false);
    append_text(f.j, 2, "f");
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_uint_eq(journal_last_lsn(f.j), 2);
    jfix_close(&f);
}
END_TEST

/* ---- damage ----------------------------------------------------------------- */

/* The largest .sst file of the journal at path (into out). */
static void largest_sst(const char *path, char *out, size_t len)
{
    DIR *d = opendir(path);
    struct dirent *de;
    off_t best = -1;
    char p[512];
    struct stat st;

    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".sst"))
            continue;
        snprintf(p, sizeof p, "%s/%s", path, de->d_name);
        if (stat(p, &st) == 0 && st.st_size > best) {
            best = st.st_size;
            snprintf(out, len, "%s", p);
        }
    }
    closedir(d);
    ck_assert_int_gt(best, 0);
}

/* 64 bytes inverted in the middle of the file. */
static void flip_middle(const char *file)
{
    struct stat st;
    uint8_t b[64];
    int fd = open(file, O_RDWR);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(pread(fd, b, sizeof b, st.st_size / 2), (ssize_t)sizeof b);
    for (size_t i = 0; i < sizeof b; i++)
        b[i] ^= 0xff;
    ck_assert_int_eq(pwrite(fd, b, sizeof b, st.st_size / 2), (ssize_t)sizeof b);
    close(fd);
}

/* A damaged block stops a scan with an error, never as the end. */
START_TEST(test_damaged_block_is_an_error)
{
    struct jfix f;
    char sst[512];
    struct journal_iter *it;
    const uint8_t *val;
    uint64_t lsn, n = 0, x = 1;
    size_t len;
    uint8_t v[100];

    jfix_open(&f);
    for (uint64_t i = 1; i <= 20000; i++) {
        for (size_t k = 0; k < sizeof v; k++)   /* little to compress */
            v[k] = (uint8_t)((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 56);
        journal_append(f.j, i, v, sizeof v);
    }
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(journal_flush(f.j), 0);
    journal_close(f.j);
    f.j = NULL;
    largest_sst(f.path, sst, sizeof sst);
    flip_middle(sst);
    jfix_reopen(&f, true);
    it = journal_scan(f.j, 1);
    while (journal_iter_next(it, &lsn, &val, &len))
        n++;
    ck_assert_uint_lt(n, 20000);
    ck_assert_uint_eq(journal_iter_last(it), n);
    ck_assert_ptr_nonnull(journal_iter_error(it));
    ck_assert_msg(strstr(journal_iter_error(it), "Corruption") != NULL, "%s",
                  journal_iter_error(it));
    journal_iter_free(it);
    /* the entry itself: a point read fails the same way */
    ck_assert_ptr_null(journal_get_entry(f.j, n + 1, &len));
    ck_assert_ptr_nonnull(journal_read_error(f.j));
    jfix_close(&f);
}
END_TEST

/* create only in an absent or empty directory: files without CURRENT are
 * damage, and stay as they were */
START_TEST(test_no_create_over_files)
{
    struct jfix f;
    char cur[300], err[1024] = "";
    struct stat st;
    struct journal *j;

    jfix_open(&f);
    append_text(f.j, 1, "v");
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(journal_flush(f.j), 0);
    journal_close(f.j);
    f.j = NULL;
    snprintf(cur, sizeof cur, "%s/CURRENT", f.path);
    ck_assert_int_eq(unlink(cur), 0);
    j = journal_open(f.path, true, false, FSYNC_NONE, err, sizeof err);
    ck_assert_ptr_null(j);
    ck_assert_msg(strncmp(err, "corrupt journal at ", 19) == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "no CURRENT"));
    ck_assert_int_ne(stat(cur, &st), 0);   /* nothing made */
    /* an empty directory is fine */
    tu_rmrf(f.path);
    ck_assert_int_eq(mkdir(f.path, 0750), 0);
    j = journal_open(f.path, true, false, FSYNC_NONE, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    journal_close(j);
    tu_rmrf(f.dir);
}
END_TEST

/* metadata that does not read is damage, named by its key */
static void check_meta_damage(const char *key, size_t klen, const char *val, size_t vlen,
                              const char *want)
{
    struct jfix f;
    struct meta m;
    char err[512] = "";

    jfix_open(&f);
    journal_meta_put(f.j, key, klen, val, vlen);
    ck_assert_int_eq(journal_commit(f.j), 0);
    ck_assert_int_eq(meta_load(f.j, &m, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
    ck_assert_uint_eq(m.n, 0);
    jfix_close(&f);
}

START_TEST(test_meta_damage)
{
    static const char a_key[17] = "A0123456789abcdef";

    check_meta_damage("W\0\0\0\1", 5, "12", 2,
                      "corrupt metadata: key W00000001: a watermark that is not 8 bytes");
    check_meta_damage(a_key, sizeof a_key, "\xff\xff\xff", 3,
                      "corrupt metadata: key A30313233343536373839616263646566: the actor "
                      "record does not decode");
    check_meta_damage("clean", 5, "yes", 3,
                      "corrupt metadata: key c6c65616e: the clean marker is not \"1\"");
}
END_TEST

/* ---- journal failures while live (disk full, I/O errors) ------------------------ */

/* stderr to /dev/null around an expected error line; returns the saved fd */
static int stderr_off(void)
{
    int saved, devnull;

    fflush(stderr);
    saved = dup(2);
    devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    close(devnull);
    return saved;
}

static void stderr_on(int saved)
{
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
}

START_TEST(test_sync_fault)
{
    /* a failed WAL sync (fsync: interval's timer, the clean stop) fails the
     * journal for good, like a failed write; committed data stays */
    struct jfix f;
    uint64_t seen[4];
    int saved;

    jfix_open(&f);
    append_text(f.j, 1, "s");
    ck_assert_int_eq(journal_commit(f.j), 0);
    journal_inject_sync_fault(1);
    ck_assert_int_eq(journal_sync(f.j), 0);
    saved = stderr_off();
    ck_assert_int_eq(journal_sync(f.j), -1);
    stderr_on(saved);
    ck_assert_str_eq(journal_error(f.j), "rocksdb_flush_wal: IO error: injected fault");
    append_text(f.j, 2, "s");
    ck_assert_int_eq(journal_commit(f.j), -1);
    ck_assert_uint_eq(journal_pending(f.j), 0);
    ck_assert_int_eq(journal_sync(f.j), -1);
    ck_assert_int_eq(journal_flush(f.j), -1);
    ck_assert_str_eq(journal_error(f.j), "rocksdb_flush_wal: IO error: injected fault");
    ck_assert_uint_eq(scan_lsns(f.j, 1, "s", seen, 4), 1);
    jfix_reopen(&f, false);
    ck_assert_uint_eq(journal_last_lsn(f.j), 1);
    jfix_close(&f);
}
END_TEST

/* The first bytes of the file at path, for a failure message. */
static const char *file_head(const char *path, char *buf, size_t len)
{
    FILE *fp = fopen(path, "r");
    size_t n = fp ? fread(buf, 1, len - 1, fp) : 0;

    if (fp)
        fclose(fp);
    buf[n] = '\0';
    return buf;
}

START_TEST(test_info_log_quiet_on_failure)
{
    /* RocksDB's info LOG shares the journal's disk: a line it cannot write
     * there makes its next one abort the process. A failed flush (an SST
     * file that may not grow past 1 MiB: RLIMIT_FSIZE) and the background
     * error RocksDB enters write nothing there. */
    struct jfix f;
    struct rlimit old, lim;
    size_t n = 4 << 20;
    char *big = malloc(n), log[256], head[512];
    struct stat sb;
    uint64_t x = 88172645463325252ull;
    int saved;

    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < n; i++) {   /* xorshift: lz4 cannot shrink it */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        big[i] = (char)x;
    }
    jfix_open(&f);
    journal_meta_put(f.j, "big", 3, big, n);
    free(big);
    ck_assert_int_eq(journal_commit(f.j), 0);
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 1 << 20;
    saved = stderr_off();
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ck_assert_int_eq(journal_flush(f.j), -1);
    append_text(f.j, 1, "q");
    ck_assert_int_eq(journal_commit(f.j), -1);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    stderr_on(saved);
    ck_assert_ptr_nonnull(strstr(journal_error(f.j), "rocksdb_flush: IO error"));
    journal_close(f.j);
    f.j = NULL;
    snprintf(log, sizeof log, "%s/LOG", f.path);
    ck_assert_msg(stat(log, &sb) != 0 || sb.st_size == 0, "LOG holds %lld bytes: %s",
                  (long long)sb.st_size, file_head(log, head, sizeof head));
    tu_rmrf(f.dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("journal");
    TCase *tc;

    tc = tu_tcase(s, "keys");
    tcase_add_test(tc, test_key_bytes);
    tcase_add_test(tc, test_key_order_and_round_trip);
    tcase_add_test(tc, test_fsync_names);

    tc = tu_tcase(s, "log");
    tcase_add_test(tc, test_open_missing_no_create);
    tcase_add_test(tc, test_open_create);
    tcase_add_test(tc, test_append_commit_scan);
    tcase_add_test(tc, test_nothing_visible_before_commit);
    tcase_add_test(tc, test_meta_put_get_delete);
    tcase_add_test(tc, test_meta_scan_prefix);
    tcase_add_test(tc, test_last_lsn);
    tcase_add_test(tc, test_reopen_keeps_data);
    tcase_add_test(tc, test_read_only_open);
    tcase_add_test(tc, test_sticky_failure);
    tcase_add_test(tc, test_injected_fault);

    tc = tu_tcase(s, "damage");
    tcase_add_test(tc, test_damaged_block_is_an_error);
    tcase_add_test(tc, test_no_create_over_files);
    tcase_add_test(tc, test_meta_damage);

    tc = tu_tcase(s, "meta");
    tcase_add_test(tc, test_meta_load_new_journal);   /* was a UBSan failure */
    tcase_add_test(tc, test_meta_round_trip);
    tcase_add_test(tc, test_meta_unknown_format);
    tcase_add_test(tc, test_meta_diff);
    tcase_add_test(tc, test_meta_diff_similar_keys);
    tcase_add_test(tc, test_meta_diff_from_yaml);

    tc = tu_tcase(s, "journal_failure");
    tcase_add_test(tc, test_sync_fault);
    tcase_add_test(tc, test_info_log_quiet_on_failure);
    return tu_run(s);
}
