/*
 * orders.c — the order gateway: OrderRequest / CancelRequest messages from
 * strategies in, orders to the exchange out, execution reports back in as
 * OrderEvent messages to the owning strategy.
 *
 * Replayable state (changes only in on_message): the open orders, the
 * account's position per symbol, the last exchange report journaled. Every
 * report from the exchange is one entry sent to the owner and to the
 * service itself, so a rebuild restores exactly what the journal knows.
 *
 * Client order ids are derived from the requesting actor's uuid and the
 * request's lsn: the same request always gets the same id, so a resend after
 * a restart is recognised by the exchange and creates no second order (I3).
 *
 * Output commit: an order's bytes leave the process only after the batch
 * holding its acceptance is committed (service_after_commit), so the
 * exchange never knows an order the journal does not.
 *
 * Reconciliation (every logon, including the first after a restart): the
 * exchange resends every report after the last one journaled, and every
 * accepted order not yet acknowledged is sent again (idempotent by id).
 *
 * An exchange that restarted its session (LogonAck.next_seq at or below the
 * last report journaled) has forgotten its orders: the service journals a
 * SessionReset to itself, and handling it cancels every open order towards
 * its owner (reason "exchange session reset") and restarts the sequence.
 *
 * Pre-trade checks, decided in the handler (so replayed identically): qty
 * in (0, max_order_qty], open orders < max_open_orders, and the position
 * if every open order on that side filled within ±max_position. A breach is
 * an OrderEvent REJECT to the strategy; nothing leaves the process.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hash.h"
#include "orders.h"
#include "service.h"
#include "stats.h"

#define SYMBOL_MAX 32

struct orders_params {
    char *connect;
    char *account;
    int64_t max_order_qty;
    int64_t max_position;
    int64_t max_open_orders;
    int64_t heartbeat_timeout_ms;
};

enum order_state { ORDER_NEW, ORDER_ACKED };

struct order {
    uint64_t coid;
    actor_ref owner;
    uint64_t tag;
    char symbol[SYMBOL_MAX + 1];
    Stratd__Side side;
    int64_t price, qty, cum, leaves;
    bool ioc;
    uint64_t accept_no;          /* 1 for the first order this service accepted */
    enum order_state state;
    bool cancel_requested;
    bool sent;                   /* live only: on the current connection */
    bool cancel_sent;            /* live only */
    bool may_be_out;             /* live only: sent before (earlier connection
                                  * or before a restart): sending is a resend */
};

struct position {
    char symbol[SYMBOL_MAX + 1];
    int64_t qty;
};

struct orders_state {
    const struct orders_params *p;
    struct actor *self;
    struct order *orders;        /* open orders, in acceptance order */
    size_t n_orders, cap_orders;
    struct position *pos;
    size_t n_pos, cap_pos;
    uint64_t last_seq;           /* last exchange report handled */
    uint64_t accepted, rejected, filled_qty, reports, resets;

    /* live only */
    struct conn conn;
    bool live, logged_on, flush_queued;
    uint64_t emitted_seq;        /* last report sent into the journal */
    uint64_t sent, resent;
};

#ifdef STRATD_TEST_HOOKS
static uint64_t crash_before_send;   /* test builds: see orders.h */

void orders_test_crash_before_send(uint64_t nth)
{
    crash_before_send = nth;
}
#define crash_due(o) (crash_before_send && (o)->accept_no == crash_before_send)
#else
#define crash_due(o) 0
#endif

static void orders_init(struct actor *a, void *state, const void *params)
{
    struct orders_state *s = state;
    s->p = params;
    s->self = a;
}

/* --- replayable side ------------------------------------------------------------ */

static struct position *position(struct orders_state *s, const char *symbol)
{
    for (size_t i = 0; i < s->n_pos; i++)
        if (strcmp(s->pos[i].symbol, symbol) == 0)
            return &s->pos[i];
    if (s->n_pos == s->cap_pos) {
        s->cap_pos = s->cap_pos ? 2 * s->cap_pos : 8;
        s->pos = realloc(s->pos, s->cap_pos * sizeof *s->pos);
        if (!s->pos)
            abort();
    }
    struct position *p = &s->pos[s->n_pos++];
    memset(p, 0, sizeof *p);
    snprintf(p->symbol, sizeof p->symbol, "%s", symbol);
    return p;
}

