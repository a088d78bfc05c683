/*
 * exch.h — the exchange: one book per symbol, client accounts, their
 * orders, positions and execution reports. No I/O: the network layer
 * (session.c) feeds it decoded requests and sends out the reports it keeps,
 * so tests/test_book.c drives it directly.
 *
 * Invariants:
 *   - a client order is known by (account, client_order_id) forever: a
 *     NewOrder with a known id creates nothing and is answered with one
 *     ExecReport stating that order's current state (counted in resends);
 *   - every ExecReport of an account gets the next session_seq of that
 *     account (1, 2, ...) and is kept, so a reconnecting client can be sent
 *     everything after the last one it saw;
 *   - positions change only by fills: BUY adds, SELL subtracts the fill qty.
 *
 * Simulated participants are not accounts: their orders have a NULL owner
 * in the book and produce no reports. exch_sim_update mirrors the market
 * model's liquidity into the books so client orders trade against it.
 */
#ifndef EXSIM_EXCH_H
#define EXSIM_EXCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../services/wire.h"
#include "book.h"
#include "map.h"

#define EXCH_REASON_MAX 64

/* One kept ExecReport (the wire message is built from it at send time). */
struct exch_report {
    uint64_t session_seq, client_order_id;
    Stratd__Wire__ExecReport__Kind kind;
    Stratd__Wire__Side side;
    char symbol[WIRE_SYMBOL_MAX + 1];
    int64_t price, qty, cum_qty, leaves, fill_price, exch_time_ns;
    char reason[EXCH_REASON_MAX];
};

enum exch_state { EXCH_LIVE, EXCH_FILLED, EXCH_CANCELED, EXCH_REJECTED };

struct exch_account;

struct exch_order {
    struct exch_account *acct;
    uint64_t client_order_id;
    uint64_t book_id;           /* 0: never reached a book */
    int sym;                    /* index of the symbol, -1 when unknown */
    char symbol[WIRE_SYMBOL_MAX + 1];
    Stratd__Wire__Side side;
    Stratd__Wire__OrdType type;
    Stratd__Wire__Tif tif;
    int64_t price, qty, cum, leaves;
    enum exch_state state;
    char reason[EXCH_REASON_MAX];   /* why it was rejected or canceled */
};

struct exch_account {
    char name[WIRE_ACCOUNT_MAX + 1];
    size_t idx;                     /* in exch.acct: order of creation */
    struct exch_report *reports;    /* reports[i].session_seq == i + 1 */
    size_t n_reports, cap_reports;
    struct exch_order **orders;     /* in order of arrival */
    size_t n_orders, cap_orders;
    struct map by_id;               /* client_order_id -> struct exch_order */
    int64_t *position;              /* per symbol */
    uint64_t fills;
    void *session;                  /* the network layer's; NULL: offline */
};

struct exch_symbol {
    char name[WIRE_SYMBOL_MAX + 1];
    struct book book;
    uint64_t *sim_ids;              /* resting simulated quotes */
    size_t n_sim, cap_sim;
};

/* Called after each report is appended to a's log (r is borrowed). */
typedef void (*exch_report_cb)(void *ctx, struct exch_account *a,
                               const struct exch_report *r);

struct exch {
    struct exch_symbol *sym;
    size_t n_sym;
    struct exch_account **acct;
    size_t n_acct, cap_acct;
    uint64_t next_book_id;
    int64_t now;                    /* exch_time_ns of the current event */
    exch_report_cb on_report;
    void *ctx;
    /* figures for the report file */
    uint64_t orders;                /* distinct client orders (incl. rejected) */
    uint64_t resends;               /* NewOrders with an already-known id */
    uint64_t rejects, fills, cancels;
};

/* symbols are copied. 0, or -1 when out of memory. */
int exch_init(struct exch *x, const char *const *symbols, size_t n,
              exch_report_cb cb, void *ctx);
void exch_release(struct exch *x);

int exch_symbol_index(const struct exch *x, const char *name);   /* or -1 */

/* The account called name, created when absent and create is true.
 * NULL when absent (or out of memory). */
struct exch_account *exch_account(struct exch *x, const char *name, bool create);

/* A client's NewOrder (borrowed; fields as wire_check_frame accepts them).
 * Appends ACK then fills then, for an unfilled IOC/MARKET remainder, a
 * CANCEL_ACK; or one REJECT; or, for a known id, one report of the order's
 * state. now stamps the reports. 0, or -1 when out of memory. */
int exch_new_order(struct exch *x, struct exch_account *a,
                   const Stratd__Wire__NewOrder *o, int64_t now);

/* A client's CancelOrder: CANCEL_ACK, or CANCEL_REJECT with the reason
 * (unknown order, already filled/canceled/rejected). 0 or -1 (memory). */
int exch_cancel(struct exch *x, struct exch_account *a, uint64_t client_order_id,
                int64_t now);

/* Mirror one step of the market model of symbol sym into its book:
 *   1. cancel the simulated quotes of the previous step;
 *   2. when trade_qty > 0, a simulated IOC of side `aggressor` at limit
 *      trade_price for trade_qty: it fills resting client orders at that
 *      price or better (the model's trade flow reaching client orders);
 *   3. post the model's depth as simulated GTC quotes: where the market
 *      moved through a resting client order, that order fills.
 * 0, or -1 when out of memory. */
int exch_sim_update(struct exch *x, size_t sym,
                    const struct book_depth *bids, size_t n_bids,
                    const struct book_depth *asks, size_t n_asks,
                    enum book_side aggressor, int64_t trade_price,
                    int64_t trade_qty, int64_t now);

/* Restoring a saved exchange (state.c) — no reports, no counters:
 *   exch_order_add: a new order of a with that id, zeroed but for acct,
 *     client_order_id and sym (-1); NULL when the id is 0 or already known,
 *     or out of memory;
 *   exch_report_add: append a copy of r to a's log, with the next
 *     session_seq; 0 or -1 (memory);
 *   exch_sim_ids_set: the simulated quotes of the last model step of sym
 *     (the next exch_sim_update cancels them); 0 or -1 (memory). */
struct exch_order *exch_order_add(struct exch_account *a, uint64_t client_order_id);
int exch_report_add(struct exch_account *a, const struct exch_report *r);
int exch_sim_ids_set(struct exch *x, size_t sym, const uint64_t *ids, size_t n);

/* Build the wire message for a kept report; strings are borrowed from r. */
void exch_report_to_wire(const struct exch_report *r, Stratd__Wire__ExecReport *out);

#endif
