/* accounting.c — see <stratd/accounting.h>. The runtime keeps one of these for every trading kind (trading.c); raw kinds may embed their own. */
#include <stdio.h>
#include <string.h>

#include <stratd/accounting.h>
#include <stratd/stats.h>

static struct acct_position *pos_of(struct accounting *ac, const char *symbol)
{
    for (uint32_t i = 0; i < ac->n_pos; i++)
        if (strcmp(ac->pos[i].symbol, symbol) == 0)
            return &ac->pos[i];
    if (ac->n_pos == ACCT_SYMBOLS)
        return NULL;
    struct acct_position *p = &ac->pos[ac->n_pos++];
    snprintf(p->symbol, sizeof p->symbol, "%s", symbol);
    return p;
}

static struct acct_order *order_of(struct accounting *ac, uint64_t tag)
{
    for (uint32_t i = 0; i < ac->n_open; i++)
        if (ac->open[i].tag == tag)
            return &ac->open[i];
    return NULL;
}

static void drop_order(struct accounting *ac, struct acct_order *o)
{
    size_t i = (size_t)(o - ac->open);
    memmove(o, o + 1, (ac->n_open - i - 1) * sizeof *o);
    ac->n_open--;
    memset(&ac->open[ac->n_open], 0, sizeof *o);   /* flat state: keep zeros */
}

uint64_t acct_send_order(struct accounting *ac, struct actor *a, actor_ref orders,
                         const char *symbol, Stratd__Side side, int64_t price,
                         int64_t qty, bool ioc)
{
    Stratd__OrderRequest r = STRATD__ORDER_REQUEST__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    struct acct_order *o;

    if (ac->n_open == ACCT_OPEN || !pos_of(ac, symbol))
        return 0;
    o = &ac->open[ac->n_open++];
    o->tag = ++ac->next_tag;
    snprintf(o->symbol, sizeof o->symbol, "%s", symbol);
    o->side = side;
    o->state = ACCT_PENDING;
    o->price = price;
    o->qty = o->leaves = qty;
    r.symbol = (char *)symbol;
    r.side = side;
    r.price = price;
    r.qty = qty;
    r.tag = o->tag;
    r.ioc = ioc;
    m.kind_case = STRATD__MSG__KIND_ORDER_REQUEST;
    m.order_request = &r;
    actor_send(a, orders, &m);
    ac->orders++;
    return o->tag;
}

void acct_cancel(struct accounting *ac, struct actor *a, actor_ref orders, uint64_t tag)
{
    Stratd__CancelRequest c = STRATD__CANCEL_REQUEST__INIT;
    Stratd__Msg m = STRATD__MSG__INIT;
    struct acct_order *o = order_of(ac, tag);

    if (!o || o->coid == 0)
        return;
    c.client_order_id = o->coid;
    m.kind_case = STRATD__MSG__KIND_CANCEL_REQUEST;
    m.cancel_request = &c;
    actor_send(a, orders, &m);
}

/* A fill of q lots (signed) at price px. */
static void fill(struct acct_position *p, int64_t q, int64_t px)
{
    if (p->qty == 0 || (p->qty > 0) == (q > 0)) {
        int64_t n = (p->qty < 0 ? -p->qty : p->qty), m = (q < 0 ? -q : q);
        p->avg_price = (p->avg_price * n + px * m) / (n + m);
        p->qty += q;
        return;
    }
    int64_t held = p->qty < 0 ? -p->qty : p->qty, m = q < 0 ? -q : q;
    int64_t closed = m < held ? m : held;
    p->realized += closed * (px - p->avg_price) * (p->qty > 0 ? 1 : -1);
    p->qty += q;
    if (p->qty == 0)
        p->avg_price = 0;
    else if (m > held)
        p->avg_price = px;   /* flipped: the rest opened at this price */
}

void acct_on_event(struct accounting *ac, const Stratd__OrderEvent *ev)
{
    struct acct_order *o = order_of(ac, ev->tag);

    switch (ev->kind) {
    case STRATD__ORDER_EVENT__KIND__ACK:
        if (o) {
            o->coid = ev->client_order_id;
            o->state = ACCT_OPEN_ORDER;
        }
        break;
    case STRATD__ORDER_EVENT__KIND__FILL: {
        struct acct_position *p = pos_of(ac, ev->symbol);
        int64_t q = ev->side == STRATD__SIDE__BUY ? ev->qty : -ev->qty;
        if (p && ev->qty > 0)
            fill(p, q, ev->fill_price ? ev->fill_price : ev->price);
        ac->fills++;
        if (o) {
            o->coid = ev->client_order_id;
            o->leaves = ev->leaves;
            if (o->leaves == 0)
                drop_order(ac, o);
        }
        break;
    }
    case STRATD__ORDER_EVENT__KIND__REJECT:
        ac->rejects++;
        if (o)
            drop_order(ac, o);
        break;
    case STRATD__ORDER_EVENT__KIND__CANCELED:
        ac->cancels++;
        if (o)
            drop_order(ac, o);
        break;
    default:
        break;
    }
}

void acct_mark(struct accounting *ac, const char *symbol, int64_t price)
{
    struct acct_position *p = pos_of(ac, symbol);
    if (p)
        p->mark = price;
}

int64_t acct_position(const struct accounting *ac, const char *symbol)
{
    for (uint32_t i = 0; i < ac->n_pos; i++)
        if (strcmp(ac->pos[i].symbol, symbol) == 0)
            return ac->pos[i].qty;
    return 0;
}

int64_t acct_pending(const struct accounting *ac, const char *symbol)
{
    int64_t n = 0;
    for (uint32_t i = 0; i < ac->n_open; i++)
        if (strcmp(ac->open[i].symbol, symbol) == 0)
            n += ac->open[i].side == STRATD__SIDE__BUY ? ac->open[i].leaves : -ac->open[i].leaves;
    return n;
}

int64_t acct_realized(const struct accounting *ac)
{
    int64_t r = 0;
    for (uint32_t i = 0; i < ac->n_pos; i++)
        r += ac->pos[i].realized;
    return r;
}

int64_t acct_unrealized(const struct accounting *ac)
{
    int64_t u = 0;
    for (uint32_t i = 0; i < ac->n_pos; i++)
        if (ac->pos[i].qty != 0 && ac->pos[i].mark > 0)
            u += (ac->pos[i].mark - ac->pos[i].avg_price) * ac->pos[i].qty;
    return u;
}

void acct_stats(const struct accounting *ac, const char *symbol, struct stats *out)
{
    if (symbol) {
        stats_int(out, "position", acct_position(ac, symbol));
    } else {
        stats_group_begin(out, "position");
        for (uint32_t i = 0; i < ac->n_pos; i++)
            stats_int(out, ac->pos[i].symbol, ac->pos[i].qty);
        stats_group_end(out);
    }
    stats_double(out, "realized_pnl", (double)acct_realized(ac) / 1e8);
    stats_double(out, "unrealized_pnl", (double)acct_unrealized(ac) / 1e8);
    stats_uint(out, "open_orders", ac->n_open);
    stats_uint(out, "orders", ac->orders);
    stats_uint(out, "fills", ac->fills);
    stats_uint(out, "rejects", ac->rejects);
}
