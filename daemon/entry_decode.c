/* entry_decode.c — see entry_decode.h. Wire format: protobuf's (varints,
 * zigzag for sint64, length-delimited submessages and packed repeats). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "entry_decode.h"

enum { WT_VARINT = 0, WT_LEN = 2 };

struct cur {
    const uint8_t *p, *end;
};

/* 0 and *v, or -1 (truncated or longer than 10 bytes). */
static inline int varint(struct cur *c, uint64_t *v)
{
    uint64_t x = 0;

    for (int shift = 0; shift < 64 && c->p < c->end; shift += 7) {
        uint8_t b = *c->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Next field: number and wire type; for WT_LEN also the payload. */
static inline int field(struct cur *c, uint32_t *num, uint32_t *wt, struct cur *sub)
{
    uint64_t key, len;

    if (varint(c, &key) != 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return -1;
    *num = (uint32_t)(key >> 3);
    *wt = (uint32_t)(key & 7);
    if (*wt == WT_LEN) {
        if (varint(c, &len) != 0 || len > (uint64_t)(c->end - c->p))
            return -1;
        sub->p = c->p;
        sub->end = c->p + len;
        c->p += len;
    } else if (*wt != WT_VARINT) {
        return -1;
    }
    return 0;
}

/* A message whose fields are all varints, numbered 1..n: values[i-1]. */
static int varints(struct cur c, uint64_t *values, uint32_t n)
{
    uint32_t num, wt;
    struct cur sub;

    while (c.p < c.end) {
        if (field(&c, &num, &wt, &sub) != 0 || wt != WT_VARINT || num > n)
            return -1;
        if (varint(&c, &values[num - 1]) != 0)
            return -1;
    }
    return 0;
}

static int tick(struct entry_scratch *s, struct cur c)
{
    Stratd__Tick *t = &s->body.tick;
    uint64_t v[7] = {0};
    uint32_t num, wt;
    struct cur sub;
    bool sym = false;

    while (c.p < c.end) {
        if (field(&c, &num, &wt, &sub) != 0)
            return -1;
        if (num == 2 && wt == WT_LEN) {
            size_t n = (size_t)(sub.end - sub.p);
            if (n >= ENTRY_SYMBOL_MAX || sym)
                return -1;
            memcpy(s->symbol, sub.p, n);
            s->symbol[n] = '\0';
            sym = true;
        } else if (num >= 1 && num <= 7 && num != 2 && wt == WT_VARINT) {
            if (varint(&c, &v[num - 1]) != 0)
                return -1;
        } else {
            return -1;
        }
    }
    *t = (Stratd__Tick)STRATD__TICK__INIT;
    t->seq = v[0];
    t->symbol = sym ? s->symbol : t->symbol;
    t->bid = (int64_t)v[2];
    t->ask = (int64_t)v[3];
    t->last = (int64_t)v[4];
    t->size = (int64_t)v[5];
    t->exch_time_ns = (int64_t)v[6];
    s->m.tick = t;
    return 0;
}

static int msg(struct entry_scratch *s, struct cur c)
{
    uint32_t num, wt;
    struct cur sub;
    uint64_t v[3];

    s->m = (Stratd__Msg)STRATD__MSG__INIT;
    while (c.p < c.end) {
        if (field(&c, &num, &wt, &sub) != 0 || wt != WT_LEN ||
            s->m.kind_case != STRATD__MSG__KIND__NOT_SET)
            return -1;   /* a second oneof member: let protobuf-c decide */
        memset(v, 0, sizeof v);
        switch (num) {
        case STRATD__MSG__KIND_START:
            if (sub.p != sub.end)
                return -1;
            s->body.start = (Stratd__Start)STRATD__START__INIT;
            s->m.start = &s->body.start;
            break;
        case STRATD__MSG__KIND_TICK:
            if (tick(s, sub) != 0)
                return -1;
            break;
        case STRATD__MSG__KIND_POKE:
            if (varints(sub, v, 1) != 0)
                return -1;
            s->body.poke = (Stratd__Poke)STRATD__POKE__INIT;
            s->body.poke.value = v[0];
            s->m.poke = &s->body.poke;
            break;
        case STRATD__MSG__KIND_TIMER_REQUEST:
            if (varints(sub, v, 2) != 0)
                return -1;
            s->body.timer_request = (Stratd__TimerRequest)STRATD__TIMER_REQUEST__INIT;
            s->body.timer_request.token = v[0];
            s->body.timer_request.fire_at_ns = (int64_t)v[1];
            s->m.timer_request = &s->body.timer_request;
            break;
        case STRATD__MSG__KIND_TIMER_FIRED:
            if (varints(sub, v, 3) != 0)
                return -1;
            s->body.timer_fired = (Stratd__TimerFired)STRATD__TIMER_FIRED__INIT;
            s->body.timer_fired.token = v[0];
            s->body.timer_fired.fire_at_ns = (int64_t)v[1];
            s->body.timer_fired.request_lsn = v[2];
            s->m.timer_fired = &s->body.timer_fired;
            break;
        default:
            return -1;
        }
        s->m.kind_case = (Stratd__Msg__KindCase)num;
    }
    return 0;
}

static int receiver(struct entry_scratch *s, uint64_t v)
{
    if (s->e.n_receivers == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        uint32_t *r = realloc(s->receivers, cap * sizeof *r);
        if (!r)
            return -1;
        s->receivers = r;
        s->cap = cap;
    }
    s->receivers[s->e.n_receivers++] = (uint32_t)v;
    return 0;
}

void entry_scratch_init(struct entry_scratch *s)
{
    memset(s, 0, sizeof *s);
}

void entry_scratch_release(struct entry_scratch *s)
{
    free(s->receivers);
    memset(s, 0, sizeof *s);
}

const Stratd__Entry *entry_decode_fast(struct entry_scratch *s, const uint8_t *buf, size_t len)
{
    struct cur c = {buf, buf + len}, sub;
    uint32_t num, wt;
    uint64_t v;
    bool have_msg = false;

    s->e = (Stratd__Entry)STRATD__ENTRY__INIT;
    while (c.p < c.end) {
        if (field(&c, &num, &wt, &sub) != 0)
            return NULL;
        if (num == 1 && wt == WT_VARINT) {
            if (varint(&c, &v) != 0)
                return NULL;
            s->e.time_ns = (int64_t)((v >> 1) ^ (~(v & 1) + 1));   /* zigzag */
        } else if (num == 2 && wt == WT_VARINT) {
            if (varint(&c, &v) != 0)
                return NULL;
            s->e.sender = (uint32_t)v;
        } else if (num == 3 && wt == WT_LEN) {
            while (sub.p < sub.end)
                if (varint(&sub, &v) != 0 || receiver(s, v) != 0)
                    return NULL;
        } else if (num == 3 && wt == WT_VARINT) {
            if (varint(&c, &v) != 0 || receiver(s, v) != 0)
                return NULL;
        } else if (num == 4 && wt == WT_LEN && !have_msg) {
            if (msg(s, sub) != 0)
                return NULL;
            have_msg = true;
        } else {
            return NULL;
        }
    }
    if (!have_msg)
        return NULL;
    s->e.receivers = s->receivers;
    s->e.msg = &s->m;
    return &s->e;
}

/* The first message in m (m itself or one it holds) with unknown fields. */
static const char *unknown_in(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m, *r;

    if (m->n_unknown_fields > 0)
        return d->name;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)(base + f->offset);
            for (size_t k = 0; k < n; k++)
                if (v[k] && (r = unknown_in(v[k])))
                    return r;
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)(base + f->offset);
        if (sub && (r = unknown_in(sub)))
            return r;
    }
    return NULL;
}

const char *entry_unknown_part(const Stratd__Entry *e)
{
    if (!e->msg)
        return "no message";
    if (e->msg->kind_case == STRATD__MSG__KIND__NOT_SET)
        return "stratd.Msg (a message kind this build does not know)";
    return unknown_in(&e->base);
}
