/*
 * test_entry_decode.c — the rebuild's fast entry decoder against protobuf-c,
 * the reference: on every entry the fast path accepts, both must decode the
 * same values; on what it does not know it must decline (NULL), never
 * guess; garbage never crashes it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "entry_decode.h"
#include "rng.h"

static struct rng R;

static uint64_t rnd(void) { return rng_next(&R); }

/* Values that exercise every varint length, negatives included. */
static uint64_t interesting(void)
{
    switch (rnd() % 6) {
    case 0: return 0;
    case 1: return rnd() % 128;
    case 2: return rnd() % 300;
    case 3: return (uint64_t)-(int64_t)(rnd() % 1000);
    case 4: return rnd();
    default: return rnd() >> (rnd() % 64);
    }
}

struct built {
    Stratd__Entry e;
    Stratd__Msg m;
    Stratd__Tick t;
    Stratd__Poke p;
    Stratd__TimerFired tf;
    Stratd__TimerRequest tr;
    Stratd__Start st;
    Stratd__Subscribe sub;
    uint32_t rx[300];
    char sym[80];
    char *syms[1];
};

/* A random entry of any kind; returns its packed bytes (malloc'd). */
static uint8_t *build(struct built *b, size_t *len, int kind)
{
    memset(b, 0, sizeof *b);
    b->e = (Stratd__Entry)STRATD__ENTRY__INIT;
    b->m = (Stratd__Msg)STRATD__MSG__INIT;
    b->e.time_ns = (int64_t)interesting();
    b->e.sender = (uint32_t)interesting();
    b->e.n_receivers = rnd() % 4 == 0 ? rnd() % 300 : rnd() % 4;
    for (size_t i = 0; i < b->e.n_receivers; i++)
        b->rx[i] = (uint32_t)interesting();
    b->e.receivers = b->rx;
    b->e.msg = &b->m;
    switch (kind) {
    case 0:
        b->st = (Stratd__Start)STRATD__START__INIT;
        b->m.kind_case = STRATD__MSG__KIND_START;
        b->m.start = &b->st;
        break;
    case 1: {
        size_t n = rnd() % (rnd() % 8 == 0 ? 70 : 12);
        for (size_t i = 0; i < n; i++)
            b->sym[i] = (char)('A' + rnd() % 26);
        b->t = (Stratd__Tick)STRATD__TICK__INIT;
        b->t.seq = interesting();
        b->t.symbol = b->sym;
        b->t.bid = (int64_t)interesting();
        b->t.ask = (int64_t)interesting();
        b->t.last = (int64_t)interesting();
        b->t.size = (int64_t)interesting();
        b->t.exch_time_ns = (int64_t)interesting();
        b->m.kind_case = STRATD__MSG__KIND_TICK;
        b->m.tick = &b->t;
        break;
    }
    case 2:
        b->p = (Stratd__Poke)STRATD__POKE__INIT;
        b->p.value = interesting();
        b->m.kind_case = STRATD__MSG__KIND_POKE;
        b->m.poke = &b->p;
        break;
    case 3:
        b->tf = (Stratd__TimerFired)STRATD__TIMER_FIRED__INIT;
        b->tf.token = interesting();
        b->tf.fire_at_ns = (int64_t)interesting();
        b->tf.request_lsn = interesting();
        b->m.kind_case = STRATD__MSG__KIND_TIMER_FIRED;
        b->m.timer_fired = &b->tf;
        break;
    case 4:
        b->tr = (Stratd__TimerRequest)STRATD__TIMER_REQUEST__INIT;
        b->tr.token = interesting();
        b->tr.fire_at_ns = (int64_t)interesting();
        b->m.kind_case = STRATD__MSG__KIND_TIMER_REQUEST;
        b->m.timer_request = &b->tr;
        break;
    default:   /* a kind the fast path leaves to protobuf-c */
        b->sub = (Stratd__Subscribe)STRATD__SUBSCRIBE__INIT;
        b->syms[0] = "BTCUSD";
        b->sub.n_symbols = 1;
        b->sub.symbols = b->syms;
        b->m.kind_case = STRATD__MSG__KIND_SUBSCRIBE;
        b->m.subscribe = &b->sub;
        break;
    }
    *len = stratd__entry__get_packed_size(&b->e);
    uint8_t *buf = malloc(*len + 1);
    stratd__entry__pack(&b->e, buf);
    return buf;
}

