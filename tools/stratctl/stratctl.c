/*
 * stratctl — the operator's command line for stratd.
 *
 *   stratctl [-s SOCK | -c FILE] status [--json]
 *   stratctl [-s SOCK | -c FILE] actors [--json]
 *   stratctl [-s SOCK | -c FILE] actor ID
 *   stratctl -c FILE journal dump [--actor ID] [--from LSN] [--limit N] [--json]
 *   stratctl -j DIR  journal dump ...        (the journal directory itself)
 *   stratctl -c FILE|-j DIR journal stats [--json]
 *   stratctl -c FILE|-j DIR journal verify [--json]   (0 sound, 1 damaged)
 *   stratctl -c FILE|-j DIR journal salvage --to DIR  (the sound prefix, copied)
 *   stratctl config check FILE                (what a restart with FILE would do)
 *   stratctl -c FILE|-j DIR retire ID          (daemon stopped: see below)
 *
 * Live commands talk to the daemon's control socket (-s, or control.socket
 * of the topology given with -c). `journal dump` reads the journal offline,
 * read-only (safe beside a running daemon): a line per entry, or with
 * --json one JSON object per line.
 *
 * Exit: 0 ok, 1 the daemon or journal could not be reached/read, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"
#include "journal_verify.h"
#include "json.h"
#include "config_check.h"
#include "hash.h"
#include "meta.h"
#include "orders.h"
#include "pbjson.h"
#include "topology.h"

#define DEFAULT_SOCKET "/run/stratd/stratd.sock"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: stratctl [-s SOCK | -c FILE] status [--json]\n"
            "       stratctl [-s SOCK | -c FILE] actors [--json]\n"
            "       stratctl [-s SOCK | -c FILE] actor ID [--json]\n"
            "       stratctl -c FILE|-j DIR journal dump [--actor ID] [--from LSN] [--limit N] [--json]\n"
            "       stratctl -c FILE|-j DIR journal stats [--json]\n"
            "       stratctl -c FILE|-j DIR journal verify [--json]\n"
            "       stratctl -c FILE|-j DIR journal salvage --to DIR\n"
            "       stratctl config check FILE\n"
            "       stratctl -c FILE|-j DIR retire ID\n"
            "\n"
            "  -s SOCK   the daemon's control socket (default: control.socket of -c FILE,\n"
            "            else " DEFAULT_SOCKET ")\n"
            "  -c FILE   the topology (YAML) the daemon runs\n"
            "  -j DIR    the journal directory (instead of -c, for journal commands)\n"
            "  --json    machine-readable output\n");
}

/* Send one request line, print the reply. */
static int request(const char *sock, const char *line)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char buf[65536];
    ssize_t n;
    int fd, rc = 0;
    size_t len = strlen(line), off = 0;
    bool error_reply = false, first = true;

    if (strlen(sock) >= sizeof sa.sun_path) {
        fprintf(stderr, "stratctl: socket path too long: %s\n", sock);
        return 2;
    }
    strcpy(sa.sun_path, sock);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "stratctl: connect %s: %s (is stratd running with this "
                "control.socket?)\n", sock, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    while (off < len) {
        n = write(fd, line + off, len - off);
        if (n < 0) {
            fprintf(stderr, "stratctl: write %s: %s\n", sock, strerror(errno));
            close(fd);
            return 1;
        }
        off += (size_t)n;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (first && n >= 9 && strncmp(buf, "{\"error\":", 9) == 0)
            error_reply = true;
        first = false;
        fwrite(buf, 1, (size_t)n, error_reply ? stderr : stdout);
    }
    if (n < 0) {
        fprintf(stderr, "stratctl: read %s: %s\n", sock, strerror(errno));
        rc = 1;
    } else if (first) {
        fprintf(stderr, "stratctl: %s closed without a reply\n", sock);
        rc = 1;
    }
    close(fd);
    if (error_reply)
        rc = 1;
    return rc;
}

/* ---- the journal, offline */

/* Open the journal at path with its metadata into *m; NULL reported. With
 * write, for a change (needs the daemon stopped: it holds the lock). */
static struct journal *open_journal(const char *path, bool write, struct meta *m)
{
    char err[1024];
    struct journal *j;

