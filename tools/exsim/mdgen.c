/*
 * mdgen.c — seeded market model and CSV tick source (see mdgen.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdgen.h"

#define RING 32                 /* live participant orders per symbol */
#define T MDGEN_PRICE_TICK

struct mdgen_sym {
    struct rng rng;
    struct book book;           /* participants only */
    int64_t mid, last;
    uint64_t seq, next_id;
    uint64_t ring[RING];        /* ids of the newest orders; 0: free */
    size_t ring_pos;
    /* trades of the current step */
    int64_t step_qty, step_last;
    enum book_side step_side;
};

struct mdgen_row {
    size_t sym;
    int64_t bid, ask, last, size;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

/* ---- model */

static void on_trade(void *ctx, const struct book_fill *f)
{
    struct mdgen_sym *y = ctx;

    y->step_qty += f->qty;
    y->step_last = f->price;
    y->step_side = f->taker->side;
}

static void post(struct mdgen_sym *y, enum book_side side, enum book_tif tif,
                 int64_t price, int64_t qty)
{
    struct book_order o;
    struct book_result res;

    if (price < T)
        price = T;
    o = book_limit(++y->next_id, side, tif, price, qty);
    if (book_submit(&y->book, &o, on_trade, y, &res) < 0 || res.rested == 0)
        return;   /* NOMEM only: a thinner book, still deterministic enough */
    /* Keep the newest RING orders: the oldest one leaves the market. */
    if (y->ring[y->ring_pos])
        book_cancel(&y->book, y->ring[y->ring_pos], NULL);
    y->ring[y->ring_pos] = o.id;
    y->ring_pos = (y->ring_pos + 1) % RING;
}

static void model_step(struct mdgen_sym *y)
{
    struct rng *r = &y->rng;
    uint64_t k;

    y->step_qty = 0;
    y->step_side = 0;
    k = rng_below(r, 3);
    y->mid += k == 0 ? -T : k == 1 ? T : 0;
    if (y->mid < 10 * T)
        y->mid = 10 * T;

    for (int i = 0; i < 2; i++) {
        enum book_side side = rng_below(r, 2) ? BOOK_BUY : BOOK_SELL;
        int64_t off = (1 + (int64_t)rng_below(r, 4)) * T;
        int64_t qty = 1 + (int64_t)rng_below(r, 10);
        post(y, side, BOOK_GTC, side == BOOK_BUY ? y->mid - off : y->mid + off, qty);
    }
    if (rng_below(r, 10) < 4) {
        enum book_side side = rng_below(r, 2) ? BOOK_BUY : BOOK_SELL;
        int64_t qty = 1 + (int64_t)rng_below(r, 5);
        post(y, side, BOOK_IOC, side == BOOK_BUY ? y->mid + 3 * T : y->mid - 3 * T, qty);
    }
    /* Never an empty side: someone always quotes next to the mid. */
    if (!book_best(&y->book, BOOK_BUY, NULL, NULL)) {
        int64_t ask = y->mid + 2 * T, p = y->mid - T;
        book_best(&y->book, BOOK_SELL, &ask, NULL);
        post(y, BOOK_BUY, BOOK_GTC, p < ask - T ? p : ask - T, 5);
    }
    if (!book_best(&y->book, BOOK_SELL, NULL, NULL)) {
        int64_t bid = y->mid - 2 * T, p = y->mid + T;
        book_best(&y->book, BOOK_BUY, &bid, NULL);
        post(y, BOOK_SELL, BOOK_GTC, p > bid + T ? p : bid + T, 5);
    }
    if (y->step_qty > 0)
        y->last = y->step_last;
}

int mdgen_init_model(struct mdgen *g, uint64_t seed, const char *const *symbols,
                     size_t n)
{
    memset(g, 0, sizeof *g);
    g->sym = calloc(n ? n : 1, sizeof *g->sym);
    if (!g->sym)
        return -1;
    g->n_sym = n;
    for (size_t i = 0; i < n; i++) {
        struct mdgen_sym *y = &g->sym[i];
        uint64_t h = fnv1a(symbols[i]);

        /* A symbol's stream depends on the seed and its own name only. */
        rng_seed_u64(&y->rng, seed ^ h);
        book_init(&y->book);
        y->mid = (int64_t)(50 + h % 450) * 100 * T;   /* 50.00 .. 499.00 */
        y->last = y->mid;
        for (int64_t k = 1; k <= MDGEN_DEPTH; k++) {
            post(y, BOOK_BUY, BOOK_GTC, y->mid - k * T, 5);
            post(y, BOOK_SELL, BOOK_GTC, y->mid + k * T, 5);
        }
    }
    return 0;
}

/* ---- CSV */

static int csv_field(char **p, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(*p, &end, 10);
    if (errno || end == *p)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (*end == ',')
        end++;
    else if (*end != '\0' && *end != '\n')
        return -1;
    *p = end;
    *out = v;
    return 0;
}

static int csv_row(char *line, const char *const *symbols, size_t n,
                   struct mdgen_row *row, const char **why)
{
    char *p = line, *comma = strchr(line, ',');
    size_t i;

