/*
 * exch.c — accounts, client orders and execution reports on top of the
 * books (see exch.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exch.h"

#define REASON_DUP "duplicate client order id"

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap ? *cap : 16;
    void *q;

    if (need <= *cap)
        return 0;
    while (c < need)
        c *= 2;
    q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

int exch_init(struct exch *x, const char *const *symbols, size_t n,
              exch_report_cb cb, void *ctx)
{
    memset(x, 0, sizeof *x);
    x->on_report = cb;
    x->ctx = ctx;
    x->sym = calloc(n ? n : 1, sizeof *x->sym);
    if (!x->sym)
        return -1;
    x->n_sym = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(x->sym[i].name, sizeof x->sym[i].name, "%s", symbols[i]);
        book_init(&x->sym[i].book);
    }
    return 0;
}

void exch_release(struct exch *x)
{
    for (size_t i = 0; i < x->n_sym; i++) {
        book_release(&x->sym[i].book);
        free(x->sym[i].sim_ids);
    }
    free(x->sym);
    for (size_t i = 0; i < x->n_acct; i++) {
        struct exch_account *a = x->acct[i];
        for (size_t k = 0; k < a->n_orders; k++)
            free(a->orders[k]);
        free(a->orders);
        free(a->reports);
        free(a->position);
        map_release(&a->by_id);
        free(a);
    }
    free(x->acct);
    memset(x, 0, sizeof *x);
}

int exch_symbol_index(const struct exch *x, const char *name)
{
    for (size_t i = 0; i < x->n_sym; i++)
        if (strcmp(x->sym[i].name, name) == 0)
            return (int)i;
    return -1;
}

struct exch_account *exch_account(struct exch *x, const char *name, bool create)
{
    struct exch_account *a;

    for (size_t i = 0; i < x->n_acct; i++)
        if (strcmp(x->acct[i]->name, name) == 0)
            return x->acct[i];
    if (!create || strlen(name) > WIRE_ACCOUNT_MAX)
        return NULL;
    if (grow((void **)&x->acct, &x->cap_acct, x->n_acct + 1, sizeof *x->acct) < 0)
        return NULL;
    a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->position = calloc(x->n_sym ? x->n_sym : 1, sizeof *a->position);
    if (!a->position) {
        free(a);
        return NULL;
    }
    snprintf(a->name, sizeof a->name, "%s", name);
    map_init(&a->by_id);
    a->idx = x->n_acct;
    x->acct[x->n_acct++] = a;
    return a;
}

/* Append a report about order o (fields from o; the caller adjusts). */
static struct exch_report *report_new(struct exch *x, struct exch_account *a,
                                      const struct exch_order *o,
                                      Stratd__Wire__ExecReport__Kind kind)
{
    struct exch_report *r;

    if (grow((void **)&a->reports, &a->cap_reports, a->n_reports + 1,
             sizeof *a->reports) < 0)
        return NULL;
    r = &a->reports[a->n_reports];
    memset(r, 0, sizeof *r);
    r->session_seq = a->n_reports + 1;
    r->kind = kind;
    r->exch_time_ns = x->now;
    if (o) {
        r->client_order_id = o->client_order_id;
        r->side = o->side;
        memcpy(r->symbol, o->symbol, sizeof r->symbol);
        r->price = o->price;
        r->qty = o->qty;
        r->cum_qty = o->cum;
        r->leaves = o->leaves;
    }
    return r;
}

/* The report is complete: keep it and tell the network layer. */
static void report_done(struct exch *x, struct exch_account *a, struct exch_report *r)
{
    a->n_reports++;
    if (x->on_report)
        x->on_report(x->ctx, a, r);
}

static int report_simple(struct exch *x, struct exch_account *a,
                         const struct exch_order *o,
                         Stratd__Wire__ExecReport__Kind kind, const char *reason)
{
    struct exch_report *r = report_new(x, a, o, kind);

    if (!r)
        return -1;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
    report_done(x, a, r);
    return 0;
}

/* A fill of client order o at price for qty (the book's callback). */
static int client_fill(struct exch *x, struct exch_order *o, int64_t price, int64_t qty)
{
    struct exch_account *a = o->acct;
    struct exch_report *r;

    o->cum += qty;
    o->leaves -= qty;
    if (o->leaves == 0)
        o->state = EXCH_FILLED;
    a->position[o->sym] += o->side == STRATD__WIRE__SIDE__BUY ? qty : -qty;
    a->fills++;
    x->fills++;
    r = report_new(x, a, o, o->leaves > 0 ? STRATD__WIRE__EXEC_REPORT__KIND__PARTIAL_FILL
                                          : STRATD__WIRE__EXEC_REPORT__KIND__FILL);
    if (!r)
        return -1;
    r->qty = qty;
    r->fill_price = price;
    report_done(x, a, r);
    return 0;
}

struct fill_ctx {
    struct exch *x;
    int err;
};

