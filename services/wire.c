/*
 * wire.c — frame codec of the exchange protocol (see wire.h).
 *
 * The decoder copies incoming bytes into one buffer, buf[off, len), and
 * unpacks a frame only once all of it is there. Unpacked frames live in a
 * per-decoder arena that is reset at the next wire_decoder_next: no malloc
 * per frame once the arena has grown to the size of the largest frame.
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define ARENA_MIN 4096
#define ARENA_ALIGN 16

/* ---- errors and names */

const char *wire_strerror(int err)
{
    switch (err) {
#define XX(name, val, msg) case WIRE_E_##name: return msg;
    WIRE_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown wire error";
    }
}

const char *wire_err_name(int err)
{
    switch (err) {
#define XX(name, val, msg) case WIRE_E_##name: return "WIRE_E_" #name;
    WIRE_ERRNO_MAP(XX)
#undef XX
    default:
        return "WIRE_E_?";
    }
}

const char *wire_body_name(Stratd__Wire__Frame__BodyCase c)
{
    switch (c) {
    case STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE: return "md_subscribe";
    case STRATD__WIRE__FRAME__BODY_MD_TICK:      return "md_tick";
    case STRATD__WIRE__FRAME__BODY_HEARTBEAT:    return "heartbeat";
    case STRATD__WIRE__FRAME__BODY_ERROR:        return "error";
    case STRATD__WIRE__FRAME__BODY_LOGON:        return "logon";
    case STRATD__WIRE__FRAME__BODY_LOGON_ACK:    return "logon_ack";
    case STRATD__WIRE__FRAME__BODY_NEW_ORDER:    return "new_order";
    case STRATD__WIRE__FRAME__BODY_CANCEL_ORDER: return "cancel_order";
    case STRATD__WIRE__FRAME__BODY_EXEC_REPORT:  return "exec_report";
    default:                                     return "none";
    }
}

/* ---- field checks */

static bool chars_ok(const char *s, size_t max, bool lower)
{
    size_t n = 0;

    if (!s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (n == max)
            return false;
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-' || (lower && c >= 'a' && c <= 'z'))
            continue;
        return false;
    }
    return n > 0;
}

bool wire_symbol_ok(const char *s)
{
    return chars_ok(s, WIRE_SYMBOL_MAX, false);
}

bool wire_account_ok(const char *s)
{
    return chars_ok(s, WIRE_ACCOUNT_MAX, true);
}

static bool side_ok(int s)
{
    return s == STRATD__WIRE__SIDE__BUY || s == STRATD__WIRE__SIDE__SELL;
}

static int check_new_order(const Stratd__Wire__NewOrder *o)
{
    if (o->client_order_id == 0)
        return WIRE_E_BADID;
    if (!wire_symbol_ok(o->symbol))
        return WIRE_E_BADSYMBOL;
    if (!side_ok(o->side))
        return WIRE_E_BADSIDE;
    if (o->type != STRATD__WIRE__ORD_TYPE__LIMIT &&
        o->type != STRATD__WIRE__ORD_TYPE__MARKET)
        return WIRE_E_BADTYPE;
    if (o->tif != STRATD__WIRE__TIF__GTC && o->tif != STRATD__WIRE__TIF__IOC)
        return WIRE_E_BADTIF;
    if (o->qty <= 0)
        return WIRE_E_BADQTY;
    if (o->type == STRATD__WIRE__ORD_TYPE__LIMIT ? o->price <= 0 : o->price != 0)
        return WIRE_E_BADPRICE;
    return 0;
}

static int check_exec_report(const Stratd__Wire__ExecReport *r)
{
    if (r->session_seq == 0)
        return WIRE_E_BADSEQ;
    if (r->kind < STRATD__WIRE__EXEC_REPORT__KIND__ACK ||
        r->kind > STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_REJECT)
        return WIRE_E_BADKIND;
    /* A cancel of an unknown id has no symbol and no side. */
    if (r->symbol[0] && !wire_symbol_ok(r->symbol))
        return WIRE_E_BADSYMBOL;
    if (r->side != STRATD__WIRE__SIDE__SIDE_UNKNOWN && !side_ok(r->side))
        return WIRE_E_BADSIDE;
    if (r->qty < 0 || r->cum_qty < 0 || r->leaves < 0)
        return WIRE_E_BADQTY;
    return 0;
}