    j = journal_open(path, false, !write, write ? FSYNC_ALWAYS : FSYNC_NONE,
                     err, sizeof err);
    if (!j) {
        fprintf(stderr, "stratctl: %s%s\n", err,
                write && strstr(err, "has this journal open") ? "; stop stratd first" : "");
        return NULL;
    }
    if (meta_load(j, m, err, sizeof err) != 0) {
        fprintf(stderr, "stratctl: %s\n", err);
        journal_close(j);
        return NULL;
    }
    return j;
}

/* The actor with this id in the journal's metadata; NULL reported. */
static struct meta_actor *find_actor(struct meta *m, const char *id,
                                     const char *path)
{
    struct meta_actor *a = meta_find_id(m, id);

    if (!a)
        fprintf(stderr, "stratctl: no actor '%s' in the journal at %s\n", id, path);
    return a;
}

/* The id of actor number n, "?" when the metadata does not know it. */
static const char *id_of(char *const *ids, uint32_t max_number, uint32_t n)
{
    return n <= max_number && ids[n] ? ids[n] : "?";
}

/* One entry as a JSON object (--json) or a line for people:
 *   LSN  TIME  SENDER -> RECEIVERS  KIND {fields} */
static void dump_entry(uint64_t lsn, const Stratd__Entry *e, char *const *ids,
                       uint32_t max_number, const struct meta_actor *sender, bool json)
{
    struct json js, body;
    const char *sid = e->sender == 0 ? "stratd" : id_of(ids, max_number, e->sender);

    json_init(&body);
    if (e->msg)
        pbjson_message(&body, &e->msg->base);
    else
        json_null(&body);
    if (json) {
        json_init(&js);
        json_obj_begin(&js);
        json_kv_uint(&js, "lsn", lsn);
        json_kv_int(&js, "time_ns", e->time_ns);
        json_kv_str(&js, "sender", sid);
        json_key(&js, "receivers");
        json_arr_begin(&js);
        for (size_t r = 0; r < e->n_receivers; r++)
            json_str(&js, id_of(ids, max_number, e->receivers[r]));
        json_arr_end(&js);
        json_key(&js, "msg");
        json_raw_value(&js, body.buf);
        if (sender && e->msg && e->msg->kind_case == STRATD__MSG__KIND_ORDER_REQUEST)
            json_kv_uint(&js, "client_order_id",
                         orders_client_order_id(hash_bytes(HASH_SEED, sender->uuid, 16), lsn));
        json_obj_end(&js);
        puts(js.buf);
        json_release(&js);
    } else {
        time_t sec = (time_t)(e->time_ns / 1000000000);
        struct tm tm;
        char when[32];
        localtime_r(&sec, &tm);
        strftime(when, sizeof when, "%F %T", &tm);
        printf("%-8llu %s.%06lld  %s ->", (unsigned long long)lsn, when,
               (long long)(e->time_ns % 1000000000 / 1000), sid);
        for (size_t r = 0; r < e->n_receivers && r < 4; r++)
            printf("%s%s", r ? "," : " ", id_of(ids, max_number, e->receivers[r]));
        if (e->n_receivers > 4)
            printf(" +%zu", e->n_receivers - 4);
        /* body is {"kind":{...}}: print kind and fields */
        printf("  %s\n", body.buf);
    }
    json_release(&body);
}

