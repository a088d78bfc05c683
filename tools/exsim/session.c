/*
 * session.c — the exchange's TCP side: one server for market data, one for
 * orders, one struct client per client connection.
 *
 * Output is pulled, not pushed: a connection keeps a cursor into what it
 * still has to receive (per subscribed symbol: the next tick seq; for an
 * order session: the next session_seq of its account), and session_flush,
 * run before the loop blocks, encodes what is due into one write per
 * connection, up to a high-water mark of bytes in flight. Resends after a
 * subscribe or logon and live traffic are the same path, so a client gets
 * history then live with no gap, and a slow client only delays itself.
 *
 * Tick-to-order latency (latency.h): md_pump stamps the ticks of a write
 * with uv_hrtime() taken right before the write is handed to uv_write (which
 * tries write(2) at once when nothing is queued), the first time a tick goes
 * out on any connection; on_frame reads the clock as soon as a NewOrder is
 * decoded and, when its tag is such a tick of its symbol, records the
 * difference.
 *
 * A connection that sends a malformed or out-of-place frame gets one Error
 * frame, then its write side is shut down and its input discarded until it
 * closes (or DRAIN_MS passes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exsim.h"

#define HIGH_WATER (256 * 1024)   /* bytes in flight per connection */
#define BATCH_BYTES (64 * 1024)   /* bytes per write */
#define DRAIN_MS 1000

struct sub {
    size_t sym;
    uint64_t next;              /* seq of the next tick to send */
    uint64_t first;             /* md_pump: next when the batch began */
};

struct client {
    uv_tcp_t tcp;               /* first: handle -> client */
    uv_shutdown_t shutdown;
    struct exsim *sim;
    struct client *prev, *next;
    bool is_md;
    bool draining, closing;
    char peer[64];
    struct wire_decoder dec;
    size_t in_flight;           /* bytes written, not yet confirmed */
    uint64_t last_write_ms, drain_since_ms;
    /* market data */
    struct sub *subs;
    size_t n_subs, cap_subs;
    /* orders */
    struct exch_account *acct;
    uint64_t next_report;       /* session_seq of the next report to send */
    char rbuf[64 * 1024];
};

struct wreq {
    uv_write_t req;
    struct client *c;
    uint8_t *data;
    size_t len;
};

static const char *kind_name(const struct client *c)
{
    return c->is_md ? "md" : "order";
}

/* ---- closing */

static void on_closed(uv_handle_t *h)
{
    struct client *c = (struct client *)h;

    wire_decoder_release(&c->dec);
    free(c->subs);
    free(c);
}

static void client_close(struct client *c, const char *why)
{
    struct exsim *s = c->sim;

    if (c->closing)
        return;
    c->closing = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->is_md)
        s->md_clients--;
    else
        s->order_clients--;
    if (c->acct && c->acct->session == c)
        c->acct->session = NULL;
    exsim_log("%s client %s%s%s disconnected: %s", kind_name(c), c->peer,
              c->acct ? " account " : "", c->acct ? c->acct->name : "", why);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

/* ---- writing */

static void on_written(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct client *c = w->c;

    c->in_flight -= w->len;
    free(w->data);
    free(w);
    if (status < 0 && status != UV_ECANCELED && !c->closing) {
        char why[128];
        snprintf(why, sizeof why, "write: %s", uv_strerror(status));
        client_close(c, why);
    }
}

/* Send len bytes of data (taken: freed here). true when handed to libuv. */
static bool client_write(struct client *c, uint8_t *data, size_t len)
{
    struct wreq *w;
    uv_buf_t buf;
    int err;

    if (c->closing || len == 0) {
        free(data);
        return false;
    }
    w = malloc(sizeof *w);
    if (!w) {
        free(data);
        client_close(c, "write: out of memory");
        return false;
    }
    w->c = c;
    w->data = data;
    w->len = len;
    buf = uv_buf_init((char *)data, (unsigned)len);
    err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written);
    if (err < 0) {
        char why[128];
        free(data);
        free(w);
        snprintf(why, sizeof why, "uv_write: %s", uv_strerror(err));
        client_close(c, why);
        return false;
    }
    c->in_flight += len;
    c->last_write_ms = uv_now(c->sim->loop);
    return true;
}

