/*
 * state.c — the --state file: the exchange carries on after a restart
 * exactly where it stopped. The format is proto/exsim_state.proto (a magic,
 * length-prefixed Records, an FNV-1a 64 checksum).
 *
 * What is saved, and how it comes back:
 *   - ticks: only how many were published (in all and per symbol) and a
 *     digest of them. The market model is deterministic from the seed and
 *     the symbols and independent of client orders (it trades in its own
 *     book, mdgen.c), so restoring runs it again from the start without
 *     mirroring it into the exchange: the tick history comes back whole
 *     (subscribers resume from any from_seq), the model's book ends up
 *     where it was, and the digest proves the ticks are the ones published
 *     before. The same holds for a --csv file. Their stamps come from the
 *     saved clock stretches (exsim.h);
 *   - the exchange's books as they were, order by order: the clients'
 *     resting orders and the simulated quotes mirrored from the model's
 *     last step (which clients may have partly taken), each level in time
 *     priority, with the book order ids; so the next model step cancels and
 *     reposts the quotes exactly as an uninterrupted run would;
 *   - per account: its name, positions, every client order in any state
 *     (so a known client order id is still answered idempotently), every
 *     ExecReport (resent after a Logon; session_seq carries on);
 *   - the counters of the --report file.
 * Not saved: connections and subscriptions (clients reconnect), latency
 * samples, and when ticks went out (ticks from before the restart do not
 * time orders).
 *
 * The file is rewritten whole (temp file, fsync, rename, fsync of the
 * directory), so it is the old one or the new one, never half of each; a
 * flock on FILE.lock keeps a second exsim from writing it at the same time.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exsim.h"
#include "exsim_state.pb-c.h"

#define STATE_MAGIC "EXSIMST\n"
#define STATE_MAGIC_LEN 8
#define STATE_VERSION 1
#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

typedef Stratd__Exsim__Record Record;

/* Fields saved under the names they have in memory: one list serves the
 * writer (put_*) and the reader (load_*), so the two cannot drift apart.
 * COPY(f) copies field f from *src to *dst, whichever way the two point.
 * Fields that need a cast or a check are copied by hand beside them. */
#define COPY(f) dst->f = src->f;
#define HEADER_COUNTERS(X) \
    X(next_book_id) X(orders) X(resends) X(rejects) X(fills) X(cancels)
#define BOOK_STATS(X) X(last_price) X(last_qty) X(fills) X(volume)
#define ORDER_FIELDS(X) \
    X(client_order_id) X(book_id) X(sym) X(price) X(qty) X(cum) X(leaves)
#define REPORT_FIELDS(X)                                              \
    X(session_seq) X(client_order_id) X(price) X(qty) X(cum_qty)      \
    X(leaves) X(fill_price) X(exch_time_ns)
#define RESTING_FIELDS(X) X(id) X(price) X(qty) X(cum) X(leaves)

static void counters_save(Stratd__Exsim__Header *dst, const struct exch *src)
{
    HEADER_COUNTERS(COPY)
}

static void counters_load(struct exch *dst, const Stratd__Exsim__Header *src)
{
    HEADER_COUNTERS(COPY)
}

static void book_stats_save(Stratd__Exsim__Book *dst, const struct book *src)
{
    BOOK_STATS(COPY)
}

static void book_stats_load(struct book *dst, const Stratd__Exsim__Book *src)
{
    BOOK_STATS(COPY)
}

static void resting_save(Stratd__Exsim__Resting *dst, const struct book_order *src)
{
    RESTING_FIELDS(COPY)
    dst->side = (uint32_t)src->side;
}

