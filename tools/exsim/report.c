/*
 * report.c — the --report file: a JSON snapshot of what the exchange did,
 * rewritten atomically (temp file + rename, exsim_replace_file) so a
 * reader never sees half a file. Names need no escaping: symbols and accounts are restricted to
 * [A-Za-z0-9._-] by the codec.
 *
 *   {"ticks_published": N, "orders": N, "resends": N, "rejects": N,
 *    "fills": N, "cancels": N, "generator_done": B,
 *    "md_clients": N, "order_clients": N,
 *    "ticks": {"SYMBOL": last_seq},
 *    "accounts": {"ACCOUNT": {"SYMBOL": signed_position}},
 *    "order_ids": {"ACCOUNT": [client_order_id, ...]},   (in arrival order)
 *    "session_seq": {"ACCOUNT": last_session_seq},
 *    "latency": {"samples": N, "untimed": N, "p50_us": F, "p99_us": F,
 *                "p999_us": F, "max_us": F}}         (null: no sample yet)
 *
 * latency: tick-to-order round trips (latency.h); the percentiles are read
 * from a histogram, to within 0.8%; untimed counts NewOrders with a tag
 * that matched no tick written out (or one already answered).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exsim.h"

static void write_json(FILE *f, const struct exsim *s)
{
    const struct exch *x = &s->exch;

    fprintf(f, "{\"ticks_published\": %" PRIu64 ", \"orders\": %" PRIu64
               ", \"resends\": %" PRIu64 ", \"rejects\": %" PRIu64
               ", \"fills\": %" PRIu64 ", \"cancels\": %" PRIu64
               ", \"generator_done\": %s, \"md_clients\": %u, \"order_clients\": %u",
            s->published, x->orders, x->resends, x->rejects, x->fills, x->cancels,
            s->gen_done ? "true" : "false", s->md_clients, s->order_clients);

    fputs(",\n \"ticks\": {", f);
    for (size_t i = 0; i < x->n_sym; i++)
        fprintf(f, "%s\"%s\": %zu", i ? ", " : "", x->sym[i].name, s->hist[i].n);

    fputs("},\n \"accounts\": {", f);
    for (size_t k = 0; k < x->n_acct; k++) {
        const struct exch_account *a = x->acct[k];
        fprintf(f, "%s\"%s\": {", k ? ", " : "", a->name);
        for (size_t i = 0; i < x->n_sym; i++)
            fprintf(f, "%s\"%s\": %" PRId64, i ? ", " : "", x->sym[i].name,
                    a->position[i]);
        fputc('}', f);
    }

    fputs("},\n \"order_ids\": {", f);
    for (size_t k = 0; k < x->n_acct; k++) {
        const struct exch_account *a = x->acct[k];
        fprintf(f, "%s\"%s\": [", k ? ", " : "", a->name);
        for (size_t i = 0; i < a->n_orders; i++)
            fprintf(f, "%s%" PRIu64, i ? ", " : "", a->orders[i]->client_order_id);
        fputc(']', f);
    }

    fputs("},\n \"session_seq\": {", f);
    for (size_t k = 0; k < x->n_acct; k++)
        fprintf(f, "%s\"%s\": %zu", k ? ", " : "", x->acct[k]->name,
                x->acct[k]->n_reports);
    fputs("},\n ", f);
    latency_json(f, &s->lat);
    fputs("}\n", f);
}

int exsim_replace_file(const char *path, void (*fill)(FILE *f, const void *ctx),
                       const void *ctx, const char **call)
{
    char tmp[4096];
    FILE *f;
    int err = 0;

    *call = "fopen";
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp, "w");
    if (!f)
        return errno;
    errno = 0;
    fill(f, ctx);
    *call = "write";
    if (fflush(f) != 0 || ferror(f))
        err = errno ? errno : EIO;
    if (fclose(f) != 0 && !err) {
        *call = "fclose";
        err = errno;
    }
    if (!err && rename(tmp, path) != 0) {
        *call = "rename";
        err = errno;
    }
    if (err)
        unlink(tmp);
    return err;
}

static void fill_report(FILE *f, const void *s)
{
    write_json(f, s);
}

int report_write(struct exsim *s)
{
    static int last_errno;          /* log a failing reason once, not per second */
    const char *call;
    int err;

    if (!s->cfg.report)
        return 0;
    err = exsim_replace_file(s->cfg.report, fill_report, s, &call);
    if (err) {
        if (err != last_errno)
            exsim_log("report %s: %s: %s", s->cfg.report, call, strerror(err));
        last_errno = err;
        return -1;
    }
    last_errno = 0;
    return 0;
}