static int journal_dump(const char *path, const char *actor_id, uint64_t from,
                        uint64_t limit, bool json)
{
    char **ids = NULL;
    struct journal *j;
    struct journal_iter *it;
    struct meta m;
    const uint8_t *val;
    uint64_t lsn, shown = 0;
    size_t len;
    uint32_t want = 0;
    int rc = 0;

    if (!(j = open_journal(path, false, &m)))
        return 1;
    if (actor_id) {
        struct meta_actor *ma = find_actor(&m, actor_id, path);
        if (!ma) {
            rc = 1;
            goto out;
        }
        want = ma->number;
    }
    ids = calloc(m.max_number + 1, sizeof *ids);   /* number -> id */
    if (!ids)
        abort();
    for (size_t i = 0; i < m.n; i++)
        ids[m.actors[i].number] = m.actors[i].id;
    it = journal_scan(j, from);
    while ((limit == 0 || shown < limit) && journal_iter_next(it, &lsn, &val, &len)) {
        Stratd__Entry *e = stratd__entry__unpack(NULL, len, val);
        bool match = !actor_id;

        if (!e) {
            fprintf(stderr, "stratctl: entry %" PRIu64 " cannot be decoded\n", lsn);
            rc = 1;
            break;
        }
        for (size_t i = 0; i < e->n_receivers && !match; i++)
            match = e->receivers[i] == want;
        if (match) {
            const struct meta_actor *sender = NULL;
            for (size_t i = 0; i < m.n && e->msg &&
                               e->msg->kind_case == STRATD__MSG__KIND_ORDER_REQUEST; i++)
                if (m.actors[i].number == e->sender)
                    sender = &m.actors[i];
            dump_entry(lsn, e, ids, m.max_number, sender, json);
            shown++;
        }
        stratd__entry__free_unpacked(e, NULL);
    }
    if (journal_iter_error(it)) {
        fprintf(stderr, "stratctl: corrupt journal: entries unreadable %s (run 'stratctl "
                "journal verify')\n", journal_iter_error(it));
        rc = 1;
    }
    journal_iter_free(it);
out:
    free(ids);
    meta_release(&m);
    journal_close(j);
    return rc;
}

static uint64_t dir_bytes(const char *path)
{
    char cmd[4200];
    unsigned long long n = 0;
    FILE *f;

    snprintf(cmd, sizeof cmd, "du -sb '%s' 2>/dev/null", path);
    if ((f = popen(cmd, "r"))) {
        if (fscanf(f, "%llu", &n) != 1)
            n = 0;
        pclose(f);
    }
    return n;
}

/* What journal stats counts in one scan. */
struct journal_counts {
    uint64_t entries, bytes, first, last;
    uint64_t *per_actor;          /* deliveries, by actor number */
    uint64_t per_kind[32];        /* entries, by message kind % 32 */
};

/* 0, or -1 when the scan stopped on damage (reported). */
static int count_entries(struct journal *j, const struct meta *m,
                         struct journal_counts *c)
{
    int rc = 0;

    struct journal_iter *it = journal_scan(j, 1);
    const uint8_t *val;
    uint64_t lsn;
    size_t len;

    memset(c, 0, sizeof *c);
    c->per_actor = calloc(m->max_number + 1, sizeof *c->per_actor);
    while (journal_iter_next(it, &lsn, &val, &len)) {
        Stratd__Entry *e = stratd__entry__unpack(NULL, len, val);
        if (!c->first)
            c->first = lsn;
        c->last = lsn;
        c->entries++;
        c->bytes += len + 8;
        if (!e)
            continue;
        if (e->msg)
            c->per_kind[e->msg->kind_case % 32]++;
        for (size_t r = 0; r < e->n_receivers; r++)
            if (e->receivers[r] <= m->max_number)
                c->per_actor[e->receivers[r]]++;
        stratd__entry__free_unpacked(e, NULL);
    }
    if (journal_iter_error(it)) {
        fprintf(stderr, "stratctl: corrupt journal: entries unreadable %s (run 'stratctl "
                "journal verify')\n", journal_iter_error(it));
        rc = -1;
    }
    journal_iter_free(it);
    return rc;
}

static void stats_json(const char *path, const struct meta *m,
                       const struct journal_counts *c)
{
    const ProtobufCMessageDescriptor *md = &stratd__msg__descriptor;
    struct json js;

    json_init(&js);
    json_obj_begin(&js);
    json_kv_str(&js, "path", path);
    json_kv_uint(&js, "entries", c->entries);
    json_kv_uint(&js, "first_lsn", c->first);
    json_kv_uint(&js, "last_lsn", c->last);
    json_kv_uint(&js, "entry_bytes", c->bytes);
    json_kv_uint(&js, "disk_bytes", dir_bytes(path));
    json_kv_bool(&js, "clean_stop", m->clean);
    json_key(&js, "kinds");
    json_obj_begin(&js);
    for (unsigned i = 0; i < md->n_fields; i++)
        json_kv_uint(&js, md->fields[i].name, c->per_kind[md->fields[i].id % 32]);
    json_obj_end(&js);
    json_key(&js, "actors");
    json_arr_begin(&js);
    for (size_t i = 0; i < m->n; i++) {
        const struct meta_actor *a = &m->actors[i];
        json_obj_begin(&js);
        json_kv_str(&js, "id", a->id);
        json_kv_str(&js, "kind", a->kind);
        json_kv_uint(&js, "number", a->number);
        json_kv_bool(&js, "retired", a->retired);
        json_kv_uint(&js, "received", c->per_actor[a->number]);
        json_kv_uint(&js, "watermark", a->watermark);
        json_obj_end(&js);
    }
    json_arr_end(&js);
    json_obj_end(&js);
    puts(js.buf);
    json_release(&js);
}

