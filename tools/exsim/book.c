/*
 * book.c — price-time-priority limit order book (see book.h).
 *
 * Each side is an array of levels sorted from worst to best price, so the
 * best level is the last element: matching pops from the end and most new
 * orders land near it. Within a level, orders form a doubly linked FIFO.
 * Resting orders are also indexed by id for cancels.
 */
#include <stdlib.h>
#include <string.h>

#include "book.h"

const char *book_strerror(int err)
{
    switch (err) {
#define XX(name, val, msg) case BOOK_E_##name: return msg;
    BOOK_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown book error";
    }
}

void book_init(struct book *b)
{
    memset(b, 0, sizeof *b);
    map_init(&b->ids);
}

static void half_release(struct book_half *h)
{
    for (size_t i = 0; i < h->n; i++) {
        struct book_order *o = h->lv[i].head;
        while (o) {
            struct book_order *next = o->next;
            free(o);
            o = next;
        }
    }
    free(h->lv);
    memset(h, 0, sizeof *h);
}

void book_release(struct book *b)
{
    half_release(&b->bids);
    half_release(&b->asks);
    map_release(&b->ids);
}

static struct book_half *half(struct book *b, enum book_side s)
{
    return s == BOOK_BUY ? &b->bids : &b->asks;
}

static const struct book_half *chalf(const struct book *b, enum book_side s)
{
    return s == BOOK_BUY ? &b->bids : &b->asks;
}

/* Sort key within a side: larger is better. */
static int64_t rank(enum book_side s, int64_t price)
{
    return s == BOOK_BUY ? price : -price;
}