/* Both decodings of buf agree (when the fast path accepted it). */
static void same(const Stratd__Entry *f, const Stratd__Entry *r)
{
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(f->time_ns, r->time_ns);
    ck_assert_uint_eq(f->sender, r->sender);
    ck_assert_uint_eq(f->n_receivers, r->n_receivers);
    for (size_t i = 0; i < f->n_receivers; i++)
        ck_assert_uint_eq(f->receivers[i], r->receivers[i]);
    ck_assert_ptr_nonnull(f->msg);
    ck_assert_int_eq(f->msg->kind_case, r->msg->kind_case);
    switch (f->msg->kind_case) {
    case STRATD__MSG__KIND_TICK:
        ck_assert_uint_eq(f->msg->tick->seq, r->msg->tick->seq);
        ck_assert_str_eq(f->msg->tick->symbol, r->msg->tick->symbol);
        ck_assert_int_eq(f->msg->tick->bid, r->msg->tick->bid);
        ck_assert_int_eq(f->msg->tick->ask, r->msg->tick->ask);
        ck_assert_int_eq(f->msg->tick->last, r->msg->tick->last);
        ck_assert_int_eq(f->msg->tick->size, r->msg->tick->size);
        ck_assert_int_eq(f->msg->tick->exch_time_ns, r->msg->tick->exch_time_ns);
        break;
    case STRATD__MSG__KIND_POKE:
        ck_assert_uint_eq(f->msg->poke->value, r->msg->poke->value);
        break;
    case STRATD__MSG__KIND_TIMER_FIRED:
        ck_assert_uint_eq(f->msg->timer_fired->token, r->msg->timer_fired->token);
        ck_assert_int_eq(f->msg->timer_fired->fire_at_ns, r->msg->timer_fired->fire_at_ns);
        ck_assert_uint_eq(f->msg->timer_fired->request_lsn, r->msg->timer_fired->request_lsn);
        break;
    case STRATD__MSG__KIND_TIMER_REQUEST:
        ck_assert_uint_eq(f->msg->timer_request->token, r->msg->timer_request->token);
        ck_assert_int_eq(f->msg->timer_request->fire_at_ns, r->msg->timer_request->fire_at_ns);
        break;
    case STRATD__MSG__KIND_START:
        ck_assert_ptr_nonnull(f->msg->start);
        break;
    default:
        ck_abort_msg("fast path accepted kind %d", f->msg->kind_case);
    }
}

START_TEST(test_agrees_with_protobuf_c)
{
    struct entry_scratch s;
    size_t accepted[7] = {0}, declined[7] = {0};
    uint8_t seed[16] = {1, 2, 3};

    rng_seed(&R, seed);
    entry_scratch_init(&s);
    for (int i = 0; i < 20000; i++) {
        struct built b;
        size_t len;
        int kind = (int)(rnd() % 6);
        uint8_t *buf = build(&b, &len, kind);
        const Stratd__Entry *f = entry_decode_fast(&s, buf, len);
        Stratd__Entry *r = stratd__entry__unpack(NULL, len, buf);
        if (f) {
            same(f, r);
            accepted[kind]++;
        } else {
            declined[kind]++;
        }
        stratd__entry__free_unpacked(r, NULL);
        free(buf);
    }
    entry_scratch_release(&s);
    for (int k = 0; k < 5; k++)
        ck_assert_msg(accepted[k] > 1000, "kind %d accepted %zu", k, accepted[k]);
    ck_assert_uint_eq(accepted[5], 0);        /* subscribe: protobuf-c's job */
    ck_assert_uint_gt(declined[1], 0);        /* long symbols go the slow way */
    ck_assert_uint_eq(declined[0] + declined[2] + declined[3] + declined[4], 0);
}
END_TEST