static void client_send(struct client *c, const Stratd__Wire__Frame *f)
{
    struct wire_buf b = WIRE_BUF_INIT;
    uint8_t *data;
    size_t len;
    int err = wire_buf_append(&b, f);

    if (err < 0) {
        exsim_log("%s client %s: encode %s: %s", kind_name(c), c->peer,
                  wire_body_name(f->body_case), wire_strerror(err));
        wire_buf_release(&b);
        return;
    }
    data = wire_buf_steal(&b, &len);
    client_write(c, data, len);
}

static void send_error(struct client *c, int code, const char *text)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    Stratd__Wire__Error e = STRATD__WIRE__ERROR__INIT;

    e.code = (uint32_t)(code < 0 ? -code : code);
    e.text = (char *)text;
    f.body_case = STRATD__WIRE__FRAME__BODY_ERROR;
    f.error = &e;
    client_send(c, &f);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;   /* the peer closes, or the housekeeping timer does */
}

/* Refuse the connection: Error frame, then half-close and drain. */
static void client_fail(struct client *c, int code, const char *text)
{
    int err;

    if (c->closing || c->draining)
        return;
    exsim_log("%s client %s%s%s: error %s: %s", kind_name(c), c->peer,
              c->acct ? " account " : "", c->acct ? c->acct->name : "",
              wire_err_name(code), text);
    send_error(c, code, text);
    c->draining = true;
    c->drain_since_ms = uv_now(c->sim->loop);
    if (c->acct && c->acct->session == c)
        c->acct->session = NULL;
    err = uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown);
    if (err < 0)
        client_close(c, "closed after an error");
}

/* ---- market data */

static void md_subscribe(struct client *c, const Stratd__Wire__MdSubscribe *m)
{
    struct exsim *s = c->sim;
    int idx[64];
    char text[128];

    if (m->n_symbols > 64) {
        send_error(c, WIRE_E_BADSYMBOL, "too many symbols in one subscribe");
        return;
    }
    for (size_t i = 0; i < m->n_symbols; i++) {
        idx[i] = exch_symbol_index(&s->exch, m->symbols[i]);
        if (idx[i] < 0) {
            snprintf(text, sizeof text, "unknown symbol %s", m->symbols[i]);
            exsim_log("md client %s: subscribe refused: %s", c->peer, text);
            send_error(c, WIRE_E_UNKSYMBOL, text);
            return;
        }
    }
    for (size_t i = 0; i < m->n_symbols; i++) {
        size_t sym = (size_t)idx[i], k;
        uint64_t next = m->from_seq ? m->from_seq : s->hist[sym].n + 1;

        for (k = 0; k < c->n_subs && c->subs[k].sym != sym; k++)
            ;
        if (k == c->n_subs) {
            if (c->n_subs == c->cap_subs) {
                size_t cap = c->cap_subs ? 2 * c->cap_subs : 4;
                struct sub *p = realloc(c->subs, cap * sizeof *p);
                if (!p) {
                    client_fail(c, WIRE_E_NOMEM, wire_strerror(WIRE_E_NOMEM));
                    return;
                }
                c->subs = p;
                c->cap_subs = cap;
            }
            c->n_subs++;
        }
        c->subs[k].sym = sym;
        c->subs[k].next = next;
        exsim_log("md client %s: subscribed %s from seq %llu (published %zu)",
                  c->peer, m->symbols[i], (unsigned long long)next, s->hist[sym].n);
    }
}

