/* control.c — see control.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "runtime.h"
#include "stats.h"
#include "strbuf.h"
#include "uuid.h"
#include "xalloc.h"


/* One client of the control socket (stratctl): one request line in, one
 * reply out, then closed. */
struct ctl_client {
    uv_pipe_t pipe;
    uv_write_t wr;
    struct control *c;
    char req[CONTROL_MAX_REQUEST];
    size_t len;
    char *reply;
    bool answered;
};


static const char *phase_name(enum runtime_phase p)
{
    switch (p) {
    case PHASE_LIVE:     return "live";
    case PHASE_STOPPING: return "stopping";
    default:             return "rebuilding";
    }
}

char *control_status_json(struct runtime *rt, double uptime_s)
{
    struct json j;
    size_t pending = 0;

    for (size_t i = 0; i < rt->n_actors; i++)
        pending += rt->actors[i].mbox.len;
    json_init(&j);
    json_obj_begin(&j);
    json_kv_str(&j, "phase", phase_name(rt->phase));
    json_kv_uint(&j, "lsn", rt->next_lsn - 1);
    json_kv_uint(&j, "actors", rt->n_actors);
    json_key(&j, "rebuild");
    json_obj_begin(&j);
    json_kv_uint(&j, "messages", rt->rebuild.deliveries);
    json_kv_uint(&j, "entries", rt->rebuild.entries);
    json_kv_uint(&j, "total_entries", rt->rebuild.total_entries);
    json_kv_uint(&j, "pending", rt->rebuild.pending);
    json_kv_double(&j, "seconds", rt->rebuild.seconds);
    json_obj_end(&j);
    json_key(&j, "journal");
    json_obj_begin(&j);
    json_kv_str(&j, "path", rt->topo->journal_path);
    json_kv_str(&j, "fsync", journal_fsync_name(rt->topo->fsync));
    json_kv_uint(&j, "commits", rt->commits);
    json_kv_str(&j, "error", journal_error(rt->journal));
    json_obj_end(&j);
    json_kv_uint(&j, "handled", rt->delivered);
    json_kv_uint(&j, "journaled", rt->journaled);
    json_kv_uint(&j, "mailbox_depth", pending);
    json_kv_uint(&j, "mailbox_max", rt->mailbox_max);
    json_kv_int(&j, "pid", getpid());
    json_kv_int(&j, "rss_kb", proc_rss_kb());
    json_kv_double(&j, "uptime_s", uptime_s);
    json_obj_end(&j);
    return json_take(&j);
}

/* st: a sink to reuse. */
static void actor_json(struct json *j, struct actor *a, struct stats *st)
{
    char uuid[37];

    uuid_format(uuid, a->uuid);
    json_obj_begin(j);
    json_kv_str(j, "id", a->topo->id);
    json_kv_str(j, "kind", a->kind->name);
    json_kv_str(j, "role", a->kind->service ? "service" : "strategy");
    json_kv_str(j, "uuid", uuid);
    json_kv_uint(j, "number", a->number);
    json_kv_uint(j, "handled", a->handled);
    json_kv_uint(j, "watermark", a->watermark);
    json_kv_uint(j, "mailbox", a->mbox.len);
    json_kv_int(j, "last_message_ns", a->last_msg_ns);
    json_kv_hex64(j, "digest", runtime_digest(a));
    json_key(j, "stats");
    json_obj_begin(j);
    runtime_stats(a, st);
    stats_render_json(st, j);
    json_obj_end(j);
    json_obj_end(j);
}

char *control_actors_json(struct runtime *rt, const char *only_id)
{
    struct json j;
    struct stats st = STATS_INIT;

    json_init(&j);
    if (only_id) {
        struct actor *a = runtime_by_id(rt, only_id);
        if (a) {
            actor_json(&j, a, &st);
        } else {
            json_obj_begin(&j);
            json_key(&j, "error");
            char msg[256];
            snprintf(msg, sizeof msg, "no actor '%s' in the running topology", only_id);
            json_str(&j, msg);
            json_obj_end(&j);
        }
        stats_release(&st);
        return json_take(&j);
    }
    json_arr_begin(&j);
    for (size_t i = 0; i < rt->n_actors; i++)
        actor_json(&j, &rt->actors[i], &st);
    json_arr_end(&j);
    stats_release(&st);
    return json_take(&j);
}

