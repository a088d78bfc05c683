/* metrics.c — see metrics.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "histogram.h"
#include "metrics.h"
#include "proc.h"
#include "runtime.h"
#include "stats.h"
#include "strbuf.h"

#define HEAD_TIMEOUT_MS 5000
#define MAX_CONNS 64

struct mconn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wr;
    struct metrics *m;
    char head[METRICS_MAX_HEAD];
    size_t len;
    char *reply;
    int closing;   /* handles still to close */
    bool answered;
};

static void metric(struct strbuf *b, const char *name, const char *type,
                   const char *help, double v)
{
    strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, v);
}

static void histogram(struct strbuf *b, const char *name, const char *help,
                      const struct histogram *h)
{
    uint64_t cum = 0;

    strbuf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        cum += h->counts[i];
        strbuf_printf(b, "%s_bucket{le=\"%.9g\"} %llu\n", name, h->le[i], (unsigned long long)cum);
    }
    cum += h->counts[HIST_BUCKETS];
    strbuf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
    strbuf_printf(b, "%s_sum %.17g\n%s_count %llu\n", name, h->sum, name, (unsigned long long)h->count);
}

static double rss_bytes(void)
{
    long kb = proc_rss_kb();
    return kb < 0 ? 0 : (double)kb * 1024;
}

/* Every actor's numeric stats (orders sent/acked/rejected, feed gaps and
 * reconnects, positions, PnL, ...) as one labelled gauge family. */
static void actor_stats(struct strbuf *b, struct runtime *rt)
{
    struct stats st = STATS_INIT;

    strbuf_printf(b, "# HELP stratd_actor_stat The numeric figures each actor reports in "
               "stratctl actors (gauges).\n# TYPE stratd_actor_stat gauge\n");
    for (size_t i = 0; i < rt->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        runtime_stats(a, &st);
        stats_render_prometheus(&st, a->topo->id, a->kind->name, b);
    }
    stats_release(&st);
}

char *metrics_render(struct runtime *rt)
{
    const ProtobufCMessageDescriptor *md = rt->kinds.desc;   /* slot i: md->fields[i] */
    struct strbuf b = STRBUF_INIT;
    size_t depth = 0;

    for (size_t i = 0; i < rt->n_actors; i++)
        depth += rt->actors[i].mbox.len;
    strbuf_printf(&b, "# HELP stratd_messages_handled_total Messages handled by actors (live), by message kind.\n"
                "# TYPE stratd_messages_handled_total counter\n");
    for (unsigned i = 0; i < md->n_fields; i++)
        strbuf_printf(&b, "stratd_messages_handled_total{kind=\"%s\"} %llu\n", md->fields[i].name,
                (unsigned long long)rt->kinds.handled[i]);
    strbuf_printf(&b, "# HELP stratd_messages_journaled_total Journal entries written, by message kind.\n"
                "# TYPE stratd_messages_journaled_total counter\n");
    for (unsigned i = 0; i < md->n_fields; i++)
        strbuf_printf(&b, "stratd_messages_journaled_total{kind=\"%s\"} %llu\n", md->fields[i].name,
                (unsigned long long)rt->kinds.journaled[i]);
    metric(&b, "stratd_journal_commits_total", "counter", "Journal batches committed.",
           (double)rt->commits);
    metric(&b, "stratd_journal_lsn", "gauge", "Last journal sequence number assigned.",
           (double)(rt->next_lsn - 1));
    metric(&b, "stratd_journal_failed", "gauge", "1 when the journal cannot be written.",
           journal_error(rt->journal) ? 1 : 0);
    histogram(&b, "stratd_journal_batch_entries", "Entries and metadata writes per committed batch.",
              &rt->batch_entries);
    histogram(&b, "stratd_journal_commit_seconds", "Time to write one batch (rocksdb_write).",
              &rt->commit_seconds);
    histogram(&b, "stratd_journal_fsync_seconds", "Time of one journal fsync (fsync interval).",
              &rt->fsync_seconds);
    metric(&b, "stratd_rebuild_seconds", "gauge", "Duration of the last rebuild.",
           rt->rebuild.seconds);
    metric(&b, "stratd_rebuild_messages", "gauge", "Messages replayed by the last rebuild.",
           (double)rt->rebuild.deliveries);
    metric(&b, "stratd_actors", "gauge", "Actors in the running topology.", (double)rt->n_actors);
    metric(&b, "stratd_live", "gauge", "1 when live, 0 while rebuilding or stopping.",
           rt->phase == PHASE_LIVE);
    metric(&b, "stratd_mailbox_depth", "gauge", "Messages queued in all mailboxes.", (double)depth);
    metric(&b, "stratd_mailbox_depth_max", "gauge", "Deepest single mailbox seen.",
           (double)rt->mailbox_max);
    metric(&b, "stratd_process_resident_memory_bytes", "gauge", "Resident set size.", rss_bytes());
    actor_stats(&b, rt);
    return strbuf_take(&b);
}