static void md_pump(struct client *c)
{
    struct exsim *s = c->sim;
    struct wire_buf b = WIRE_BUF_INIT;
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    Stratd__Wire__MdTick t = STRATD__WIRE__MD_TICK__INIT;
    bool progress = true;
    uint8_t *data;
    uint64_t now;
    size_t len;

    f.body_case = STRATD__WIRE__FRAME__BODY_MD_TICK;
    f.md_tick = &t;
    for (size_t k = 0; k < c->n_subs; k++)
        c->subs[k].first = c->subs[k].next;
    /* Round-robin over the subscriptions, a few ticks each per round. */
    while (progress && b.len < BATCH_BYTES && c->in_flight + b.len < HIGH_WATER) {
        progress = false;
        for (size_t k = 0; k < c->n_subs; k++) {
            struct sub *u = &c->subs[k];
            const struct exsim_history *h = &s->hist[u->sym];

            for (int i = 0; i < 64 && u->next <= h->n; i++) {
                const struct exsim_tick *x = &h->t[u->next - 1];
                t.seq = u->next;
                t.symbol = s->exch.sym[u->sym].name;
                t.bid = x->bid;
                t.ask = x->ask;
                t.last = x->last;
                t.size = x->size;
                t.exch_time_ns = x->time_ns;
                if (wire_buf_append(&b, &f) < 0) {
                    wire_buf_release(&b);
                    client_close(c, "encode md_tick: out of memory");
                    return;
                }
                u->next++;
                progress = true;
            }
        }
    }
    data = wire_buf_steal(&b, &len);
    now = uv_hrtime();
    if (!client_write(c, data, len))
        return;
    /* Stamp what this write carried, where no other connection did first. */
    for (size_t k = 0; k < c->n_subs; k++) {
        struct exsim_tick *x = s->hist[c->subs[k].sym].t;
        for (uint64_t q = c->subs[k].first; q < c->subs[k].next; q++)
            if (x[q - 1].sent_hr == 0)
                x[q - 1].sent_hr = now;
    }
}

/* ---- orders */

/* A NewOrder decoded at now (uv_hrtime): one latency sample when its tag is
 * the seq of a tick of its symbol written out and not yet answered. */
static void time_order(struct exsim *s, const Stratd__Wire__NewOrder *o, uint64_t now)
{
    struct exsim_tick *x;
    int sym;

    if (o->tag == 0)
        return;
    sym = exch_symbol_index(&s->exch, o->symbol);
    if (sym < 0 || o->tag > s->hist[sym].n) {
        s->lat.untimed++;
        return;
    }
    x = &s->hist[sym].t[o->tag - 1];
    if (x->sent_hr == 0 || x->answered || now < x->sent_hr) {
        s->lat.untimed++;
        return;
    }
    x->answered = true;
    latency_add(&s->lat, now - x->sent_hr);
}

static void order_logon(struct client *c, const Stratd__Wire__Logon *m)
{
    struct exsim *s = c->sim;
    struct exch_account *a;
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    Stratd__Wire__LogonAck ack = STRATD__WIRE__LOGON_ACK__INIT;
    uint64_t last = m->last_seen_seq;

    if (c->acct) {
        client_fail(c, WIRE_E_RELOGON, wire_strerror(WIRE_E_RELOGON));
        return;
    }
    a = exch_account(&s->exch, m->account, true);
    if (!a) {
        client_fail(c, WIRE_E_NOMEM, wire_strerror(WIRE_E_NOMEM));
        return;
    }
    if (a->session)
        client_fail(a->session, WIRE_E_REPLACED, wire_strerror(WIRE_E_REPLACED));
    if (last > a->n_reports) {
        exsim_log("order client %s account %s: last_seen_seq %llu is beyond the "
                  "last report %zu (a previous exsim?), resending nothing",
                  c->peer, a->name, (unsigned long long)last, a->n_reports);
        last = a->n_reports;
    }
    a->session = c;
    c->acct = a;
    c->next_report = last + 1;
    ack.next_seq = a->n_reports + 1;
    f.body_case = STRATD__WIRE__FRAME__BODY_LOGON_ACK;
    f.logon_ack = &ack;
    client_send(c, &f);
    exsim_log("order client %s: logon account %s, last_seen_seq %llu, "
              "%zu report(s) to resend", c->peer, a->name,
              (unsigned long long)m->last_seen_seq, a->n_reports - last);
}

