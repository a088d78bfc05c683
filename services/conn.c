/* conn.c — see conn.h. */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "service.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

int conn_parse_addr(const char *addr, struct sockaddr_in *sa)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    size_t n;
    char *end;
    long port;

    if (!colon || (n = (size_t)(colon - addr)) >= sizeof host || n == 0)
        return -1;
    port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535)
        return -1;
    memcpy(host, addr, n);
    host[n] = '\0';
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    return uv_ip4_addr(host, (int)port, sa);
}

const char *conn_state_name(const struct conn *c)
{
    switch (c->state) {
    case CONN_UP:         return "up";
    case CONN_CONNECTING: return "connecting";
    case CONN_WAIT:       return "down";
    default:              return "idle";
    }
}

static void on_tcp_closed(uv_handle_t *h)
{
    free(h);
}

static void on_retry(uv_timer_t *t)
{
    conn_start(t->data);
}

void conn_drop(struct conn *c, const char *why)
{
    bool was_up = c->state == CONN_UP;

    if (c->tcp) {
        uv_close((uv_handle_t *)c->tcp, on_tcp_closed);
        c->tcp = NULL;
    }
    if (c->timers)
        uv_timer_stop(&c->stale);
    if (c->stopping) {
        c->state = CONN_IDLE;
        return;
    }
    if (was_up)
        actor_log(c->log, LOG_WARN, "connection to %s lost: %s; reconnecting", c->addr, why);
    c->state = CONN_WAIT;
    uv_timer_start(&c->retry, on_retry, c->backoff_ms, 0);
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
    if (was_up && c->ops->on_down)
        c->ops->on_down(c->owner);
}

static void on_written(uv_write_t *w, int status)
{
    free(w->data);
    free(w);
    (void)status;   /* a failed write shows up as a read error */
}

void conn_send(struct conn *c, const Stratd__Wire__Frame *f)
{
    struct wire_buf b = WIRE_BUF_INIT;
    uv_write_t *w;
    uv_buf_t buf;
    int r;

    if (c->state != CONN_UP || !c->tcp)
        return;
    if ((r = wire_buf_append(&b, f)) != 0) {
        actor_log(c->log, LOG_ERROR, "wire_encode %s: %s", wire_body_name(f->body_case),
                  wire_strerror(r));
        wire_buf_release(&b);
        return;
    }
    w = malloc(sizeof *w);
    if (!w)
        abort();
    w->data = b.data;
    buf = uv_buf_init((char *)b.data, (unsigned)b.len);
    if ((r = uv_write(w, (uv_stream_t *)c->tcp, &buf, 1, on_written)) != 0) {
        free(b.data);
        free(w);
        conn_drop(c, uv_strerror(r));
        return;
    }
    c->frames_out++;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    static char slab[65536];   /* one loop thread: read callbacks never nest */
    (void)h;
    (void)hint;
    buf->base = slab;
    buf->len = sizeof slab;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = st->data;
    const Stratd__Wire__Frame *f;
    int r;

    if (n < 0) {
        conn_drop(c, n == UV_EOF ? "closed by the peer" : uv_strerror((int)n));
        return;
    }
    c->last_rx_ns = service_wall_ns();
    if ((r = wire_decoder_feed(&c->dec, buf->base, (size_t)n)) != 0) {
        conn_drop(c, wire_strerror(r));
        return;
    }
    /* on_frame may drop the connection: stop as soon as it did */
    while (c->tcp == (uv_tcp_t *)st && c->state == CONN_UP &&
           (r = wire_decoder_next(&c->dec, &f)) == 1) {
        if (f->body_case == STRATD__WIRE__FRAME__BODY_ERROR)
            actor_log(c->log, LOG_WARN, "%s says: error %u: %s", c->addr, f->error->code,
                      f->error->text);
        c->ops->on_frame(c->owner, f);
    }
    if (r < 0 && c->state == CONN_UP)
        conn_drop(c, wire_strerror(r));
}

static void on_stale_check(uv_timer_t *t)
{
    struct conn *c = t->data;
    int64_t quiet_ms = (service_wall_ns() - c->last_rx_ns) / 1000000;

    if (c->state == CONN_UP && quiet_ms >= c->stale_ms)
        conn_drop(c, "nothing received in time (heartbeat timeout)");
}

static void on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;

    if (c->stopping || !c->tcp || req->handle != (uv_stream_t *)c->tcp)
        return;
    if (status != 0) {
        if (c->reconnects <= 1 || c->backoff_ms >= BACKOFF_MAX_MS)
            actor_log(c->log, LOG_WARN, "connect %s: %s (retrying)", c->addr,
                      uv_strerror(status));
        conn_drop(c, uv_strerror(status));
        return;
    }
    c->state = CONN_UP;
    c->backoff_ms = BACKOFF_MIN_MS;
    c->last_rx_ns = service_wall_ns();
    actor_log(c->log, LOG_INFO, "connected to %s", c->addr);
    wire_decoder_release(&c->dec);
    wire_decoder_init(&c->dec, c->channel);
    c->tcp->data = c;
    uv_read_start((uv_stream_t *)c->tcp, on_alloc, on_read);
    uv_timer_start(&c->stale, on_stale_check, (uint64_t)c->stale_ms / 4 + 1,
                   (uint64_t)c->stale_ms / 4 + 1);
    c->ops->on_up(c->owner);
}

void conn_init(struct conn *c, uv_loop_t *loop, const char *addr,
               enum wire_channel ch, int64_t stale_ms, const struct conn_ops *ops,
               void *owner, struct actor *log)
{
    memset(c, 0, sizeof *c);
    c->loop = loop;
    c->addr = addr;
    c->channel = ch;
    c->stale_ms = stale_ms;
    c->ops = ops;
    c->owner = owner;
    c->log = log;
    c->backoff_ms = BACKOFF_MIN_MS;
    uv_timer_init(loop, &c->retry);
    uv_timer_init(loop, &c->stale);
    c->retry.data = c->stale.data = c;
    c->timers = true;
    wire_decoder_init(&c->dec, ch);
}

void conn_start(struct conn *c)
{
    struct sockaddr_in sa;
    int r;

    if (c->stopping)
        return;
    if (c->state != CONN_IDLE)
        c->reconnects++;
    if (conn_parse_addr(c->addr, &sa) != 0) {
        actor_log(c->log, LOG_ERROR, "connect '%s': not an IPv4 HOST:PORT", c->addr);
        c->state = CONN_IDLE;
        return;
    }
    c->tcp = malloc(sizeof *c->tcp);
    if (!c->tcp)
        abort();
    uv_tcp_init(c->loop, c->tcp);
    uv_tcp_nodelay(c->tcp, 1);
    c->creq.data = c;
    c->state = CONN_CONNECTING;
    if ((r = uv_tcp_connect(&c->creq, c->tcp, (struct sockaddr *)&sa, on_connect)) != 0)
        conn_drop(c, uv_strerror(r));
}

void conn_stop(struct conn *c)
{
    c->stopping = true;
    if (c->tcp) {
        uv_close((uv_handle_t *)c->tcp, on_tcp_closed);
        c->tcp = NULL;
    }
    if (c->timers) {
        uv_close((uv_handle_t *)&c->retry, NULL);
        uv_close((uv_handle_t *)&c->stale, NULL);
        c->timers = false;
    }
    c->state = CONN_IDLE;
    wire_decoder_release(&c->dec);
}