static struct order *find(struct orders_state *s, uint64_t coid)
{
    for (size_t i = 0; i < s->n_orders; i++)
        if (s->orders[i].coid == coid)
            return &s->orders[i];
    return NULL;
}

static void forget(struct orders_state *s, struct order *o)
{
    size_t i = (size_t)(o - s->orders);
    memmove(o, o + 1, (s->n_orders - i - 1) * sizeof *o);
    s->n_orders--;
}

/* ev to the n actors of to, one journal entry. */
static void send_event(struct orders_state *s, const actor_ref *to, size_t n,
                       Stratd__OrderEvent *ev)
{
    Stratd__Msg m = STRATD__MSG__INIT;

    m.kind_case = STRATD__MSG__KIND_ORDER_EVENT;
    m.order_event = ev;
    actor_send_many(s->self, to, n, &m);
}

/* OrderEvent to the owner only (decided here, no exchange report). */
static void tell_owner(struct orders_state *s, actor_ref owner, Stratd__OrderEvent__Kind kind,
                       uint64_t coid, const Stratd__OrderRequest *r, const char *reason)
{
    Stratd__OrderEvent ev = STRATD__ORDER_EVENT__INIT;

    ev.kind = kind;
    ev.client_order_id = coid;
    if (r) {
        ev.tag = r->tag;
        ev.symbol = r->symbol;
        ev.side = r->side;
        ev.price = r->price;
        ev.qty = r->qty;
    }
    ev.reason = (char *)reason;
    send_event(s, &owner, 1, &ev);
}

static const char *pre_trade_check(struct orders_state *s, const Stratd__OrderRequest *r,
                                   char *why, size_t len)
{
    int64_t worst, open_same = 0, sign = r->side == STRATD__SIDE__BUY ? 1 : -1;

    if (r->side != STRATD__SIDE__BUY && r->side != STRATD__SIDE__SELL)
        return "side must be BUY or SELL";
    if (!wire_symbol_ok(r->symbol))
        return "symbol must be 1-32 characters of [A-Z0-9._-]";
    if (r->qty <= 0)
        return "qty must be positive";
    if (r->price < 0)
        return "price must not be negative";
    if (r->qty > s->p->max_order_qty) {
        snprintf(why, len, "qty %" PRId64 " exceeds max_order_qty %" PRId64, r->qty,
                 s->p->max_order_qty);
        return why;
    }
    if ((int64_t)s->n_orders >= s->p->max_open_orders) {
        snprintf(why, len, "%zu open orders: max_open_orders is %" PRId64, s->n_orders,
                 s->p->max_open_orders);
        return why;
    }
    for (size_t i = 0; i < s->n_orders; i++)
        if (s->orders[i].side == r->side && strcmp(s->orders[i].symbol, r->symbol) == 0)
            open_same += s->orders[i].leaves;
    worst = position(s, r->symbol)->qty + sign * (open_same + r->qty);
    if (worst > s->p->max_position || worst < -s->p->max_position) {
        snprintf(why, len, "position could reach %" PRId64 " %s: max_position is %" PRId64,
                 worst, r->symbol, s->p->max_position);
        return why;
    }
    return NULL;
}

static void flush_after_commit(void *arg);

static void queue_flush(struct orders_state *s)
{
    if (s->live && !s->flush_queued) {
        s->flush_queued = true;
        service_after_commit(s->self, flush_after_commit, s);
    }
}