static void order_pump(struct client *c)
{
    struct exch_account *a = c->acct;
    struct wire_buf b = WIRE_BUF_INIT;
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    Stratd__Wire__ExecReport r;
    uint8_t *data;
    size_t len;

    f.body_case = STRATD__WIRE__FRAME__BODY_EXEC_REPORT;
    f.exec_report = &r;
    while (c->next_report <= a->n_reports && b.len < BATCH_BYTES &&
           c->in_flight + b.len < HIGH_WATER) {
        exch_report_to_wire(&a->reports[c->next_report - 1], &r);
        if (wire_buf_append(&b, &f) < 0) {
            wire_buf_release(&b);
            client_close(c, "encode exec_report: out of memory");
            return;
        }
        c->next_report++;
    }
    data = wire_buf_steal(&b, &len);
    client_write(c, data, len);
}

static void on_frame(struct client *c, const Stratd__Wire__Frame *f)
{
    struct exsim *s = c->sim;
    uint64_t now = f->body_case == STRATD__WIRE__FRAME__BODY_NEW_ORDER ? uv_hrtime() : 0;
    int err = 0;

    switch (f->body_case) {
    case STRATD__WIRE__FRAME__BODY_HEARTBEAT:
        return;
    case STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE:
        md_subscribe(c, f->md_subscribe);
        return;
    case STRATD__WIRE__FRAME__BODY_LOGON:
        order_logon(c, f->logon);
        return;
    case STRATD__WIRE__FRAME__BODY_NEW_ORDER:
    case STRATD__WIRE__FRAME__BODY_CANCEL_ORDER:
        if (!c->acct) {
            client_fail(c, WIRE_E_NOLOGON, wire_strerror(WIRE_E_NOLOGON));
            return;
        }
        if (f->body_case == STRATD__WIRE__FRAME__BODY_NEW_ORDER) {
            time_order(s, f->new_order, now);
            err = exch_new_order(&s->exch, c->acct, f->new_order, exsim_wall_ns());
        } else {
            err = exch_cancel(&s->exch, c->acct, f->cancel_order->client_order_id,
                              exsim_wall_ns());
        }
        if (err < 0)
            client_fail(c, WIRE_E_NOMEM, "exchange out of memory");
        return;
    default:
        /* The decoder already refused types foreign to this channel. */
        client_fail(c, WIRE_E_UNEXPECTED, wire_strerror(WIRE_E_UNEXPECTED));
        return;
    }
}

/* ---- reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct client *c = (struct client *)h;

    (void)suggested;
    *buf = uv_buf_init(c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct client *c = (struct client *)st;
    const Stratd__Wire__Frame *f;
    int r;

    (void)buf;
    if (nread < 0) {
        if (nread != UV_EOF) {
            char why[128];
            snprintf(why, sizeof why, "read: %s", uv_strerror((int)nread));
            client_close(c, why);
        } else if (!c->draining && wire_decoder_finish(&c->dec) < 0) {
            client_close(c, wire_strerror(WIRE_E_TRUNCATED));
        } else {
            client_close(c, "closed by peer");
        }
        return;
    }
    if (nread == 0 || c->draining || c->closing)
        return;
    r = wire_decoder_feed(&c->dec, buf->base, (size_t)nread);
    while (r == 0 && !c->draining && !c->closing &&
           (r = wire_decoder_next(&c->dec, &f)) > 0) {
        on_frame(c, f);
        r = 0;
    }
    if (r < 0)
        client_fail(c, r, wire_strerror(r));
}

/* ---- accepting */