static void on_fill(void *ctx, const struct book_fill *f)
{
    struct fill_ctx *c = ctx;

    if (f->maker->owner && client_fill(c->x, f->maker->owner, f->price, f->qty) < 0)
        c->err = -1;
    if (f->taker->owner && client_fill(c->x, f->taker->owner, f->price, f->qty) < 0)
        c->err = -1;
}

/* Restate a known order (a NewOrder with a known id). */
static int restate(struct exch *x, struct exch_order *o)
{
    struct exch_report *r;

    x->resends++;
    switch (o->state) {
    case EXCH_LIVE:
        return report_simple(x, o->acct, o, STRATD__WIRE__EXEC_REPORT__KIND__ACK, REASON_DUP);
    case EXCH_FILLED:
        r = report_new(x, o->acct, o, STRATD__WIRE__EXEC_REPORT__KIND__FILL);
        if (!r)
            return -1;
        r->qty = 0;   /* no new fill */
        snprintf(r->reason, sizeof r->reason, "%s", REASON_DUP);
        report_done(x, o->acct, r);
        return 0;
    case EXCH_CANCELED:
        return report_simple(x, o->acct, o, STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_ACK,
                             REASON_DUP);
    case EXCH_REJECTED:
        return report_simple(x, o->acct, o, STRATD__WIRE__EXEC_REPORT__KIND__REJECT,
                             o->reason);
    }
    return 0;
}

struct exch_order *exch_order_add(struct exch_account *a, uint64_t client_order_id)
{
    struct exch_order *o;

    if (client_order_id == 0 || map_get(&a->by_id, client_order_id))
        return NULL;
    if (grow((void **)&a->orders, &a->cap_orders, a->n_orders + 1, sizeof *a->orders) < 0)
        return NULL;
    o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    if (map_put(&a->by_id, client_order_id, o) < 0) {
        free(o);
        return NULL;
    }
    a->orders[a->n_orders++] = o;
    o->acct = a;
    o->client_order_id = client_order_id;
    o->sym = -1;
    return o;
}

int exch_report_add(struct exch_account *a, const struct exch_report *r)
{
    if (grow((void **)&a->reports, &a->cap_reports, a->n_reports + 1,
             sizeof *a->reports) < 0)
        return -1;
    a->reports[a->n_reports] = *r;
    a->reports[a->n_reports].session_seq = a->n_reports + 1;
    a->n_reports++;
    return 0;
}

int exch_sim_ids_set(struct exch *x, size_t sym, const uint64_t *ids, size_t n)
{
    struct exch_symbol *s = &x->sym[sym];

    if (grow((void **)&s->sim_ids, &s->cap_sim, n, sizeof *s->sim_ids) < 0)
        return -1;
    if (n)
        memcpy(s->sim_ids, ids, n * sizeof *ids);
    s->n_sim = n;
    return 0;
}

static struct exch_order *order_new(struct exch_account *a, const Stratd__Wire__NewOrder *in)
{
    struct exch_order *o = exch_order_add(a, in->client_order_id);

    if (!o)
        return NULL;
    snprintf(o->symbol, sizeof o->symbol, "%s", in->symbol);
    o->side = in->side;
    o->type = in->type;
    o->tif = in->tif;
    o->price = in->price;
    o->qty = in->qty;
    o->leaves = in->qty;
    return o;
}

static int reject(struct exch *x, struct exch_order *o, const char *reason)
{
    o->state = EXCH_REJECTED;
    o->leaves = 0;
    snprintf(o->reason, sizeof o->reason, "%s", reason);
    x->rejects++;
    return report_simple(x, o->acct, o, STRATD__WIRE__EXEC_REPORT__KIND__REJECT, reason);
}

int exch_new_order(struct exch *x, struct exch_account *a,
                   const Stratd__Wire__NewOrder *in, int64_t now)
{
    struct exch_order *o = map_get(&a->by_id, in->client_order_id);
    struct book_order bo = {0};
    struct book_result res;
    struct fill_ctx fc = { x, 0 };
    int err;

    x->now = now;
    if (o)
        return restate(x, o);
    o = order_new(a, in);
    if (!o)
        return -1;
    x->orders++;
    o->sym = exch_symbol_index(x, in->symbol);
    if (o->sym < 0)
        return reject(x, o, "unknown symbol");

    bo.id = ++x->next_book_id;
    bo.owner = o;
    bo.side = in->side == STRATD__WIRE__SIDE__BUY ? BOOK_BUY : BOOK_SELL;
    bo.type = in->type == STRATD__WIRE__ORD_TYPE__MARKET ? BOOK_MARKET : BOOK_LIMIT;
    bo.tif = in->tif == STRATD__WIRE__TIF__IOC ? BOOK_IOC : BOOK_GTC;
    bo.price = in->price;
    bo.qty = in->qty;
    /* Check before the ACK: the book refuses what wire_check_frame would. */
    if (bo.qty <= 0 || (bo.type == BOOK_LIMIT ? bo.price <= 0 : bo.price != 0))
        return reject(x, o, "invalid order");
    o->book_id = bo.id;
    if (report_simple(x, a, o, STRATD__WIRE__EXEC_REPORT__KIND__ACK, "") < 0)
        return -1;
    err = book_submit(&x->sym[o->sym].book, &bo, on_fill, &fc, &res);
    if (err < 0)
        return -1;   /* BOOK_E_NOMEM: ids are fresh, the order was checked */
    if (res.canceled > 0) {
        o->leaves = 0;
        o->state = EXCH_CANCELED;
        snprintf(o->reason, sizeof o->reason, "%s remainder canceled",
                 bo.type == BOOK_MARKET ? "MARKET" : "IOC");
        x->cancels++;
        if (report_simple(x, a, o, STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_ACK,
                          o->reason) < 0)
            return -1;
    }
    return fc.err;
}