/* Does a frame of type c belong on the receiving end ch? */
static bool channel_accepts(enum wire_channel ch, Stratd__Wire__Frame__BodyCase c)
{
    if (c == STRATD__WIRE__FRAME__BODY_HEARTBEAT)
        return true;
    switch (ch) {
    case WIRE_MD_CLIENT:
        return c == STRATD__WIRE__FRAME__BODY_MD_TICK ||
               c == STRATD__WIRE__FRAME__BODY_ERROR;
    case WIRE_MD_SERVER:
        return c == STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE;
    case WIRE_ORDER_CLIENT:
        return c == STRATD__WIRE__FRAME__BODY_LOGON_ACK ||
               c == STRATD__WIRE__FRAME__BODY_EXEC_REPORT ||
               c == STRATD__WIRE__FRAME__BODY_ERROR;
    case WIRE_ORDER_SERVER:
        return c == STRATD__WIRE__FRAME__BODY_LOGON ||
               c == STRATD__WIRE__FRAME__BODY_NEW_ORDER ||
               c == STRATD__WIRE__FRAME__BODY_CANCEL_ORDER;
    }
    return false;
}

int wire_check_frame(const Stratd__Wire__Frame *f, enum wire_channel ch)
{
    if (f->body_case == STRATD__WIRE__FRAME__BODY__NOT_SET)
        return WIRE_E_NOBODY;
    if (!channel_accepts(ch, f->body_case))
        return WIRE_E_UNEXPECTED;
    switch (f->body_case) {
    case STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE:
        if (f->md_subscribe->n_symbols == 0)
            return WIRE_E_BADSYMBOL;
        for (size_t i = 0; i < f->md_subscribe->n_symbols; i++)
            if (!wire_symbol_ok(f->md_subscribe->symbols[i]))
                return WIRE_E_BADSYMBOL;
        return 0;
    case STRATD__WIRE__FRAME__BODY_MD_TICK:
        if (f->md_tick->seq == 0)
            return WIRE_E_BADSEQ;
        return wire_symbol_ok(f->md_tick->symbol) ? 0 : WIRE_E_BADSYMBOL;
    case STRATD__WIRE__FRAME__BODY_LOGON:
        return wire_account_ok(f->logon->account) ? 0 : WIRE_E_BADACCOUNT;
    case STRATD__WIRE__FRAME__BODY_LOGON_ACK:
        return f->logon_ack->next_seq == 0 ? WIRE_E_BADSEQ : 0;
    case STRATD__WIRE__FRAME__BODY_NEW_ORDER:
        return check_new_order(f->new_order);
    case STRATD__WIRE__FRAME__BODY_CANCEL_ORDER:
        return f->cancel_order->client_order_id == 0 ? WIRE_E_BADID : 0;
    case STRATD__WIRE__FRAME__BODY_EXEC_REPORT:
        return check_exec_report(f->exec_report);
    default:
        return 0;   /* heartbeat, error: nothing to check */
    }
}

/* ---- encoding */

size_t wire_frame_size(const Stratd__Wire__Frame *f)
{
    if (f->body_case == STRATD__WIRE__FRAME__BODY__NOT_SET)
        return 0;
    return WIRE_HEADER + stratd__wire__frame__get_packed_size(f);
}

int wire_encode(const Stratd__Wire__Frame *f, uint8_t *buf, size_t cap)
{
    size_t body;

    if (f->body_case == STRATD__WIRE__FRAME__BODY__NOT_SET)
        return WIRE_E_NOBODY;
    body = stratd__wire__frame__get_packed_size(f);
    if (body > WIRE_MAX_FRAME)
        return WIRE_E_OVERSIZE;
    if (cap < WIRE_HEADER + body)
        return WIRE_E_NOSPACE;
    buf[0] = (uint8_t)(body >> 24);
    buf[1] = (uint8_t)(body >> 16);
    buf[2] = (uint8_t)(body >> 8);
    buf[3] = (uint8_t)body;
    stratd__wire__frame__pack(f, buf + WIRE_HEADER);
    return (int)(WIRE_HEADER + body);
}