/* Index of the first level of h whose rank is >= rank(s, price). */
static size_t lower_bound(const struct book_half *h, enum book_side s, int64_t price)
{
    size_t lo = 0, hi = h->n;
    int64_t r = rank(s, price);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rank(s, h->lv[mid].price) < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int half_reserve(struct book_half *h)
{
    size_t cap;
    struct book_level *lv;

    if (h->n < h->cap)
        return 0;
    cap = h->cap ? 2 * h->cap : 16;
    lv = realloc(h->lv, cap * sizeof *lv);
    if (!lv)
        return BOOK_E_NOMEM;
    h->lv = lv;
    h->cap = cap;
    return 0;
}

static void level_unlink(struct book_level *l, struct book_order *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        l->head = o->next;
    if (o->next)
        o->next->prev = o->prev;
    else
        l->tail = o->prev;
    o->prev = o->next = NULL;
    l->qty -= o->leaves;
    l->count--;
}

static void level_remove_at(struct book_half *h, size_t i)
{
    memmove(&h->lv[i], &h->lv[i + 1], (h->n - i - 1) * sizeof h->lv[0]);
    h->n--;
}

static bool crosses(const struct book_order *o, int64_t level_price)
{
    if (o->type == BOOK_MARKET)
        return true;
    return o->side == BOOK_BUY ? level_price <= o->price : level_price >= o->price;
}

static bool order_ok(const struct book_order *o)
{
    if (o->id == 0 || o->qty <= 0)
        return false;
    if (o->side != BOOK_BUY && o->side != BOOK_SELL)
        return false;
    if (o->tif != BOOK_GTC && o->tif != BOOK_IOC)
        return false;
    if (o->type == BOOK_LIMIT)
        return o->price > 0;
    return o->type == BOOK_MARKET;
}

/* Append o (allocated, id not in the book) at the back of its level, creating
 * the level where needed. The level array and the id map have room. */
static void rest_at_back(struct book *b, struct book_order *o)
{
    struct book_half *own = half(b, o->side);
    size_t i = lower_bound(own, o->side, o->price);
    struct book_level *l;

    if (i == own->n || own->lv[i].price != o->price) {
        memmove(&own->lv[i + 1], &own->lv[i], (own->n - i) * sizeof own->lv[0]);
        own->n++;
        l = &own->lv[i];
        memset(l, 0, sizeof *l);
        l->price = o->price;
    } else {
        l = &own->lv[i];
    }
    o->prev = l->tail;
    o->next = NULL;
    if (l->tail)
        l->tail->next = o;
    else
        l->head = o;
    l->tail = o;
    l->qty += o->leaves;
    l->count++;
    map_put(&b->ids, o->id, o);   /* cannot fail: reserved */
}

int book_submit(struct book *b, const struct book_order *in, book_fill_cb cb,
                void *ctx, struct book_result *res)
{
    struct book_half *opp = half(b, in->side == BOOK_BUY ? BOOK_SELL : BOOK_BUY);
    bool may_rest = in->type == BOOK_LIMIT && in->tif == BOOK_GTC;
    struct book_order t = *in, *rest = NULL;

    memset(res, 0, sizeof *res);
    if (!order_ok(in))
        return BOOK_E_INVAL;
    if (map_get(&b->ids, in->id))
        return BOOK_E_DUPID;
    /* Get everything resting may need before matching changes anything. */
    if (may_rest) {
        rest = malloc(sizeof *rest);
        if (!rest || half_reserve(half(b, in->side)) < 0 ||
            map_reserve(&b->ids, b->ids.n + 1) < 0) {
            free(rest);
            return BOOK_E_NOMEM;
        }
    }
    t.cum = 0;
    t.leaves = t.qty;
    t.prev = t.next = NULL;

    while (t.leaves > 0 && opp->n > 0) {
        struct book_level *l = &opp->lv[opp->n - 1];
        struct book_order *m = l->head;
        struct book_fill f;
        int64_t q;

        if (!crosses(&t, l->price))
            break;
        q = m->leaves < t.leaves ? m->leaves : t.leaves;
        m->leaves -= q;
        m->cum += q;
        l->qty -= q;
        t.leaves -= q;
        t.cum += q;
        b->last_price = l->price;
        b->last_qty = q;
        b->fills++;
        b->volume += q;
        res->filled += q;
        res->fills++;
        if (cb) {
            f.maker = m;
            f.taker = &t;
            f.price = l->price;
            f.qty = q;
            cb(ctx, &f);
        }
        if (m->leaves == 0) {
            level_unlink(l, m);
            map_del(&b->ids, m->id);
            free(m);
            if (!l->head)
                opp->n--;   /* the best level is the last one */
        }
    }

    if (t.leaves == 0 || !may_rest) {
        res->canceled = t.leaves;
        free(rest);
        return 0;
    }

    *rest = t;
    rest_at_back(b, rest);
    res->rested = rest->leaves;
    return 0;
}

int book_restore(struct book *b, const struct book_order *in)
{
    struct book_order *rest;
    int64_t p;

    if (in->id == 0 || (in->side != BOOK_BUY && in->side != BOOK_SELL) ||
        in->price <= 0 || in->leaves <= 0 || in->cum < 0 ||
        in->qty - in->cum != in->leaves)
        return BOOK_E_INVAL;
    if (book_best(b, in->side == BOOK_BUY ? BOOK_SELL : BOOK_BUY, &p, NULL) &&
        (in->side == BOOK_BUY ? p <= in->price : p >= in->price))
        return BOOK_E_INVAL;
    if (map_get(&b->ids, in->id))
        return BOOK_E_DUPID;
    rest = malloc(sizeof *rest);
    if (!rest || half_reserve(half(b, in->side)) < 0 ||
        map_reserve(&b->ids, b->ids.n + 1) < 0) {
        free(rest);
        return BOOK_E_NOMEM;
    }
    *rest = *in;
    rest->type = BOOK_LIMIT;
    rest->tif = BOOK_GTC;
    rest_at_back(b, rest);
    return 0;
}

int book_cancel(struct book *b, uint64_t id, struct book_order *out)
{
    struct book_order *o = map_get(&b->ids, id);
    struct book_half *h;
    size_t i;

    if (!o)
        return BOOK_E_NOTFOUND;
    h = half(b, o->side);
    i = lower_bound(h, o->side, o->price);
    /* i < h->n and lv[i].price == o->price: o rests at that level. */
    level_unlink(&h->lv[i], o);
    if (!h->lv[i].head)
        level_remove_at(h, i);
    map_del(&b->ids, id);
    if (out)
        *out = *o;
    free(o);
    return 0;
}

const struct book_order *book_find(const struct book *b, uint64_t id)
{
    return map_get(&b->ids, id);
}

bool book_best(const struct book *b, enum book_side side, int64_t *price,
               int64_t *qty)
{
    const struct book_half *h = chalf(b, side);

    if (h->n == 0)
        return false;
    if (price)
        *price = h->lv[h->n - 1].price;
    if (qty)
        *qty = h->lv[h->n - 1].qty;
    return true;
}

size_t book_depth(const struct book *b, enum book_side side,
                  struct book_depth *out, size_t max)
{
    const struct book_half *h = chalf(b, side);
    size_t k = 0;

    for (size_t i = h->n; i > 0 && k < max; i--, k++) {
        out[k].price = h->lv[i - 1].price;
        out[k].qty = h->lv[i - 1].qty;
    }
    return k;
}

size_t book_orders(const struct book *b)
{
    return b->ids.n;
}