static void stats_text(const char *path, const struct meta *m,
                       const struct journal_counts *c)
{
    const ProtobufCMessageDescriptor *md = &stratd__msg__descriptor;

    printf("journal:   %s\nentries:   %llu (lsn %llu..%llu), %llu bytes, %llu on disk\n"
           "last stop: %s\n", path, (unsigned long long)c->entries,
           (unsigned long long)c->first, (unsigned long long)c->last,
           (unsigned long long)c->bytes, (unsigned long long)dir_bytes(path),
           m->clean ? "clean" : "not clean (or running)");
    printf("\n%-14s %12s\n", "MESSAGE", "ENTRIES");
    for (unsigned i = 0; i < md->n_fields; i++)
        if (c->per_kind[md->fields[i].id % 32])
            printf("%-14s %12llu\n", md->fields[i].name,
                   (unsigned long long)c->per_kind[md->fields[i].id % 32]);
    printf("\n%-20s %-15s %8s %12s %12s\n", "ACTOR", "KIND", "NUMBER", "RECEIVED", "WATERMARK");
    for (size_t i = 0; i < m->n; i++) {
        const struct meta_actor *a = &m->actors[i];
        printf("%-20s %-15s %8u %12llu %12llu%s\n", a->id, a->kind, a->number,
               (unsigned long long)c->per_actor[a->number],
               (unsigned long long)a->watermark, a->retired ? " retired" : "");
    }
}

/* Entries, bytes, deliveries per actor and per message kind. */
static int journal_stats(const char *path, bool json)
{
    struct journal_counts c;
    struct journal *j;
    struct meta m;

    int rc = 0;

    if (!(j = open_journal(path, false, &m)))
        return 1;
    if (count_entries(j, &m, &c) != 0)
        rc = 1;
    else if (json)
        stats_json(path, &m, &c);
    else
        stats_text(path, &m, &c);
    free(c.per_actor);
    meta_release(&m);
    journal_close(j);
    return rc;
}