static void resting_load(struct book_order *dst, const Stratd__Exsim__Resting *src)
{
    RESTING_FIELDS(COPY)
    dst->side = (enum book_side)src->side;
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

uint64_t state_version(const struct exsim *s)
{
    /* Every change of the exchange appends a report or an account, every
     * tick counts: the sum moves whenever the file would differ. */
    uint64_t v = s->published + s->exch.n_acct;

    for (size_t i = 0; i < s->exch.n_acct; i++)
        v += s->exch.acct[i]->n_reports;
    return v;
}

/* ---- writing */

#define SINK_CAP (1 << 20)

/* Records are packed straight into a buffer written out with write(2) as it
 * fills (protobuf-c's pack_to_buffer would append field by field). */
struct sink {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    uint64_t h;                 /* FNV-1a 64 of every byte so far */
    uint64_t records;
    int err;                    /* errno of the first failure, 0: none */
};

static void sink_init(struct sink *k, int fd)
{
    memset(k, 0, sizeof *k);
    k->fd = fd;
    k->h = FNV_BASIS;
}

static void sink_flush(struct sink *k)
{
    size_t off = 0;

    while (off < k->len && !k->err) {
        ssize_t n = write(k->fd, k->buf + off, k->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            k->err = n < 0 ? errno : EIO;
        else
            off += (size_t)n;
    }
    k->len = 0;
}

/* Room for n more bytes at k->buf + k->len; false on an error. */
static bool sink_room(struct sink *k, size_t n)
{
    size_t cap = n > SINK_CAP ? n : SINK_CAP;
    uint8_t *p;

    if (k->err)
        return false;
    if (k->len + n <= k->cap)
        return true;
    sink_flush(k);
    if (k->err)
        return false;
    if (n <= k->cap)
        return true;
    p = realloc(k->buf, cap);
    if (!p) {
        k->err = ENOMEM;
        return false;
    }
    k->buf = p;
    k->cap = cap;
    return true;
}

/* Raw bytes: the magic (hashed), the checksum (not hashed). */
static void sink_bytes(struct sink *k, const void *data, size_t n, bool hash)
{
    if (!sink_room(k, n))
        return;
    memcpy(k->buf + k->len, data, n);
    if (hash)
        k->h = fnv(k->h, k->buf + k->len, n);
    k->len += n;
}

static void put_record(struct sink *k, const Record *r)
{
    size_t size = stratd__exsim__record__get_packed_size(r), v = size, n = 0;
    uint8_t *p;

    if (!sink_room(k, size + 10))
        return;
    p = k->buf + k->len;
    do {
        p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    stratd__exsim__record__pack(r, p + n);
    k->h = fnv(k->h, p, n + size);
    k->len += n + size;
    k->records++;
}

/* The End record and the checksum; everything written out. 0 or errno. */
static int sink_finish(struct sink *k)
{
    Stratd__Exsim__End end = STRATD__EXSIM__END__INIT;
    Record r = STRATD__EXSIM__RECORD__INIT;
    uint8_t sum[8];

    end.records = k->records;
    r.body_case = STRATD__EXSIM__RECORD__BODY_END;
    r.end = &end;
    put_record(k, &r);
    for (int i = 0; i < 8; i++)
        sum[i] = (uint8_t)(k->h >> (8 * i));
    sink_bytes(k, sum, sizeof sum, false);
    sink_flush(k);
    free(k->buf);
    k->buf = NULL;
    k->cap = 0;
    return k->err;
}

static int put_header(struct sink *k, const struct exsim *s)
{
    const struct exch *x = &s->exch;
    Stratd__Exsim__Header h = STRATD__EXSIM__HEADER__INIT;
    Record r = STRATD__EXSIM__RECORD__INIT;
    struct exsim_clock one = { 0, EXSIM_EPOCH_NS, s->cfg.rate };
    const struct exsim_clock *clock = s->n_clock ? s->clock : &one;
    size_t n_clock = s->n_clock ? s->n_clock : 1;
    Stratd__Exsim__ClockSegment *seg = calloc(n_clock, sizeof *seg);
    Stratd__Exsim__ClockSegment **segp = calloc(n_clock, sizeof *segp);
    uint64_t *ticks = calloc(s->cfg.n_sym, sizeof *ticks);

    if (!seg || !segp || !ticks) {
        free(seg);
        free(segp);
        free(ticks);
        return -1;
    }
    for (size_t i = 0; i < n_clock; i++) {
        stratd__exsim__clock_segment__init(&seg[i]);
        seg[i].from_tick = clock[i].from;
        seg[i].time_ns = clock[i].time_ns;
        seg[i].rate = clock[i].rate;
        segp[i] = &seg[i];
    }
    for (size_t i = 0; i < s->cfg.n_sym; i++)
        ticks[i] = s->hist[i].n;
    h.version = STATE_VERSION;
    h.seed = s->cfg.seed;
    h.n_symbols = s->cfg.n_sym;
    h.symbols = (char **)s->cfg.symbols;
    h.csv = s->cfg.csv != NULL;
    h.published = s->published;
    h.n_ticks = s->cfg.n_sym;
    h.ticks = ticks;
    h.tick_digest = s->tick_digest;
    h.n_clock = n_clock;
    h.clock = segp;
    counters_save(&h, x);
    h.accounts = x->n_acct;
    r.body_case = STRATD__EXSIM__RECORD__BODY_HEADER;
    r.header = &h;
    put_record(k, &r);
    free(seg);
    free(segp);
    free(ticks);
    return 0;
}

static void put_account(struct sink *k, const struct exsim *s, const struct exch_account *a)
{
    Stratd__Exsim__Account m = STRATD__EXSIM__ACCOUNT__INIT;
    Record r = STRATD__EXSIM__RECORD__INIT;

    m.name = (char *)a->name;
    m.n_position = s->cfg.n_sym;
    m.position = a->position;
    m.fills = a->fills;
    m.orders = a->n_orders;
    m.reports = a->n_reports;
    r.body_case = STRATD__EXSIM__RECORD__BODY_ACCOUNT;
    r.account = &m;
    put_record(k, &r);

    for (size_t i = 0; i < a->n_orders; i++) {
        const struct exch_order *src = a->orders[i];
        Stratd__Exsim__Order q = STRATD__EXSIM__ORDER__INIT, *dst = &q;

        ORDER_FIELDS(COPY)
        q.symbol = (char *)src->symbol;
        q.side = (uint32_t)src->side;
        q.type = (uint32_t)src->type;
        q.tif = (uint32_t)src->tif;
        q.state = (uint32_t)src->state;
        q.reason = (char *)src->reason;
        r.body_case = STRATD__EXSIM__RECORD__BODY_ORDER;
        r.order = &q;
        put_record(k, &r);
    }
    for (size_t i = 0; i < a->n_reports; i++) {
        const struct exch_report *src = &a->reports[i];
        Stratd__Exsim__Report q = STRATD__EXSIM__REPORT__INIT, *dst = &q;

        REPORT_FIELDS(COPY)
        q.kind = (uint32_t)src->kind;
        q.symbol = (char *)src->symbol;
        q.side = (uint32_t)src->side;
        q.reason = (char *)src->reason;
        r.body_case = STRATD__EXSIM__RECORD__BODY_REPORT;
        r.report = &q;
        put_record(k, &r);
    }
}

static int put_book(struct sink *k, size_t sym, const struct exch_symbol *y)
{
    const struct book *b = &y->book;
    const struct book_half *halves[2] = { &b->bids, &b->asks };
    size_t n = book_orders(b), i = 0;
    Stratd__Exsim__Book m = STRATD__EXSIM__BOOK__INIT;
    Record r = STRATD__EXSIM__RECORD__INIT;
    Stratd__Exsim__Resting *rest = calloc(n ? n : 1, sizeof *rest);
    Stratd__Exsim__Resting **restp = calloc(n ? n : 1, sizeof *restp);

    if (!rest || !restp) {
        free(rest);
        free(restp);
        return -1;
    }
    for (int h = 0; h < 2; h++)
        for (size_t l = halves[h]->n; l > 0; l--)
            for (const struct book_order *o = halves[h]->lv[l - 1].head; o && i < n;
                 o = o->next, i++) {
                const struct exch_order *owner = o->owner;

                stratd__exsim__resting__init(&rest[i]);
                resting_save(&rest[i], o);
                if (owner) {
                    rest[i].account = owner->acct->idx + 1;
                    rest[i].client_order_id = owner->client_order_id;
                }
                restp[i] = &rest[i];
            }
    m.sym = (uint32_t)sym;
    m.n_orders = i;
    m.orders = restp;
    m.n_sim_ids = y->n_sim;
    m.sim_ids = y->sim_ids;
    book_stats_save(&m, b);
    r.body_case = STRATD__EXSIM__RECORD__BODY_BOOK;
    r.book = &m;
    put_record(k, &r);
    free(rest);
    free(restp);
    return 0;
}

static int fsync_dir_of(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd, rc;

    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int state_save(struct exsim *s, char *err, size_t errlen)
{
    const char *path = s->cfg.state;
    const struct exch *x = &s->exch;
    struct sink k;
    char tmp[4200];
    const char *call = "write";
    int fd, e;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: open: %s", tmp, strerror(errno));
        return -1;
    }
    sink_init(&k, fd);
    sink_bytes(&k, STATE_MAGIC, STATE_MAGIC_LEN, true);
    if (put_header(&k, s) < 0 && !k.err)
        k.err = ENOMEM;
    for (size_t i = 0; i < x->n_acct && !k.err; i++)
        put_account(&k, s, x->acct[i]);
    for (size_t i = 0; i < x->n_sym && !k.err; i++)
        if (put_book(&k, i, &x->sym[i]) < 0 && !k.err)
            k.err = ENOMEM;
    e = sink_finish(&k);
    if (!e && fsync(fd) != 0)
        call = "fsync", e = errno;
    if (close(fd) != 0 && !e)
        call = "close", e = errno;
    if (!e && rename(tmp, path) != 0)
        call = "rename", e = errno;
    if (e) {
        snprintf(err, errlen, "%s: %s: %s", tmp, call, strerror(e));
        unlink(tmp);
        return -1;
    }
    if (fsync_dir_of(path) != 0) {
        snprintf(err, errlen, "%s: fsync of its directory: %s", path, strerror(errno));
        return -1;
    }
    s->state_version = state_version(s);
    return 0;
}

int state_lock(struct exsim *s, char *err, size_t errlen)
{
    char path[4200];
    int fd;

    snprintf(path, sizeof path, "%s.lock", s->cfg.state);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: open: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen, "%s: in use by another exsim (%s is locked)",
                     s->cfg.state, path);
        else
            snprintf(err, errlen, "%s: flock: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    s->state_lock_fd = fd;
    return 0;
}

/* ---- reading */

struct reader {
    const char *path;
    const uint8_t *p, *end;
    uint64_t records;
    char *err;
    size_t errlen;
};

static int refuse(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct reader *rd, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(rd->err, rd->errlen, "%s: ", rd->path);

    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < rd->errlen)
        vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int damaged(struct reader *rd, const char *what)
{
    return refuse(rd, "damaged state file (record %" PRIu64 ": %s)", rd->records, what);
}

/* The next record, of kind want (0: any); NULL after refuse(). */
static Record *next_record(struct reader *rd, Stratd__Exsim__Record__BodyCase want, const char *name)
{
    uint64_t len = 0;
    int shift = 0;
    Record *r;

    rd->records++;   /* the one being read, for messages */
    for (;;) {
        if (rd->p >= rd->end || shift > 63) {
            damaged(rd, rd->p >= rd->end ? "missing" : "bad length");
            return NULL;
        }
        len |= (uint64_t)(*rd->p & 0x7f) << shift;
        shift += 7;
        if (!(*rd->p++ & 0x80))
            break;
    }
    if (len > (uint64_t)(rd->end - rd->p)) {
        damaged(rd, "length beyond the end");
        return NULL;
    }
    r = stratd__exsim__record__unpack(NULL, (size_t)len, rd->p);
    if (!r) {
        damaged(rd, "cannot be decoded");
        return NULL;
    }
    rd->p += len;
    if (want && r->body_case != want) {
        char what[64];
        snprintf(what, sizeof what, "expected %s", name);
        stratd__exsim__record__free_unpacked(r, NULL);
        damaged(rd, what);
        return NULL;
    }
    return r;
}

static int copy_str(struct reader *rd, char *dst, size_t cap, const char *src, const char *what)
{
    size_t n = src ? strlen(src) : 0;

    if (n >= cap)
        return damaged(rd, what);
    memcpy(dst, src ? src : "", n + 1);
    return 0;
}

static void symbols_text(char *buf, size_t cap, char *const *syms, size_t n)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", syms[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static int check_header(struct reader *rd, struct exsim *s, const Stratd__Exsim__Header *h)
{
    bool same = h->seed == s->cfg.seed && h->n_symbols == s->cfg.n_sym;
    char saved[1024], now[1024];

    if (h->version != STATE_VERSION)
        return refuse(rd, "state file format version %" PRIu32 ", this exsim reads %d",
                    h->version, STATE_VERSION);
    for (size_t i = 0; same && i < h->n_symbols; i++)
        same = strcmp(h->symbols[i], s->cfg.symbols[i]) == 0;
    if (!same) {
        symbols_text(saved, sizeof saved, h->symbols, h->n_symbols);
        symbols_text(now, sizeof now, (char *const *)s->cfg.symbols, s->cfg.n_sym);
        return refuse(rd, "saved by an exchange with --seed %" PRIu64 " --symbols %s, "
                    "not --seed %" PRIu64 " --symbols %s: refusing to mix them "
                    "(use the same arguments, or another --state file)",
                    h->seed, saved, s->cfg.seed, now);
    }
    if (h->csv != (s->cfg.csv != NULL))
        return refuse(rd, "saved by an exchange publishing %s, this one publishes %s: "
                    "refusing to mix them", h->csv ? "a --csv file" : "the model",
                    s->cfg.csv ? "a --csv file" : "the model");
    if (h->n_ticks != h->n_symbols || h->n_clock == 0 || h->clock[0]->from_tick != 0)
        return damaged(rd, "header");
    for (size_t i = 0; i < h->n_clock; i++) {
        const Stratd__Exsim__ClockSegment *c = h->clock[i];
        if (!isfinite(c->rate) || c->rate <= 0 ||
            (i > 0 && c->from_tick <= h->clock[i - 1]->from_tick))
            return damaged(rd, "clock");
    }
    return 0;
}

/* Free r and return rc: every way out of a load_* step. */
static int drop(Record *r, int rc)
{
    stratd__exsim__record__free_unpacked(r, NULL);
    return rc;
}

/* A saved client order that the exchange could hold. */
static bool saved_order_ok(const struct exch *x, const struct exch_account *a,
                     const Stratd__Exsim__Order *q)
{
    return q->client_order_id != 0 && !map_get(&a->by_id, q->client_order_id) &&
           q->sym >= -1 && q->sym < (int32_t)x->n_sym && q->state <= EXCH_REJECTED &&
           (q->state != EXCH_LIVE || (q->sym >= 0 && q->book_id != 0 && q->leaves > 0));
}

/* The next client order of account a. */
static int load_order(struct reader *rd, struct exch *x, struct exch_account *a)
{
    Record *r = next_record(rd, STRATD__EXSIM__RECORD__BODY_ORDER, "an order");
    const Stratd__Exsim__Order *src;
    struct exch_order *dst;

    if (!r)
        return -1;
    src = r->order;
    if (!saved_order_ok(x, a, src))
        return drop(r, damaged(rd, "order"));
    if (!(dst = exch_order_add(a, src->client_order_id)))
        return drop(r, refuse(rd, "out of memory"));
    if (copy_str(rd, dst->symbol, sizeof dst->symbol, src->symbol, "order symbol") < 0 ||
        copy_str(rd, dst->reason, sizeof dst->reason, src->reason, "order reason") < 0 ||
        (src->sym >= 0 && strcmp(dst->symbol, x->sym[src->sym].name) != 0))
        return drop(r, damaged(rd, "order symbol"));
    ORDER_FIELDS(COPY)
    dst->side = (Stratd__Wire__Side)src->side;
    dst->type = (Stratd__Wire__OrdType)src->type;
    dst->tif = (Stratd__Wire__Tif)src->tif;
    dst->state = (enum exch_state)src->state;
    return drop(r, 0);
}

/* The next ExecReport of account a (session_seq in order). */
static int load_report(struct reader *rd, struct exch_account *a)
{
    Record *r = next_record(rd, STRATD__EXSIM__RECORD__BODY_REPORT, "a report");
    const Stratd__Exsim__Report *src;
    struct exch_report e, *dst = &e;

    if (!r)
        return -1;
    src = r->report;
    memset(&e, 0, sizeof e);
    if (src->session_seq != a->n_reports + 1 ||
        copy_str(rd, e.symbol, sizeof e.symbol, src->symbol, "report symbol") < 0 ||
        copy_str(rd, e.reason, sizeof e.reason, src->reason, "report reason") < 0)
        return drop(r, damaged(rd, "report"));
    REPORT_FIELDS(COPY)
    e.kind = (Stratd__Wire__ExecReport__Kind)src->kind;
    e.side = (Stratd__Wire__Side)src->side;
    if (exch_report_add(a, &e) < 0)
        return drop(r, refuse(rd, "out of memory"));
    return drop(r, 0);
}

/* An account, then its orders and its reports. */
static int load_account(struct reader *rd, struct exsim *s)
{
    struct exch *x = &s->exch;
    Record *r = next_record(rd, STRATD__EXSIM__RECORD__BODY_ACCOUNT, "an account");
    const Stratd__Exsim__Account *m;
    struct exch_account *a;
    uint64_t n_orders, n_reports;

    if (!r)
        return -1;
    m = r->account;
    if (!wire_account_ok(m->name) || exch_account(x, m->name, false) ||
        m->n_position != x->n_sym)
        return drop(r, damaged(rd, "account"));
    a = exch_account(x, m->name, true);
    if (!a)
        return drop(r, refuse(rd, "out of memory"));
    memcpy(a->position, m->position, x->n_sym * sizeof *a->position);
    a->fills = m->fills;
    n_orders = m->orders;
    n_reports = m->reports;
    drop(r, 0);

    for (uint64_t i = 0; i < n_orders; i++)
        if (load_order(rd, x, a) < 0)
            return -1;
    for (uint64_t i = 0; i < n_reports; i++)
        if (load_report(rd, a) < 0)
            return -1;
    return 0;
}

/* The book of symbol sym; *resting counts the client orders in it. */
static int load_book(struct reader *rd, struct exsim *s, size_t sym, uint64_t next_book_id,
                     size_t *resting)
{
    struct exch *x = &s->exch;
    struct book *b = &x->sym[sym].book;
    Record *r = next_record(rd, STRATD__EXSIM__RECORD__BODY_BOOK, "a book");
    const Stratd__Exsim__Book *m;
    int rc = -1;

    if (!r)
        return -1;
    m = r->book;
    if (m->sym != sym) {
        damaged(rd, "book of another symbol");
        goto out;
    }
    for (size_t i = 0; i < m->n_orders; i++) {
        const Stratd__Exsim__Resting *q = m->orders[i];
        struct book_order bo = {0};
        struct exch_order *o = NULL;
        int err;

        if (q->id == 0 || q->id > next_book_id || q->account > x->n_acct) {
            damaged(rd, "book order");
            goto out;
        }
        if (q->account > 0) {
            o = map_get(&x->acct[q->account - 1]->by_id, q->client_order_id);
            if (!o || o->state != EXCH_LIVE || o->sym != (int)sym || o->book_id != q->id ||
                o->leaves != q->leaves ||
                (int)q->side != (o->side == STRATD__WIRE__SIDE__BUY ? BOOK_BUY : BOOK_SELL)) {
                damaged(rd, "client order in a book");
                goto out;
            }
            (*resting)++;
        }
        resting_load(&bo, q);
        bo.owner = o;
        err = book_restore(b, &bo);
        if (err == BOOK_E_NOMEM) {
            refuse(rd, "out of memory");
            goto out;
        }
        if (err < 0) {
            damaged(rd, book_strerror(err));
            goto out;
        }
    }
    if (exch_sim_ids_set(x, sym, m->sim_ids, m->n_sim_ids) < 0) {
        refuse(rd, "out of memory");
        goto out;
    }
    book_stats_load(b, m);
    rc = 0;
out:
    stratd__exsim__record__free_unpacked(r, NULL);
    return rc;
}

/* Run the tick source again up to where it was, without touching the
 * exchange, and check that it published the same ticks. */
static int regenerate(struct reader *rd, struct exsim *s, const Stratd__Exsim__Header *h)
{
    while (s->published < h->published) {
        switch (exsim_generate(s, false, 0)) {
        case EXSIM_GEN_OK:
        case EXSIM_GEN_NOMEM_EXCH:
            break;
        case EXSIM_GEN_END:
            return refuse(rd, "%" PRIu64 " ticks were published, the --csv file has only "
                        "%" PRIu64 ": not the file of the saved exchange",
                        h->published, s->published);
        case EXSIM_GEN_NOMEM:
            return refuse(rd, "regenerating %" PRIu64 " ticks: out of memory", h->published);
        }
    }
    for (size_t i = 0; i < s->cfg.n_sym; i++)
        if (s->hist[i].n != h->ticks[i])
            return damaged(rd, "ticks per symbol");
    if (s->tick_digest != h->tick_digest)
        return refuse(rd, "the ticks regenerated from %s differ from those published before "
                    "the restart (another market model or CSV file?): refusing to go on",
                    s->cfg.csv ? "the --csv file" : "--seed and --symbols");
    return 0;
}

static int load_records(struct reader *rd, struct exsim *s)
{
    struct exch *x = &s->exch;
    Record *r = NULL, *hr;
    const Stratd__Exsim__Header *h;
    size_t resting = 0, live = 0;
    int rc = -1;

    if (!(hr = next_record(rd, STRATD__EXSIM__RECORD__BODY_HEADER, "the header")))
        return -1;
    h = hr->header;
    if (check_header(rd, s, h) < 0)
        goto out;
    for (uint64_t i = 0; i < h->accounts; i++)
        if (load_account(rd, s) < 0)
            goto out;
    for (size_t i = 0; i < x->n_acct; i++)
        for (size_t k = 0; k < x->acct[i]->n_orders; k++)
            live += x->acct[i]->orders[k]->state == EXCH_LIVE;
    for (size_t i = 0; i < x->n_sym; i++)
        if (load_book(rd, s, i, h->next_book_id, &resting) < 0)
            goto out;
    if (resting != live) {
        damaged(rd, "live client orders missing from the books");
        goto out;
    }
    if (!(r = next_record(rd, STRATD__EXSIM__RECORD__BODY_END, "the end")))
        goto out;
    if (r->end->records != rd->records - 1 || rd->p != rd->end) {
        damaged(rd, "end");
        goto out;
    }
    counters_load(x, h);

    /* The clock: the saved stretches, and one more from here when the rate
     * changed (stamps go on from where the old rate would have put them). */
    s->clock = calloc(h->n_clock + 1, sizeof *s->clock);
    if (!s->clock) {
        refuse(rd, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < h->n_clock; i++)
        s->clock[i] = (struct exsim_clock){ h->clock[i]->from_tick, h->clock[i]->time_ns,
                                            h->clock[i]->rate };
    s->n_clock = h->n_clock;
    if (s->clock[s->n_clock - 1].rate != s->cfg.rate) {
        struct exsim_clock c = { h->published, exsim_tick_time(s, h->published), s->cfg.rate };
        if (s->clock[s->n_clock - 1].from == h->published)
            s->n_clock--;   /* nothing was published at the previous rate */
        s->clock[s->n_clock++] = c;
    }
    rc = regenerate(rd, s, h);
out:
    if (r)
        stratd__exsim__record__free_unpacked(r, NULL);
    stratd__exsim__record__free_unpacked(hr, NULL);
    return rc;
}

int state_load(struct exsim *s, char *err, size_t errlen)
{
    struct reader rd = { s->cfg.state, NULL, NULL, 0, err, errlen };
    uint8_t *buf = NULL;
    struct stat st;
    size_t size, got = 0;
    uint64_t sum = 0;
    int fd, rc = -1;

    fd = open(s->cfg.state, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return refuse(&rd, "open: %s", strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        refuse(&rd, "fstat: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        refuse(&rd, "not a regular file");
        goto out;
    }
    size = (size_t)st.st_size;
    if (size < STATE_MAGIC_LEN + 8) {
        refuse(&rd, "truncated state file (%zu bytes)", size);
        goto out;
    }
    buf = malloc(size);
    if (!buf) {
        refuse(&rd, "reading %zu bytes: out of memory", size);
        goto out;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            refuse(&rd, "read: %s", n < 0 ? strerror(errno) : "file shrank while reading");
            goto out;
        }
        got += (size_t)n;
    }
    if (memcmp(buf, STATE_MAGIC, STATE_MAGIC_LEN) != 0) {
        refuse(&rd, "not an exsim state file");
        goto out;
    }
    for (int i = 0; i < 8; i++)
        sum |= (uint64_t)buf[size - 8 + i] << (8 * i);
    if (fnv(FNV_BASIS, buf, size - 8) != sum) {
        refuse(&rd, "truncated or damaged state file (checksum mismatch)");
        goto out;
    }
    rd.p = buf + STATE_MAGIC_LEN;
    rd.end = buf + size - 8;
    rc = load_records(&rd, s) < 0 ? -1 : 1;
out:
    free(buf);
    close(fd);
    return rc;
}