static void on_connection(uv_stream_t *srv, int status)
{
    struct exsim *s = srv->data;
    bool md = srv == (uv_stream_t *)&s->md_srv;
    struct client *c;
    struct sockaddr_storage ss;
    int len = sizeof ss, err;
    char host[48] = "?";

    if (status < 0) {
        exsim_log("%s server: accept: %s", md ? "md" : "order", uv_strerror(status));
        return;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        exsim_log("%s server: accept: out of memory", md ? "md" : "order");
        return;
    }
    c->sim = s;
    c->is_md = md;
    uv_tcp_init(s->loop, &c->tcp);
    err = uv_accept(srv, (uv_stream_t *)&c->tcp);
    if (err < 0) {
        exsim_log("%s server: uv_accept: %s", md ? "md" : "order", uv_strerror(err));
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        return;
    }
    wire_decoder_init(&c->dec, md ? WIRE_MD_SERVER : WIRE_ORDER_SERVER);
    snprintf(c->peer, sizeof c->peer, "?");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
            uv_ip6_name(a6, host, sizeof host);
            snprintf(c->peer, sizeof c->peer, "[%s]:%d", host, ntohs(a6->sin6_port));
        } else {
            struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
            uv_ip4_name(a4, host, sizeof host);
            snprintf(c->peer, sizeof c->peer, "%s:%d", host, ntohs(a4->sin_port));
        }
    }
    uv_tcp_nodelay(&c->tcp, 1);
    c->last_write_ms = uv_now(s->loop);
    c->next = s->clients;
    if (s->clients)
        s->clients->prev = c;
    s->clients = c;
    if (md)
        s->md_clients++;
    else
        s->order_clients++;
    exsim_log("%s client %s connected", kind_name(c), c->peer);
    err = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (err < 0) {
        char why[128];
        snprintf(why, sizeof why, "uv_read_start: %s", uv_strerror(err));
        client_close(c, why);
    }
}

static int listen_on(struct exsim *s, uv_tcp_t *srv, int port, const char *what,
                     int *bound)
{
    struct sockaddr_storage addr;
    struct sockaddr_storage got;
    int len = sizeof got, err;

    if (uv_ip4_addr(s->cfg.bind, port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(s->cfg.bind, port, (struct sockaddr_in6 *)&addr) != 0) {
        exsim_log("--bind %s: not an IPv4 or IPv6 address", s->cfg.bind);
        return -1;
    }
    uv_tcp_init(s->loop, srv);
    srv->data = s;
    err = uv_tcp_bind(srv, (const struct sockaddr *)&addr, 0);
    if (err == 0)
        err = uv_listen((uv_stream_t *)srv, 128, on_connection);
    if (err < 0) {
        exsim_log("%s server: listen on %s:%d: %s", what, s->cfg.bind, port,
                  uv_strerror(err));
        return -1;
    }
    *bound = port;
    if (uv_tcp_getsockname(srv, (struct sockaddr *)&got, &len) == 0)
        *bound = ntohs(got.ss_family == AF_INET6
                           ? ((struct sockaddr_in6 *)&got)->sin6_port
                           : ((struct sockaddr_in *)&got)->sin_port);
    return 0;
}

int session_listen(struct exsim *s)
{
    int md, ord;

    if (listen_on(s, &s->md_srv, s->cfg.md_port, "md", &md) < 0 ||
        listen_on(s, &s->order_srv, s->cfg.order_port, "order", &ord) < 0)
        return -1;
    s->cfg.md_port = md;
    s->cfg.order_port = ord;
    return 0;
}

/* ---- periodic work */

void session_flush(struct exsim *s)
{
    struct client *c = s->clients, *next;

    for (; c; c = next) {
        next = c->next;   /* a pump may close c */
        if (c->draining || c->in_flight >= HIGH_WATER)
            continue;
        if (c->is_md)
            md_pump(c);
        else if (c->acct)
            order_pump(c);
    }
}

void session_housekeeping(struct exsim *s)
{
    uint64_t now = uv_now(s->loop);
    struct client *c = s->clients, *next;

    for (; c; c = next) {
        next = c->next;
        if (c->draining) {
            if (now - c->drain_since_ms >= DRAIN_MS)
                client_close(c, "closed after an error");
            continue;
        }
        if (s->cfg.heartbeat_ms > 0 &&
            now - c->last_write_ms >= (uint64_t)s->cfg.heartbeat_ms) {
            Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
            Stratd__Wire__Heartbeat hb = STRATD__WIRE__HEARTBEAT__INIT;
            hb.time_ns = exsim_wall_ns();
            f.body_case = STRATD__WIRE__FRAME__BODY_HEARTBEAT;
            f.heartbeat = &hb;
            client_send(c, &f);
        }
    }
}

void session_close_all(struct exsim *s)
{
    while (s->clients)
        client_close(s->clients, "exchange stopping");
}