static int buf_reserve(struct wire_buf *b, size_t more)
{
    size_t cap = b->cap ? b->cap : 256;
    uint8_t *p;

    if (b->len + more <= b->cap)
        return 0;
    while (cap < b->len + more)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
        return WIRE_E_NOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int wire_buf_append(struct wire_buf *b, const Stratd__Wire__Frame *f)
{
    size_t need = wire_frame_size(f);
    int n;

    if (need == 0)
        return WIRE_E_NOBODY;
    if (need > WIRE_HEADER + WIRE_MAX_FRAME)
        return WIRE_E_OVERSIZE;
    if (buf_reserve(b, need) < 0)
        return WIRE_E_NOMEM;
    n = wire_encode(f, b->data + b->len, b->cap - b->len);
    if (n < 0)
        return n;
    b->len += (size_t)n;
    return 0;
}

uint8_t *wire_buf_steal(struct wire_buf *b, size_t *len)
{
    uint8_t *p = b->data;

    *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void wire_buf_release(struct wire_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- decoder arena: one block, plus overflow blocks while a frame needs
 * more; at reset the block grows to hold everything the frame needed. */

struct wire_arena_big {
    struct wire_arena_big *next;
    max_align_t data[];
};

static void *arena_alloc(void *ctx, size_t n)
{
    struct wire_decoder *d = ctx;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct wire_arena_big *big;

    if (d->arena_used + need <= d->arena_cap) {
        void *p = d->arena + d->arena_used;
        d->arena_used += need;
        return p;
    }
    big = malloc(sizeof *big + need);
    if (!big)
        return NULL;
    big->next = d->big;
    d->big = big;
    d->arena_over += need;
    return big->data;
}

static void arena_free(void *ctx, void *p)
{
    (void)ctx;
    (void)p;   /* everything goes at the next reset */
}

static void arena_reset(struct wire_decoder *d)
{
    while (d->big) {
        struct wire_arena_big *next = d->big->next;
        free(d->big);
        d->big = next;
    }
    if (d->arena_over > 0) {
        size_t cap = d->arena_cap + d->arena_over;
        uint8_t *p;

        if (cap < ARENA_MIN)
            cap = ARENA_MIN;
        p = malloc(cap);
        if (p) {           /* else keep the old block: overflow still works */
            free(d->arena);
            d->arena = p;
            d->arena_cap = cap;
        }
        d->arena_over = 0;
    }
    d->arena_used = 0;
}

/* ---- decoding */

void wire_decoder_init(struct wire_decoder *d, enum wire_channel ch)
{
    memset(d, 0, sizeof *d);
    d->channel = ch;
    d->max_frame = WIRE_MAX_FRAME;
    d->pb.alloc = arena_alloc;
    d->pb.free = arena_free;
    d->pb.allocator_data = d;
}

void wire_decoder_release(struct wire_decoder *d)
{
    arena_reset(d);
    free(d->arena);
    free(d->buf);
    d->arena = d->buf = NULL;
    d->arena_cap = d->cap = d->len = d->off = 0;
}

static int fail(struct wire_decoder *d, int err)
{
    d->err = err;
    return err;
}

int wire_decoder_feed(struct wire_decoder *d, const void *data, size_t n)
{
    if (d->err)
        return d->err;
    if (n == 0)
        return 0;
    if (d->off > 0 && d->len + n > d->cap) {
        /* Slide what is left to the front before growing. */
        memmove(d->buf, d->buf + d->off, d->len - d->off);
        d->len -= d->off;
        d->off = 0;
    }
    if (d->len + n > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        uint8_t *p;

        while (cap < d->len + n)
            cap *= 2;
        p = realloc(d->buf, cap);
        if (!p)
            return fail(d, WIRE_E_NOMEM);
        d->buf = p;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, data, n);
    d->len += n;
    return 0;
}

int wire_decoder_next(struct wire_decoder *d, const Stratd__Wire__Frame **out)
{
    const uint8_t *p;
    size_t avail, body;
    Stratd__Wire__Frame *f;
    int err;

    *out = NULL;
    if (d->err)
        return d->err;
    arena_reset(d);
    avail = d->len - d->off;
    if (avail < WIRE_HEADER)
        return 0;
    p = d->buf + d->off;
    body = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if (body == 0)
        return fail(d, WIRE_E_EMPTY);
    if (body > d->max_frame)
        return fail(d, WIRE_E_OVERSIZE);
    if (avail < WIRE_HEADER + body)
        return 0;
    f = stratd__wire__frame__unpack(&d->pb, body, p + WIRE_HEADER);
    if (!f)
        return fail(d, WIRE_E_DECODE);
    err = wire_check_frame(f, d->channel);
    if (err)
        return fail(d, err);
    d->off += WIRE_HEADER + body;
    if (d->off == d->len)
        d->off = d->len = 0;
    d->frames++;
    *out = f;
    return 1;
}

int wire_decoder_finish(struct wire_decoder *d)
{
    if (d->err)
        return d->err;
    if (d->len > d->off)
        return fail(d, WIRE_E_TRUNCATED);
    return 0;
}

size_t wire_decoder_pending(const struct wire_decoder *d)
{
    return d->len - d->off;
}