static void on_order_request(struct orders_state *s, const struct msg *m)
{
    const Stratd__OrderRequest *r = m->body->order_request;
    uint64_t coid = orders_client_order_id(actor_stable_key(s->self, m->sender), m->lsn);
    const char *reason;
    char why[160];
    struct order *o;

    if ((reason = pre_trade_check(s, r, why, sizeof why))) {
        s->rejected++;
        actor_log(s->self, LOG_WARN, "order from %s rejected: %s",
                  actor_id_of(s->self, m->sender), reason);
        tell_owner(s, m->sender, STRATD__ORDER_EVENT__KIND__REJECT, coid, r, reason);
        return;
    }
    if (s->n_orders == s->cap_orders) {
        s->cap_orders = s->cap_orders ? 2 * s->cap_orders : 16;
        s->orders = realloc(s->orders, s->cap_orders * sizeof *s->orders);
        if (!s->orders)
            abort();
    }
    o = &s->orders[s->n_orders++];
    memset(o, 0, sizeof *o);
    o->coid = coid;
    o->owner = m->sender;
    o->tag = r->tag;
    snprintf(o->symbol, sizeof o->symbol, "%s", r->symbol);
    o->side = r->side;
    o->price = r->price;
    o->qty = o->leaves = r->qty;
    o->ioc = r->ioc;
    o->state = ORDER_NEW;
    o->accept_no = ++s->accepted;
    queue_flush(s);
}

static void on_cancel_request(struct orders_state *s, const struct msg *m)
{
    struct order *o = find(s, m->body->cancel_request->client_order_id);

    if (!o || o->owner != m->sender) {
        tell_owner(s, m->sender, STRATD__ORDER_EVENT__KIND__CANCEL_REJECTED,
                   m->body->cancel_request->client_order_id, NULL, "unknown order");
        return;
    }
    o->cancel_requested = true;
    queue_flush(s);
}

/* A report from the exchange, journaled to the owner and to us. */
static void on_report(struct orders_state *s, const Stratd__OrderEvent *ev)
{
    struct order *o = find(s, ev->client_order_id);

    s->reports++;
    if (ev->session_seq > s->last_seq)
        s->last_seq = ev->session_seq;
    if (!o)
        return;
    switch (ev->kind) {
    case STRATD__ORDER_EVENT__KIND__ACK:
        o->state = ORDER_ACKED;
        break;
    case STRATD__ORDER_EVENT__KIND__FILL:
        position(s, o->symbol)->qty += (o->side == STRATD__SIDE__BUY ? 1 : -1) * ev->qty;
        o->cum += ev->qty;
        o->leaves = ev->leaves;
        o->state = ORDER_ACKED;
        s->filled_qty += (uint64_t)ev->qty;
        if (o->leaves == 0)
            forget(s, o);
        break;
    case STRATD__ORDER_EVENT__KIND__REJECT:
    case STRATD__ORDER_EVENT__KIND__CANCELED:
        forget(s, o);
        break;
    default:
        break;
    }
}

static void on_session_reset(struct orders_state *s, uint64_t next_seq)
{
    while (s->n_orders > 0) {
        struct order *o = &s->orders[s->n_orders - 1];
        Stratd__OrderEvent ev = STRATD__ORDER_EVENT__INIT;
        ev.kind = STRATD__ORDER_EVENT__KIND__CANCELED;
        ev.client_order_id = o->coid;
        ev.tag = o->tag;
        ev.symbol = o->symbol;
        ev.side = o->side;
        ev.price = o->price;
        ev.qty = o->qty;
        ev.reason = "exchange session reset";
        send_event(s, &o->owner, 1, &ev);
        s->n_orders--;
    }
    s->last_seq = next_seq > 0 ? next_seq - 1 : 0;
    s->resets++;
}

static void orders_on_message(struct actor *a, void *state, const struct msg *m)
{
    struct orders_state *s = state;

    switch (m->body->kind_case) {
    case STRATD__MSG__KIND_ORDER_REQUEST:
        if (m->sender != ACTOR_REF_NONE)
            on_order_request(s, m);
        break;
    case STRATD__MSG__KIND_CANCEL_REQUEST:
        if (m->sender != ACTOR_REF_NONE)
            on_cancel_request(s, m);
        break;
    case STRATD__MSG__KIND_ORDER_EVENT:
        if (m->sender == actor_self(a))
            on_report(s, m->body->order_event);
        break;
    case STRATD__MSG__KIND_SESSION_RESET:
        if (m->sender == actor_self(a))
            on_session_reset(s, m->body->session_reset->next_seq);
        break;
    default:
        break;
    }
}