int exch_cancel(struct exch *x, struct exch_account *a, uint64_t id, int64_t now)
{
    struct exch_order *o = map_get(&a->by_id, id);
    struct exch_report *r;
    const char *why = NULL;

    x->now = now;
    if (!o) {
        r = report_new(x, a, NULL, STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_REJECT);
        if (!r)
            return -1;
        r->client_order_id = id;
        snprintf(r->reason, sizeof r->reason, "unknown order");
        report_done(x, a, r);
        return 0;
    }
    switch (o->state) {
    case EXCH_LIVE:     break;
    case EXCH_FILLED:   why = "order already filled"; break;
    case EXCH_CANCELED: why = "order already canceled"; break;
    case EXCH_REJECTED: why = "order was rejected"; break;
    }
    if (!why && book_cancel(&x->sym[o->sym].book, o->book_id, NULL) < 0)
        why = "order not in the book";   /* cannot happen while LIVE */
    if (why)
        return report_simple(x, a, o, STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_REJECT, why);
    o->leaves = 0;
    o->state = EXCH_CANCELED;
    snprintf(o->reason, sizeof o->reason, "canceled by client");
    x->cancels++;
    return report_simple(x, a, o, STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_ACK, o->reason);
}

static int sim_post(struct exch *x, struct exch_symbol *s, enum book_side side,
                    enum book_tif tif, int64_t price, int64_t qty,
                    struct fill_ctx *fc)
{
    struct book_order bo = book_limit(++x->next_book_id, side, tif, price, qty);
    struct book_result res;

    if (tif == BOOK_GTC &&
        grow((void **)&s->sim_ids, &s->cap_sim, s->n_sim + 1, sizeof *s->sim_ids) < 0)
        return -1;
    if (book_submit(&s->book, &bo, on_fill, fc, &res) < 0)
        return -1;
    if (res.rested > 0)
        s->sim_ids[s->n_sim++] = bo.id;
    return 0;
}

int exch_sim_update(struct exch *x, size_t sym,
                    const struct book_depth *bids, size_t n_bids,
                    const struct book_depth *asks, size_t n_asks,
                    enum book_side aggressor, int64_t trade_price,
                    int64_t trade_qty, int64_t now)
{
    struct exch_symbol *s = &x->sym[sym];
    struct fill_ctx fc = { x, 0 };

    x->now = now;
    for (size_t i = 0; i < s->n_sim; i++)
        book_cancel(&s->book, s->sim_ids[i], NULL);   /* gone if filled */
    s->n_sim = 0;
    if (trade_qty > 0 && trade_price > 0 &&
        sim_post(x, s, aggressor, BOOK_IOC, trade_price, trade_qty, &fc) < 0)
        return -1;
    for (size_t i = 0; i < n_bids; i++)
        if (bids[i].price > 0 && bids[i].qty > 0 &&
            sim_post(x, s, BOOK_BUY, BOOK_GTC, bids[i].price, bids[i].qty, &fc) < 0)
            return -1;
    for (size_t i = 0; i < n_asks; i++)
        if (asks[i].price > 0 && asks[i].qty > 0 &&
            sim_post(x, s, BOOK_SELL, BOOK_GTC, asks[i].price, asks[i].qty, &fc) < 0)
            return -1;
    return fc.err;
}

void exch_report_to_wire(const struct exch_report *r, Stratd__Wire__ExecReport *out)
{
    stratd__wire__exec_report__init(out);
    out->session_seq = r->session_seq;
    out->client_order_id = r->client_order_id;
    out->kind = r->kind;
    out->symbol = (char *)r->symbol;
    out->side = r->side;
    out->price = r->price;
    out->qty = r->qty;
    out->cum_qty = r->cum_qty;
    out->leaves = r->leaves;
    out->fill_price = r->fill_price;
    out->reason = (char *)r->reason;
    out->exch_time_ns = r->exch_time_ns;
}