static void on_conn_closed(uv_handle_t *h)
{
    struct ctl_client *k = h->data;
    free(k->reply);
    free(k);
}

static void on_written(uv_write_t *w, int status)
{
    struct ctl_client *k = w->data;
    (void)status;
    uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
}

static char *error_json(const char *msg)
{
    struct json j;
    json_init(&j);
    json_obj_begin(&j);
    json_kv_str(&j, "error", msg);
    json_obj_end(&j);
    return json_take(&j);
}

/* Human form of "status": one "key: value" line each. */
static char *status_text(struct runtime *rt, double uptime_s)
{
    struct strbuf b = STRBUF_INIT;
    size_t pending = 0;

    for (size_t i = 0; i < rt->n_actors; i++)
        pending += rt->actors[i].mbox.len;
    strbuf_printf(&b, "phase:     %s\n", phase_name(rt->phase));
    strbuf_printf(&b, "lsn:       %llu\n", (unsigned long long)(rt->next_lsn - 1));
    strbuf_printf(&b, "actors:    %zu\n", rt->n_actors);
    strbuf_printf(&b, "rebuild:   %llu messages, %llu entries, %llu pending, %.3f s\n",
                  (unsigned long long)rt->rebuild.deliveries,
                  (unsigned long long)rt->rebuild.entries,
                  (unsigned long long)rt->rebuild.pending, rt->rebuild.seconds);
    strbuf_printf(&b, "journal:   %s (fsync %s)%s%s\n", rt->topo->journal_path,
                  journal_fsync_name(rt->topo->fsync),
                  journal_error(rt->journal) ? ", FAILED: " : "",
                  journal_error(rt->journal) ? journal_error(rt->journal) : "");
    strbuf_printf(&b, "handled:   %llu\n", (unsigned long long)rt->delivered);
    strbuf_printf(&b, "journaled: %llu\n", (unsigned long long)rt->journaled);
    strbuf_printf(&b, "mailboxes: %zu queued, max %zu\n", pending, rt->mailbox_max);
    strbuf_printf(&b, "rss:       %ld kB\n", proc_rss_kb());
    strbuf_printf(&b, "uptime:    %.1f s", uptime_s);
    return strbuf_take(&b);
}

/* Human form of "actors": a table; stats as compact JSON. */
static char *actors_text(struct runtime *rt)
{
    struct strbuf b = STRBUF_INIT;
    struct stats st = STATS_INIT;

    strbuf_printf(&b, "%-20s %-15s %10s %7s %-16s %s", "ID", "KIND", "HANDLED", "MAILBOX",
                  "DIGEST", "STATS");
    for (size_t i = 0; i < rt->n_actors; i++) {
        struct actor *a = &rt->actors[i];
        runtime_stats(a, &st);
        strbuf_printf(&b, "\n%-20s %-15s %10llu %7zu %016llx ", a->topo->id, a->kind->name,
                      (unsigned long long)a->handled, a->mbox.len,
                      (unsigned long long)runtime_digest(a));
        stats_render_text(&st, &b);
    }
    stats_release(&st);
    return strbuf_take(&b);
}

/* Human form of "actor ID". */
static char *actor_text(struct runtime *rt, const char *id)
{
    struct actor *a = runtime_by_id(rt, id);
    struct strbuf b = STRBUF_INIT;
    struct stats st = STATS_INIT;
    char uuid[37];

    if (!a)
        return NULL;
    uuid_format(uuid, a->uuid);
    strbuf_printf(&b, "id:        %s\nkind:      %s (%s)\nuuid:      %s\nnumber:    %u\n"
                  "handled:   %llu\nwatermark: %llu\nmailbox:   %zu\ndigest:    %016llx\n"
                  "stats:     ",
                  a->topo->id, a->kind->name, a->kind->service ? "service" : "strategy", uuid,
                  a->number, (unsigned long long)a->handled, (unsigned long long)a->watermark,
                  a->mbox.len, (unsigned long long)runtime_digest(a));
    runtime_stats(a, &st);
    stats_render_text(&st, &b);
    stats_release(&st);
    return strbuf_take(&b);
}