static uint64_t orders_digest(const void *state, uint64_t h)
{
    const struct orders_state *s = state;

    h = hash_u64(h, s->last_seq);
    h = hash_u64(h, s->accepted);
    h = hash_u64(h, s->rejected);
    h = hash_u64(h, s->filled_qty);
    h = hash_u64(h, s->reports);
    h = hash_u64(h, s->resets);
    for (size_t i = 0; i < s->n_orders; i++) {
        const struct order *o = &s->orders[i];
        h = hash_u64(h, o->coid);
        h = hash_u64(h, actor_stable_key(s->self, o->owner));
        h = hash_u64(h, o->tag);
        h = hash_bytes(h, o->symbol, strlen(o->symbol));
        h = hash_u64(h, (uint64_t)o->side);
        h = hash_u64(h, (uint64_t)o->price);
        h = hash_u64(h, (uint64_t)o->qty);
        h = hash_u64(h, (uint64_t)o->cum);
        h = hash_u64(h, (uint64_t)o->leaves);
        h = hash_u64(h, o->accept_no);
        h = hash_u64(h, (uint64_t)o->ioc << 2 | (uint64_t)o->state << 1 | o->cancel_requested);
    }
    for (size_t i = 0; i < s->n_pos; i++) {
        h = hash_bytes(h, s->pos[i].symbol, strlen(s->pos[i].symbol));
        h = hash_u64(h, (uint64_t)s->pos[i].qty);
    }
    return h;
}

static void orders_stats(const void *state, struct stats *out)
{
    const struct orders_state *s = state;

    stats_text(out, "account", s->p->account);
    stats_text(out, "connection", s->live ? (s->logged_on ? "logged on" :
                conn_state_name(&s->conn)) : "idle");
    stats_uint(out, "open_orders", s->n_orders);
    stats_uint(out, "accepted", s->accepted);
    stats_uint(out, "rejected", s->rejected);
    stats_uint(out, "filled_qty", s->filled_qty);
    stats_uint(out, "last_seq", s->last_seq);
    stats_uint(out, "sent", s->sent);
    stats_uint(out, "resent", s->resent);
    stats_uint(out, "session_resets", s->resets);
    stats_group_begin(out, "positions");
    for (size_t i = 0; i < s->n_pos; i++)
        stats_int(out, s->pos[i].symbol, s->pos[i].qty);
    stats_group_end(out);
}

static void orders_release(void *state)
{
    struct orders_state *s = state;
    free(s->orders);
    free(s->pos);
}

/* --- live side ------------------------------------------------------------------ */

static Stratd__Wire__Side wire_side(Stratd__Side side)
{
    return side == STRATD__SIDE__BUY ? STRATD__WIRE__SIDE__BUY : STRATD__WIRE__SIDE__SELL;
}

/* Send what the committed state says must be at the exchange and is not on
 * this connection yet: new orders, then cancels. */
static void flush(struct orders_state *s)
{
    if (!s->logged_on)
        return;
    for (size_t i = 0; i < s->n_orders; i++) {
        struct order *o = &s->orders[i];
        Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
        if (!o->sent) {
            Stratd__Wire__NewOrder no = STRATD__WIRE__NEW_ORDER__INIT;
            if (crash_due(o))
                raise(SIGKILL);
            no.client_order_id = o->coid;
            no.symbol = o->symbol;
            no.side = wire_side(o->side);
            no.type = o->price > 0 ? STRATD__WIRE__ORD_TYPE__LIMIT : STRATD__WIRE__ORD_TYPE__MARKET;
            no.price = o->price;
            no.qty = o->qty;
            no.tag = o->tag;
            no.tif = o->ioc || o->price == 0 ? STRATD__WIRE__TIF__IOC : STRATD__WIRE__TIF__GTC;
            f.body_case = STRATD__WIRE__FRAME__BODY_NEW_ORDER;
            f.new_order = &no;
            conn_send(&s->conn, &f);
            s->sent++;
            s->resent += o->may_be_out;
            o->sent = o->may_be_out = true;
        }
        if (o->cancel_requested && !o->cancel_sent) {
            Stratd__Wire__CancelOrder co = STRATD__WIRE__CANCEL_ORDER__INIT;
            co.client_order_id = o->coid;
            f.body_case = STRATD__WIRE__FRAME__BODY_CANCEL_ORDER;
            f.cancel_order = &co;
            conn_send(&s->conn, &f);
            o->cancel_sent = true;
        }
    }
}