/* --- the HTTP side --------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
    struct mconn *c = h->data;

    if (--c->closing == 0) {
        c->m->conns--;
        free(c->reply);
        free(c);
    }
}

static void conn_close(struct mconn *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    c->closing = 2;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    uv_close((uv_handle_t *)&c->timer, on_closed);
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    conn_close(w->data);
}

static void reply(struct mconn *c, const char *status, const char *type, char *body)
{
    size_t n = strlen(body);
    char head[256];
    int hl;
    uv_buf_t bufs[2];

    c->answered = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_stop(&c->timer);
    hl = snprintf(head, sizeof head,
                  "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n", status, type, n);
    c->reply = malloc((size_t)hl + n + 1);
    if (!c->reply)
        abort();
    memcpy(c->reply, head, (size_t)hl);
    memcpy(c->reply + hl, body, n + 1);
    free(body);
    bufs[0] = uv_buf_init(c->reply, (unsigned)((size_t)hl + n));
    c->wr.data = c;
    if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, bufs, 1, on_written) != 0)
        conn_close(c);
    (void)bufs[1];
}

static char *text(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

enum metrics_verdict metrics_parse_head(char *head, size_t len)
{
    char method[16], path[256], version[16];

    head[len] = '\0';
    if (memchr(head, '\0', len))
        return METRICS_BAD_REQUEST;
    if (!strstr(head, "\r\n\r\n") && !strstr(head, "\n\n"))
        return len >= METRICS_MAX_HEAD - 1 ? METRICS_TOO_LARGE : METRICS_MORE;
    if (sscanf(head, "%15s %255s %15s", method, path, version) != 3 ||
        strncmp(version, "HTTP/1.", 7) != 0)
        return METRICS_BAD_REQUEST;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return METRICS_NOT_ALLOWED;
    if (strcmp(path, "/metrics") != 0)
        return METRICS_NOT_FOUND;
    return METRICS_OK;
}

static void answer(struct mconn *c, enum metrics_verdict v)
{
    switch (v) {
    case METRICS_MORE:
        break;
    case METRICS_OK:
        reply(c, "200 OK", "text/plain; version=0.0.4", metrics_render(c->m->rt));
        break;
    case METRICS_NOT_ALLOWED:
        reply(c, "405 Method Not Allowed", "text/plain", text("only GET\n"));
        break;
    case METRICS_NOT_FOUND:
        reply(c, "404 Not Found", "text/plain", text("see /metrics\n"));
        break;
    case METRICS_TOO_LARGE:
        reply(c, "431 Request Header Fields Too Large", "text/plain", text("too large\n"));
        break;
    default:
        reply(c, "400 Bad Request", "text/plain", text("bad request\n"));
        break;
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct mconn *c = h->data;
    (void)hint;
    buf->base = c->head + c->len;
    buf->len = METRICS_MAX_HEAD - 1 - c->len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct mconn *c = s->data;
    (void)buf;

    if (c->answered)
        return;
    if (n < 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)n;
    answer(c, metrics_parse_head(c->head, c->len));
}

static void on_timeout(uv_timer_t *t)
{
    struct mconn *c = t->data;
    if (!c->answered)
        reply(c, "408 Request Timeout", "text/plain", text("timeout\n"));
}

static void on_connection(uv_stream_t *server, int status)
{
    struct metrics *m = server->data;
    struct mconn *c;

    if (status < 0)
        return;
    c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->m = m;
    uv_tcp_init(server->loop, &c->tcp);
    uv_timer_init(server->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    m->conns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || m->conns > MAX_CONNS) {
        conn_close(c);
        return;
    }
    uv_timer_start(&c->timer, on_timeout, HEAD_TIMEOUT_MS, 0);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int metrics_start(struct metrics *m, uv_loop_t *loop, const char *listen,
                  struct runtime *rt, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    struct sockaddr_storage sa;
    int r, port;
    size_t hl;

    memset(m, 0, sizeof *m);
    m->rt = rt;
    if (!colon || (hl = (size_t)(colon - listen)) >= sizeof host) {
        snprintf(err, errlen, "metrics.listen: expected HOST:PORT (got '%s')", listen);
        return -1;
    }
    memcpy(host, listen, hl);
    host[hl] = '\0';
    port = atoi(colon + 1);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        r = uv_ip6_addr(host + 1, port, (struct sockaddr_in6 *)&sa);
    } else {
        r = uv_ip4_addr(host, port, (struct sockaddr_in *)&sa);
    }
    if (r != 0) {
        snprintf(err, errlen, "metrics.listen '%s': %s", listen, uv_strerror(r));
        return -1;
    }
    uv_tcp_init(loop, &m->server);
    m->server.data = m;
    if ((r = uv_tcp_bind(&m->server, (struct sockaddr *)&sa, 0)) != 0 ||
        (r = uv_listen((uv_stream_t *)&m->server, 64, on_connection)) != 0) {
        snprintf(err, errlen, "metrics listen %s: %s", listen, uv_strerror(r));
        uv_close((uv_handle_t *)&m->server, NULL);
        return -1;
    }
    m->open = true;
    return 0;
}

void metrics_stop(struct metrics *m)
{
    if (m->open)
        uv_close((uv_handle_t *)&m->server, NULL);
    m->open = false;
}