/* Text from the journal or RocksDB, printable: control bytes as \xNN. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
}

static void verify_json(const char *path, const struct jv_report *r)
{
    struct json j;
    char *text;

    json_init(&j);
    json_obj_begin(&j);
    json_kv_str(&j, "journal", path);
    json_kv_bool(&j, "sound", r->n_problems == 0);
    json_kv_uint(&j, "entries", r->entries);
    json_kv_uint(&j, "last_lsn", r->last_lsn);
    json_key(&j, "first_bad_lsn");
    if (r->bad_lsn)
        json_uint(&j, r->bad_lsn);
    else
        json_null(&j);
    json_kv_uint(&j, "actors", r->actors);
    json_kv_uint(&j, "retired", r->retired);
    json_kv_uint(&j, "watermarks", r->watermarks);
    json_kv_bool(&j, "clean", r->clean);
    json_kv_uint(&j, "problems_found", r->n_problems);
    json_key(&j, "problems");
    json_arr_begin(&j);
    for (size_t i = 0; i < r->n_problems && i < JV_PROBLEMS; i++)
        json_str(&j, r->problem[i]);
    json_arr_end(&j);
    json_obj_end(&j);
    text = json_take(&j);
    printf("%s\n", text);
    free(text);
}

static void verify_text(const char *path, const struct jv_report *r)
{
    printf("journal:   ");
    put_escaped(stdout, path);
    printf("\nentries:   %llu sound (lsn 1..%llu), last lsn %llu\n"
           "actors:    %zu (%zu retired), %zu watermarks\n",
           (unsigned long long)r->entries, (unsigned long long)r->entries,
           (unsigned long long)r->last_lsn, r->actors, r->retired, r->watermarks);
    if (r->n_problems == 0) {
        printf("verdict:   sound\n");
        return;
    }
    printf("verdict:   DAMAGED (corrupt), %zu problem(s)", r->n_problems);
    if (r->bad_lsn)
        printf("; first bad lsn %llu", (unsigned long long)r->bad_lsn);
    printf("\n");
    for (size_t i = 0; i < r->n_problems && i < JV_PROBLEMS; i++) {
        printf("  - ");
        put_escaped(stdout, r->problem[i]);
        printf("\n");
    }
    printf("next:      'stratctl journal salvage --to DIR' copies the sound prefix into a "
           "new journal (README: Journal damage)\n");
}

static int journal_verify_cmd(const char *path, bool json)
{
    struct jv_report r;
    int rc = journal_verify(path, &r);

    if (json)
        verify_json(path, &r);
    else
        verify_text(path, &r);
    return rc;
}

static int journal_salvage_cmd(const char *path, const char *to)
{
    struct jv_report r;
    struct jv_salvage s;
    char err[1024];

    if (journal_salvage(path, to, &r, &s, err, sizeof err) != 0) {
        fprintf(stderr, "stratctl: salvage: ");
        put_escaped(stderr, err);
        fputc('\n', stderr);
        return 1;
    }
    printf("salvaged:  lsn 1..%llu into ", (unsigned long long)s.kept);
    put_escaped(stdout, to);
    printf(" (%s is untouched)\n", r.n_problems ? "the damaged journal" : "the journal");
    if (r.last_lsn > s.kept || r.wal_last > s.kept)
        printf("dropped:   from lsn %llu (the source shows lsn up to %llu)\n",
               (unsigned long long)s.kept + 1,
               (unsigned long long)(r.wal_last > r.last_lsn ? r.wal_last : r.last_lsn));
    else if (r.bad_lsn)
        printf("dropped:   from lsn %llu\n", (unsigned long long)r.bad_lsn);
    else
        printf("dropped:   no entry\n");
    printf("actors:    %zu kept, %zu dropped (first named after the prefix, or "
           "unreadable); watermarks: %zu clamped to lsn %llu, %zu unreadable set to it\n",
           s.actors_kept, s.actors_dropped, s.watermarks_clamped,
           (unsigned long long)s.kept, s.watermarks_set);
    printf("digests:   none, no clean marker (the next start compares none)\n");
    for (size_t i = 0; i < r.n_problems && i < JV_PROBLEMS; i++) {
        printf("  - ");
        put_escaped(stdout, r.problem[i]);
        printf("\n");
    }
    printf("next:      stop stratd, move the damaged journal aside, move ");
    put_escaped(stdout, to);
    printf(" to its journal.path, start stratd\n");
    return 0;
}

/* Retire an actor: its entries stay in the journal, its id is free for a
 * new actor (a changed actor's way forward). Needs the daemon stopped: the
 * journal is opened for writing. */
static int retire(const char *path, const char *id)
{
    struct journal *j;
    struct meta m;
    struct meta_actor *a;
    int rc = 0;

    if (!(j = open_journal(path, true, &m)))
        return 1;
    if (!(a = find_actor(&m, id, path))) {
        rc = 1;
    } else {
        /* the others' digests still hold (the retired actor replays into a
         * stand-in under its old number): the next start checks them */
        meta_retire(j, a);
        if (journal_commit(j) != 0 || journal_flush(j) != 0)
            rc = 1;
        else
            printf("retired %s (%s, number %u): its entries stay in the journal; a new "
                   "actor may now use the id\n", id, a->kind, a->number);
    }
    meta_release(&m);
    journal_close(j);
    return rc;
}

/* ---- the command line */

struct cli {
    const char *sock, *config, *journal, *actor_id, *to;
    uint64_t from, limit;
    bool json;
    struct topology t;            /* loaded from config, when given */
};