static void flush_after_commit(void *arg)
{
    struct orders_state *s = arg;

    s->flush_queued = false;
    if (s->live)
        flush(s);
}

static void orders_on_up(void *owner)
{
    struct orders_state *s = owner;
    Stratd__Wire__Logon lo = STRATD__WIRE__LOGON__INIT;
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;

    s->logged_on = false;
    lo.account = s->p->account;
    lo.last_seen_seq = s->emitted_seq;
    f.body_case = STRATD__WIRE__FRAME__BODY_LOGON;
    f.logon = &lo;
    conn_send(&s->conn, &f);
}

static void orders_on_down(void *owner)
{
    struct orders_state *s = owner;

    s->logged_on = false;
    /* unacknowledged orders and cancels go again on the next logon; the
     * exchange knows acknowledged ones */
    for (size_t i = 0; i < s->n_orders; i++) {
        s->orders[i].sent = s->orders[i].state == ORDER_ACKED;
        s->orders[i].cancel_sent = false;
    }
}

static Stratd__OrderEvent__Kind event_kind(Stratd__Wire__ExecReport__Kind k)
{
    switch (k) {
    case STRATD__WIRE__EXEC_REPORT__KIND__ACK:           return STRATD__ORDER_EVENT__KIND__ACK;
    case STRATD__WIRE__EXEC_REPORT__KIND__REJECT:        return STRATD__ORDER_EVENT__KIND__REJECT;
    case STRATD__WIRE__EXEC_REPORT__KIND__PARTIAL_FILL:
    case STRATD__WIRE__EXEC_REPORT__KIND__FILL:          return STRATD__ORDER_EVENT__KIND__FILL;
    case STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_ACK:    return STRATD__ORDER_EVENT__KIND__CANCELED;
    case STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_REJECT: return STRATD__ORDER_EVENT__KIND__CANCEL_REJECTED;
    default:                                             return STRATD__ORDER_EVENT__KIND__KIND_UNKNOWN;
    }
}

static void on_exec_report(struct orders_state *s, const Stratd__Wire__ExecReport *er)
{
    Stratd__OrderEvent ev = STRATD__ORDER_EVENT__INIT;
    struct order *o;
    actor_ref to[2];
    size_t n = 0;

    if (er->session_seq <= s->emitted_seq)
        return;   /* already journaled */
    if (er->session_seq != s->emitted_seq + 1) {
        actor_log(s->self, LOG_WARN, "exchange report gap: expected %" PRIu64 ", got %" PRIu64
                  "; logging on again", s->emitted_seq + 1, er->session_seq);
        conn_drop(&s->conn, "report sequence gap");
        return;
    }
    s->emitted_seq = er->session_seq;
    o = find(s, er->client_order_id);
    ev.kind = event_kind(er->kind);
    ev.client_order_id = er->client_order_id;
    ev.symbol = er->symbol;
    ev.side = er->side == STRATD__WIRE__SIDE__BUY ? STRATD__SIDE__BUY :
              er->side == STRATD__WIRE__SIDE__SELL ? STRATD__SIDE__SELL : STRATD__SIDE__SIDE_UNKNOWN;
    ev.price = er->price;
    ev.qty = er->qty;
    ev.leaves = er->leaves;
    ev.reason = er->reason;
    ev.session_seq = er->session_seq;
    ev.fill_price = er->fill_price;
    if (o) {
        ev.tag = o->tag;
        to[n++] = o->owner;
    }
    to[n++] = actor_self(s->self);
    send_event(s, to, n, &ev);
}