    if (!comma) {
        *why = "expected symbol,bid,ask,last,size";
        return -1;
    }
    *comma = '\0';
    for (i = 0; i < n && strcmp(symbols[i], p) != 0; i++)
        ;
    if (i == n) {
        *why = "symbol not in --symbols";
        return -1;
    }
    row->sym = i;
    p = comma + 1;
    if (csv_field(&p, &row->bid) < 0 || csv_field(&p, &row->ask) < 0 ||
        csv_field(&p, &row->last) < 0 || csv_field(&p, &row->size) < 0 ||
        (*p != '\0' && *p != '\n')) {
        *why = "expected symbol,bid,ask,last,size with integer numbers";
        return -1;
    }
    if (row->bid <= 0 || row->ask < row->bid || row->last < 0 || row->size < 0) {
        *why = "need 0 < bid <= ask, last >= 0, size >= 0";
        return -1;
    }
    return 0;
}

int mdgen_init_csv(struct mdgen *g, const char *path, const char *const *symbols,
                   size_t n, char *err, size_t errlen)
{
    FILE *f;
    char *line = NULL;
    size_t linecap = 0, cap = 0;
    ssize_t len;
    int lineno = 0, ret = -1;
    bool seen_data = false;

    memset(g, 0, sizeof *g);
    f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "fopen %s: %s", path, strerror(errno));
        return -1;
    }
    g->csv = true;
    g->sym = calloc(n ? n : 1, sizeof *g->sym);
    if (!g->sym)
        goto nomem;
    g->n_sym = n;
    while ((len = getline(&line, &linecap, f)) >= 0) {
        const char *why = NULL;
        char *s = line;

        lineno++;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == '\r' || *s == '\0')
            continue;
        if (!seen_data && strncmp(s, "symbol", 6) == 0) {
            seen_data = true;   /* header */
            continue;
        }
        seen_data = true;
        if (g->n_rows == cap) {
            struct mdgen_row *r;
            cap = cap ? 2 * cap : 256;
            r = realloc(g->rows, cap * sizeof *r);
            if (!r)
                goto nomem;
            g->rows = r;
        }
        if (csv_row(s, symbols, n, &g->rows[g->n_rows], &why) < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            goto out;
        }
        g->n_rows++;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "read %s: %s", path, strerror(errno));
        goto out;
    }
    ret = 0;
    goto out;
nomem:
    snprintf(err, errlen, "reading %s: out of memory", path);
out:
    free(line);
    fclose(f);
    if (ret < 0)
        mdgen_release(g);
    return ret;
}

void mdgen_release(struct mdgen *g)
{
    for (size_t i = 0; i < g->n_sym; i++)
        book_release(&g->sym[i].book);
    free(g->sym);
    free(g->rows);
    memset(g, 0, sizeof *g);
}

/* ---- ticks */

bool mdgen_next(struct mdgen *g, struct mdgen_tick *t)
{
    memset(t, 0, sizeof *t);
    if (g->n_sym == 0)
        return false;
    if (g->csv) {
        const struct mdgen_row *row;

        if (g->pos >= g->n_rows)
            return false;
        row = &g->rows[g->pos++];
        t->sym = row->sym;
        t->seq = ++g->sym[row->sym].seq;
        t->bid = row->bid;
        t->ask = row->ask;
        t->last = row->last;
        t->size = row->size;
        if (row->size > 0)
            t->aggressor = 2 * row->last >= row->bid + row->ask ? BOOK_BUY : BOOK_SELL;
        t->bids[0] = (struct book_depth){ row->bid, MDGEN_CSV_QTY };
        t->asks[0] = (struct book_depth){ row->ask, MDGEN_CSV_QTY };
        t->n_bids = t->n_asks = 1;
        return true;
    }

    struct mdgen_sym *y = &g->sym[g->turn];
    t->sym = g->turn;
    g->turn = (g->turn + 1) % g->n_sym;
    model_step(y);
    t->seq = ++y->seq;
    book_best(&y->book, BOOK_BUY, &t->bid, NULL);
    book_best(&y->book, BOOK_SELL, &t->ask, NULL);
    t->last = y->last;
    t->size = y->step_qty;
    t->aggressor = y->step_qty > 0 ? y->step_side : 0;
    t->n_bids = book_depth(&y->book, BOOK_BUY, t->bids, MDGEN_DEPTH);
    t->n_asks = book_depth(&y->book, BOOK_SELL, t->asks, MDGEN_DEPTH);
    return true;
}