START_TEST(test_garbage_never_accepted_wrongly)
{
    struct entry_scratch s;
    uint8_t seed[16] = {9};

    rng_seed(&R, seed);
    entry_scratch_init(&s);
    for (int i = 0; i < 50000; i++) {
        struct built b;
        size_t len;
        uint8_t *buf = build(&b, &len, (int)(rnd() % 6));
        /* corrupt: flip bytes, or cut the tail */
        if (rnd() % 2)
            buf[rnd() % len] ^= (uint8_t)(1 + rnd() % 255);
        else
            len = rnd() % len;
        const Stratd__Entry *f = entry_decode_fast(&s, buf, len);
        Stratd__Entry *r = stratd__entry__unpack(NULL, len, buf);
        if (f)
            same(f, r);   /* accepted: protobuf-c must read the same */
        if (r)
            stratd__entry__free_unpacked(r, NULL);
        free(buf);
    }
    entry_scratch_release(&s);
}
END_TEST

START_TEST(test_declines)
{
    struct entry_scratch s;
    /* no msg field: declined (protobuf-c gives msg NULL, which rebuild reports) */
    static const uint8_t no_msg[] = {0x08, 0x02, 0x10, 0x01};
    /* truncated varint */
    static const uint8_t cut[] = {0x08, 0xff};
    /* unknown field 9 */
    static const uint8_t unknown[] = {0x48, 0x01, 0x22, 0x02, 0x0a, 0x00};

    entry_scratch_init(&s);
    ck_assert_ptr_null(entry_decode_fast(&s, no_msg, sizeof no_msg));
    ck_assert_ptr_null(entry_decode_fast(&s, cut, sizeof cut));
    ck_assert_ptr_null(entry_decode_fast(&s, unknown, sizeof unknown));
    ck_assert_ptr_null(entry_decode_fast(&s, NULL, 0));
    entry_scratch_release(&s);
}
END_TEST

/* A kind or field of a newer build: the fast path declines, and after
 * protobuf-c's unpack entry_unknown_part names where it is; a known entry
 * has none. */
START_TEST(test_unknown_parts)
{
    /* time 3, receivers [3], msg: kind 999 / Poke{5, field 15} / Poke{5} */
    static const uint8_t kind[] = {0x08, 0x06, 0x1a, 0x01, 0x03, 0x22, 0x03, 0xb8, 0x3e, 0x01};
    uint8_t field[16], known[16];
    size_t n = 0, k;
    const struct { const uint8_t *b; size_t len; const char *want; } cases[] = {
        {kind, sizeof kind, "stratd.Msg (a message kind this build does not know)"},
        {field, 0, "stratd.Poke"},
        {known, 0, NULL},
    };
    struct entry_scratch s;

    memcpy(field, kind, 5);
    n = 5;
    field[n++] = 0x22, field[n++] = 6;
    field[n++] = (uint8_t)(STRATD__MSG__KIND_POKE << 3 | 2), field[n++] = 4;
    field[n++] = 0x08, field[n++] = 5, field[n++] = 0x78, field[n++] = 1;
    memcpy(known, field, n);
    known[6] = 4, known[8] = 2;   /* without field 15 */
    k = n - 2;
    entry_scratch_init(&s);
    for (size_t i = 0; i < 3; i++) {
        const uint8_t *b = cases[i].b;
        size_t len = i == 0 ? cases[i].len : i == 1 ? n : k;
        Stratd__Entry *e = stratd__entry__unpack(NULL, len, b);
        ck_assert_ptr_nonnull(e);
        if (cases[i].want) {
            ck_assert_ptr_null(entry_decode_fast(&s, b, len));
            ck_assert_str_eq(entry_unknown_part(e), cases[i].want);
        } else {
            ck_assert_ptr_nonnull(entry_decode_fast(&s, b, len));
            ck_assert_ptr_null(entry_unknown_part(e));
        }
        stratd__entry__free_unpacked(e, NULL);
    }
    entry_scratch_release(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("entry_decode");
    TCase *tc = tcase_create("decode");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_agrees_with_protobuf_c);
    tcase_add_test(tc, test_garbage_never_accepted_wrongly);
    tcase_add_test(tc, test_declines);
    tcase_add_test(tc, test_unknown_parts);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