/* Options into cli, up to the command. 0, or the exit code (usage shown). */
static int parse_options(struct cli *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"journal", required_argument, NULL, 'j'},
        {"json", no_argument, NULL, 'J'},
        {"actor", required_argument, NULL, 'a'},
        {"from", required_argument, NULL, 'f'},
        {"limit", required_argument, NULL, 'n'},
        {"to", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "s:c:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': o->journal = optarg; break;
        case 's': o->sock = optarg; break;
        case 'c': o->config = optarg; break;
        case 'J': o->json = true; break;
        case 'a': o->actor_id = optarg; break;
        case 'f': o->from = strtoull(optarg, NULL, 10); break;
        case 'n': o->limit = strtoull(optarg, NULL, 10); break;
        case 'T': o->to = optarg; break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* The journal directory: -j DIR, else journal.path of -c FILE. */
static const char *journal_path(const struct cli *o)
{
    return o->journal ? o->journal : o->t.journal_path;
}

/* journal dump|stats|verify|salvage (args: what follows "journal") */
static int cmd_journal(struct cli *o, int argc, char **args)
{
    bool have = o->config || o->journal;

    if (argc == 1 && strcmp(args[0], "stats") == 0 && have)
        return journal_stats(journal_path(o), o->json);
    if (argc == 1 && strcmp(args[0], "verify") == 0 && have)
        return journal_verify_cmd(journal_path(o), o->json);
    if (argc == 1 && strcmp(args[0], "salvage") == 0 && have && o->to)
        return journal_salvage_cmd(journal_path(o), o->to);
    if (argc < 1 || strcmp(args[0], "dump") != 0 || !have) {
        fprintf(stderr, "stratctl: usage: stratctl -c FILE|-j DIR journal "
                "dump|stats|verify|salvage --to DIR\n");
        return 2;
    }
    return journal_dump(journal_path(o), o->actor_id, o->from ? o->from : 1,
                        o->limit, o->json);
}

/* retire ID */
static int cmd_retire(struct cli *o, int argc, char **args)
{
    if (argc != 1 || (!o->config && !o->journal)) {
        fprintf(stderr, "stratctl: usage: stratctl -c FILE|-j DIR retire ID\n");
        return 2;
    }
    return retire(journal_path(o), args[0]);
}

/* config check FILE */
static int cmd_config(int argc, char **args)
{
    struct topology nt = {0};
    char err[2048];
    int rc;

    if (argc < 2 || strcmp(args[0], "check") != 0) {
        fprintf(stderr, "stratctl: usage: stratctl config check FILE\n");
        return 2;
    }
    if (topology_load(&nt, args[1], NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    rc = config_check(&nt, stdout);
    topology_release(&nt);
    return rc;
}

/* status | actors | actor ID: one request to the daemon. */
static int cmd_live(struct cli *o, const char *cmd, int argc, char **args)
{
    const char *sock = o->sock ? o->sock :
                       o->config ? o->t.control_socket : DEFAULT_SOCKET;
    const char *text = o->json ? "" : "text ";
    char line[1100];

    if ((strcmp(cmd, "status") == 0 || strcmp(cmd, "actors") == 0) && argc == 0)
        snprintf(line, sizeof line, "%s%s\n", text, cmd);
    else if (strcmp(cmd, "actor") == 0 && argc == 1)
        snprintf(line, sizeof line, "%sactor %.1000s\n", text, args[0]);
    else
        return -1;
    return request(sock, line);
}

/* The command and what follows it (argc of them in args). */
static int run(struct cli *o, const char *cmd, int argc, char **args)
{
    int rc;

    if (strcmp(cmd, "journal") == 0)
        return cmd_journal(o, argc, args);
    if (strcmp(cmd, "retire") == 0)
        return cmd_retire(o, argc, args);
    if (strcmp(cmd, "config") == 0)
        return cmd_config(argc, args);
    if ((rc = cmd_live(o, cmd, argc, args)) >= 0)
        return rc;
    fprintf(stderr, "stratctl: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    struct cli o = {.from = 1};
    char err[2048];
    int rc;

    if ((rc = parse_options(&o, argc, argv)) != 0)
        return rc < 0 ? 0 : rc;
    if (o.config && topology_load(&o.t, o.config, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    rc = run(&o, argv[optind], argc - optind - 1, argv + optind + 1);
    topology_release(&o.t);
    return rc;
}
