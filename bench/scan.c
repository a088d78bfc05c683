/*
 * scan.c — the baseline of the rebuild benchmark: a bare full scan of the
 * journal through journal.h (RocksDB iterator, no decoding, no actors).
 *
 *   scan DIR
 *
 * Opens the journal read-only, reads every entry in lsn order, touches each
 * value (its length and first and last bytes: RocksDB has already read and
 * decompressed the block holding it) and prints entries, bytes and seconds.
 * The time includes opening and closing the journal, as a start does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "journal.h"

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    struct journal *j;
    struct journal_iter *it;
    const uint8_t *val;
    uint64_t lsn, entries = 0, bytes = 0, sum = 0, prev = 0;
    size_t len;
    char err[1024];
    double t0;

    if (argc != 2) {
        fprintf(stderr, "usage: scan DIR\n");
        return 2;
    }
    t0 = mono_s();
    j = journal_open(argv[1], false, true, FSYNC_NONE, err, sizeof err);
    if (!j) {
        fprintf(stderr, "scan: %s\n", err);
        return 1;
    }
    it = journal_scan(j, 1);
    while (journal_iter_next(it, &lsn, &val, &len)) {
        if (lsn <= prev) {
            fprintf(stderr, "scan: lsn %" PRIu64 " after %" PRIu64 "\n", lsn, prev);
            return 1;
        }
        prev = lsn;
        if (len > 0)
            sum += val[0] + val[len - 1];
        entries++;
        bytes += len;
    }
    journal_iter_free(it);
    journal_close(j);
    double dt = mono_s() - t0;

    printf("scan: %" PRIu64 " entries, %" PRIu64 " bytes, %.3f s (touch sum %" PRIu64 ")\n",
           entries, bytes, dt, sum);
    printf("entries=%" PRIu64 " bytes=%" PRIu64 " seconds=%.4f\n", entries, bytes, dt);
    return 0;
}