void control_parse_request(char *line, size_t len, struct control_request *r)
{
    char *arg;

    r->op = CONTROL_UNKNOWN;
    r->text = false;
    r->arg = NULL;
    line[len] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    if (strncmp(line, "text ", 5) == 0) {
        r->text = true;
        line += 5;
    }
    arg = strchr(line, ' ');
    if (arg)
        *arg++ = '\0';
    if (strcmp(line, "status") == 0) {
        r->op = CONTROL_STATUS;
    } else if (strcmp(line, "actors") == 0) {
        r->op = CONTROL_ACTORS;
    } else if (strcmp(line, "actor") == 0 && arg && *arg) {
        r->op = CONTROL_ACTOR;
        r->arg = arg;
    }
}

static char *reply_for(struct control *c, const struct control_request *r)
{
    double uptime = clock_mono_s() - c->started;

    switch (r->op) {
    case CONTROL_STATUS:
        return r->text ? status_text(c->rt, uptime) : control_status_json(c->rt, uptime);
    case CONTROL_ACTORS:
        return r->text ? actors_text(c->rt) : control_actors_json(c->rt, NULL);
    case CONTROL_ACTOR:
        if (r->text && runtime_by_id(c->rt, r->arg))
            return actor_text(c->rt, r->arg);
        return control_actors_json(c->rt, r->arg);
    default:
        return error_json("unknown request (expected: status, actors, actor ID)");
    }
}

static void answer(struct ctl_client *k)
{
    struct control_request r;
    uv_buf_t buf;
    size_t n;

    k->answered = true;
    n = k->len < CONTROL_MAX_REQUEST ? k->len : CONTROL_MAX_REQUEST - 1;
    control_parse_request(k->req, n, &r);
    k->reply = reply_for(k->c, &r);
    n = strlen(k->reply);
    k->reply = xrealloc(k->reply, n + 2);
    k->reply[n] = '\n';
    buf = uv_buf_init(k->reply, (unsigned)(n + 1));
    k->wr.data = k;
    if (uv_write(&k->wr, (uv_stream_t *)&k->pipe, &buf, 1, on_written) != 0)
        uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct ctl_client *k = h->data;
    (void)hint;
    buf->base = k->req + k->len;
    buf->len = CONTROL_MAX_REQUEST - 1 - k->len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct ctl_client *k = s->data;
    (void)buf;

    if (k->answered)
        return;
    if (n < 0) {
        uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
        return;
    }
    k->len += (size_t)n;
    if (memchr(k->req, '\n', k->len) || k->len >= CONTROL_MAX_REQUEST - 1) {
        uv_read_stop(s);
        answer(k);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    struct control *c = server->data;
    struct ctl_client *k;

    if (status < 0) {
        log_warn("control socket: accept: %s", uv_strerror(status));
        return;
    }
    k = xcalloc(1, sizeof *k);
    k->c = c;
    uv_pipe_init(server->loop, &k->pipe, 0);
    k->pipe.data = k;
    if (uv_accept(server, (uv_stream_t *)&k->pipe) != 0) {
        uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&k->pipe, on_alloc, on_read);
}

int control_start(struct control *c, uv_loop_t *loop, const char *path,
                  struct runtime *rt, char *err, size_t errlen)
{
    int r;

    memset(c, 0, sizeof *c);
    c->rt = rt;
    c->started = clock_mono_s();
    if (proc_mkdir_parents(path, 0755, NULL, 0) != 0) {
        snprintf(err, errlen, "mkdir for control socket %s: %s", path, strerror(errno));
        return -1;
    }
    unlink(path);   /* a stale socket of an earlier run */
    uv_pipe_init(loop, &c->server, 0);
    c->server.data = c;
    if ((r = uv_pipe_bind(&c->server, path)) != 0 ||
        (r = uv_listen((uv_stream_t *)&c->server, 64, on_connection)) != 0) {
        snprintf(err, errlen, "control socket %s: %s", path, uv_strerror(r));
        uv_close((uv_handle_t *)&c->server, NULL);
        return -1;
    }
    chmod(path, 0660);
    c->path = strdup(path);
    c->open = true;
    return 0;
}

void control_stop(struct control *c)
{
    if (!c->open)
        return;
    uv_close((uv_handle_t *)&c->server, NULL);
    unlink(c->path);
    free(c->path);
    c->open = false;
}
