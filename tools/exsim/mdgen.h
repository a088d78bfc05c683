/*
 * mdgen.h — the market data source of exsim: either a seeded market model
 * or a CSV file of ticks. Either way the stream depends only on its inputs
 * (seed and symbols, or the file), never on timing or on client orders, so
 * two runs with the same arguments publish identical ticks.
 *
 * Model, per symbol (own generator seeded from the seed and the symbol's
 * name): the mid walks by one price tick up, down or not at all; simulated
 * participants post limit orders a few ticks around it, the oldest ones are
 * canceled, and some send marketable orders that trade. All of that runs in
 * a private book (book.c); a tick is its top of book and trades. Symbols are
 * stepped round-robin in the order given.
 *
 * CSV: one tick per row, in file order. Columns symbol,bid,ask,last,size in
 * integer price units and lots; '#' lines, blank lines and a header line
 * starting with "symbol" are skipped. size is the quantity traded at last
 * since the previous row of that symbol (0: no trade).
 */
#ifndef EXSIM_MDGEN_H
#define EXSIM_MDGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stratd/rng.h>   /* the model's generator: rng_seed_u64 */

#include "book.h"

#define MDGEN_DEPTH 5           /* levels per side mirrored into the exchange */
#define MDGEN_PRICE_TICK 1000000   /* 0.01 in 1e-8 units */
#define MDGEN_CSV_QTY 100       /* quantity quoted at bid and ask in CSV mode */

struct mdgen_tick {
    size_t sym;                 /* index into the symbols given at init */
    uint64_t seq;               /* per symbol, from 1 */
    int64_t bid, ask, last, size;
    /* What the exchange mirrors (exch_sim_update): depth, and the step's
     * trade flow (aggressor 0 when size == 0). */
    enum book_side aggressor;
    struct book_depth bids[MDGEN_DEPTH], asks[MDGEN_DEPTH];
    size_t n_bids, n_asks;
};

struct mdgen_sym;
struct mdgen_row;

struct mdgen {
    struct mdgen_sym *sym;
    size_t n_sym;
    bool csv;                   /* rows below, not the model */
    size_t turn;                /* model: next symbol to step */
    struct mdgen_row *rows;     /* CSV: the whole file */
    size_t n_rows, pos;
};

/* The model. symbols are borrowed for the call. 0 or -1 (memory). */
int mdgen_init_model(struct mdgen *g, uint64_t seed, const char *const *symbols,
                     size_t n);

/* A CSV file. Every row's symbol must be one of symbols. 0, or -1 with
 * "FILE:LINE: message" (or the failing call and reason) in err. */
int mdgen_init_csv(struct mdgen *g, const char *path, const char *const *symbols,
                   size_t n, char *err, size_t errlen);

void mdgen_release(struct mdgen *g);

/* The next tick; false when a CSV is exhausted (the model never ends). */
bool mdgen_next(struct mdgen *g, struct mdgen_tick *t);

#endif