static void orders_on_frame(void *owner, const Stratd__Wire__Frame *f)
{
    struct orders_state *s = owner;

    switch (f->body_case) {
    case STRATD__WIRE__FRAME__BODY_LOGON_ACK:
        if (s->emitted_seq > 0 && f->logon_ack->next_seq <= s->emitted_seq) {
            Stratd__SessionReset sr = STRATD__SESSION_RESET__INIT;
            Stratd__Msg m = STRATD__MSG__INIT;
            actor_log(s->self, LOG_WARN, "the exchange restarted its session (next report "
                      "%" PRIu64 ", last journaled %" PRIu64 "): its %zu open orders are "
                      "gone, canceling them", f->logon_ack->next_seq, s->emitted_seq,
                      s->n_orders);
            sr.next_seq = f->logon_ack->next_seq;
            for (size_t i = 0; i < s->n_orders; i++)   /* never to the new session */
                s->orders[i].sent = s->orders[i].cancel_sent = true;
            m.kind_case = STRATD__MSG__KIND_SESSION_RESET;
            m.session_reset = &sr;
            actor_send(s->self, actor_self(s->self), &m);
            s->emitted_seq = sr.next_seq - 1;
        }
        s->logged_on = true;
        actor_log(s->self, LOG_INFO, "logged on as %s (reports after %" PRIu64 "; %zu open "
                  "orders to reconcile)", s->p->account, s->emitted_seq, s->n_orders);
        /* what the journal holds is committed: send it after the next
         * commit like everything else */
        queue_flush(s);
        break;
    case STRATD__WIRE__FRAME__BODY_EXEC_REPORT:
        on_exec_report(s, f->exec_report);
        break;
    default:
        break;
    }
}

static const struct conn_ops orders_conn_ops = {
    .on_up = orders_on_up,
    .on_frame = orders_on_frame,
    .on_down = orders_on_down,
};

static void orders_go_live(struct actor *a, void *state, uv_loop_t *loop)
{
    struct orders_state *s = state;

    s->emitted_seq = s->last_seq;
    orders_on_down(s);
    /* accepted before the restart: they may have left the process */
    for (size_t i = 0; i < s->n_orders; i++)
        s->orders[i].may_be_out = true;
    conn_init(&s->conn, loop, s->p->connect, WIRE_ORDER_CLIENT, s->p->heartbeat_timeout_ms,
              &orders_conn_ops, s, a);
    s->live = true;
    conn_start(&s->conn);
}

static void orders_stop(struct actor *a, void *state)
{
    struct orders_state *s = state;
    (void)a;

    if (s->live)
        conn_stop(&s->conn);
    s->live = s->logged_on = false;
}

static const char *orders_check(const void *params, const char **key)
{
    const struct orders_params *p = params;
    struct sockaddr_in sa;

    if (conn_parse_addr(p->connect, &sa) != 0) {
        *key = "connect";
        return "param 'connect' must be IPV4:PORT or localhost:PORT";
    }
    if (!wire_account_ok(p->account)) {
        *key = "account";
        return "param 'account' must be 1-64 characters of [A-Za-z0-9._-]";
    }
    return NULL;
}

#define P(field) offsetof(struct orders_params, field)
static const struct param_def orders_params[] = {
    {"connect", PARAM_STRING, PARAM_REQUIRED, 3, 255, NULL, P(connect), NULL},
    {"account", PARAM_STRING, PARAM_REQUIRED, 1, 64, NULL, P(account), NULL},
    {"max_order_qty", PARAM_INT, 0, 1, 1e12, NULL, P(max_order_qty), "100"},
    {"max_position", PARAM_INT, 0, 0, 1e12, NULL, P(max_position), "1000"},
    {"max_open_orders", PARAM_INT, 0, 1, 100000, NULL, P(max_open_orders), "100"},
    {"heartbeat_timeout_ms", PARAM_INT, 0, 100, 600000, NULL, P(heartbeat_timeout_ms), "3000"},
    {NULL},
};
#undef P

static const char *orders_health(const void *state)
{
    const struct orders_state *s = state;
    return s->live && !s->logged_on ? "order session down" : NULL;
}

static const struct service_ops orders_service = {
    .go_live = orders_go_live,
    .stop = orders_stop,
    .health = orders_health,
};

const struct actor_kind orders_kind = {
    .name = "orders",
    .role = "orders",
    .params = orders_params,
    .params_size = sizeof(struct orders_params),
    .check = orders_check,
    .state_size = sizeof(struct orders_state),
    .init = orders_init,
    .on_message = orders_on_message,
    .digest = orders_digest,
    .stats = orders_stats,
    .release = orders_release,
    .service = &orders_service,
};
