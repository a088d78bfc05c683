/*
 * test_wire.c — the frame codec: round trips of every message, decoding
 * from arbitrary chunkings, and malformed input, each case asserting its
 * specific error code.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../services/wire.h"

/* ---- helpers */

static char *SYMS[] = { "BTCUSD", "ETH-USD" };

/* Encode f into buf; returns its length. */
static size_t enc(const Stratd__Wire__Frame *f, uint8_t *buf, size_t cap)
{
    int n = wire_encode(f, buf, cap);
    ck_assert_int_gt(n, WIRE_HEADER);
    return (size_t)n;
}

/* Feed all of buf at once and return the first result of next (frame in
 * *out when 1). */
static int decode1(struct wire_decoder *d, const uint8_t *buf, size_t len,
                   const Stratd__Wire__Frame **out)
{
    ck_assert_int_eq(wire_decoder_feed(d, buf, len), 0);
    return wire_decoder_next(d, out);
}

/* Decode a frame that must fail on channel ch with err. */
static void expect_error(const Stratd__Wire__Frame *f, enum wire_channel ch, int err)
{
    uint8_t buf[4096];
    size_t n = enc(f, buf, sizeof buf);
    struct wire_decoder d;
    const Stratd__Wire__Frame *out;

    wire_decoder_init(&d, ch);
    ck_assert_int_eq(decode1(&d, buf, n, &out), err);
    ck_assert_ptr_null(out);
    wire_decoder_release(&d);
}

static void expect_raw_error(const uint8_t *buf, size_t n, enum wire_channel ch, int err)
{
    struct wire_decoder d;
    const Stratd__Wire__Frame *out;

    wire_decoder_init(&d, ch);
    ck_assert_int_eq(decode1(&d, buf, n, &out), err);
    wire_decoder_release(&d);
}

static Stratd__Wire__NewOrder good_order(void)
{
    Stratd__Wire__NewOrder o = STRATD__WIRE__NEW_ORDER__INIT;
    o.client_order_id = 0x1234567890abcdefull;
    o.symbol = "BTCUSD";
    o.side = STRATD__WIRE__SIDE__BUY;
    o.type = STRATD__WIRE__ORD_TYPE__LIMIT;
    o.price = 10000000000;
    o.qty = 3;
    o.tif = STRATD__WIRE__TIF__GTC;
    return o;
}

static Stratd__Wire__Frame frame_of_order(Stratd__Wire__NewOrder *o)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    f.body_case = STRATD__WIRE__FRAME__BODY_NEW_ORDER;
    f.new_order = o;
    return f;
}

/* ---- round trips */

START_TEST(rt_md_subscribe)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    const Stratd__Wire__Frame *g;
    Stratd__Wire__MdSubscribe m = STRATD__WIRE__MD_SUBSCRIBE__INIT;
    struct wire_decoder d;
    uint8_t buf[256];
    size_t n;

    m.symbols = SYMS;
    m.n_symbols = 2;
    m.from_seq = 42;
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE;
    f.md_subscribe = &m;
    n = enc(&f, buf, sizeof buf);
    ck_assert_uint_eq(n, wire_frame_size(&f));
    wire_decoder_init(&d, WIRE_MD_SERVER);
    ck_assert_int_eq(decode1(&d, buf, n, &g), 1);
    ck_assert_int_eq(g->body_case, STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE);
    ck_assert_uint_eq(g->md_subscribe->n_symbols, 2);
    ck_assert_str_eq(g->md_subscribe->symbols[0], "BTCUSD");
    ck_assert_str_eq(g->md_subscribe->symbols[1], "ETH-USD");
    ck_assert_uint_eq(g->md_subscribe->from_seq, 42);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 0);
    ck_assert_int_eq(wire_decoder_finish(&d), 0);
    wire_decoder_release(&d);
}
END_TEST

START_TEST(rt_md_tick)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    const Stratd__Wire__Frame *g;
    Stratd__Wire__MdTick t = STRATD__WIRE__MD_TICK__INIT;
    struct wire_decoder d;
    uint8_t buf[256];

    t.seq = 7;
    t.symbol = "BTCUSD";
    t.bid = 100;
    t.ask = 101;
    t.last = -5;     /* signed fields survive */
    t.size = 9;
    t.exch_time_ns = 1700000000123456789;
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_TICK;
    f.md_tick = &t;
    wire_decoder_init(&d, WIRE_MD_CLIENT);
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_uint_eq(g->md_tick->seq, 7);
    ck_assert_str_eq(g->md_tick->symbol, "BTCUSD");
    ck_assert_int_eq(g->md_tick->bid, 100);
    ck_assert_int_eq(g->md_tick->ask, 101);
    ck_assert_int_eq(g->md_tick->last, -5);
    ck_assert_int_eq(g->md_tick->size, 9);
    ck_assert_int_eq(g->md_tick->exch_time_ns, 1700000000123456789);
    wire_decoder_release(&d);
}
END_TEST

START_TEST(rt_heartbeat_every_channel)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    const Stratd__Wire__Frame *g;
    Stratd__Wire__Heartbeat hb = STRATD__WIRE__HEARTBEAT__INIT;
    uint8_t buf[64];
    size_t n;

    hb.time_ns = 123;
    f.body_case = STRATD__WIRE__FRAME__BODY_HEARTBEAT;
    f.heartbeat = &hb;
    n = enc(&f, buf, sizeof buf);
    for (int ch = WIRE_MD_CLIENT; ch <= WIRE_ORDER_SERVER; ch++) {
        struct wire_decoder d;
        wire_decoder_init(&d, ch);
        ck_assert_int_eq(decode1(&d, buf, n, &g), 1);
        ck_assert_int_eq(g->body_case, STRATD__WIRE__FRAME__BODY_HEARTBEAT);
        ck_assert_int_eq(g->heartbeat->time_ns, 123);
        wire_decoder_release(&d);
    }
    /* A default heartbeat still has a body: the frame length is never 0. */
    hb.time_ns = 0;
    ck_assert_int_ge(wire_encode(&f, buf, sizeof buf), WIRE_HEADER + 1);
}
END_TEST

START_TEST(rt_error)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    const Stratd__Wire__Frame *g;
    Stratd__Wire__Error e = STRATD__WIRE__ERROR__INIT;
    uint8_t buf[256];

    e.code = (uint32_t)-WIRE_E_BADQTY;
    e.text = "quantity must be positive";
    f.body_case = STRATD__WIRE__FRAME__BODY_ERROR;
    f.error = &e;
    for (int ch = WIRE_MD_CLIENT; ch <= WIRE_ORDER_CLIENT; ch += 2) {
        struct wire_decoder d;
        wire_decoder_init(&d, ch);
        ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
        ck_assert_int_eq(-(int)g->error->code, WIRE_E_BADQTY);
        ck_assert_str_eq(g->error->text, "quantity must be positive");
        wire_decoder_release(&d);
    }
}
END_TEST

START_TEST(rt_logon_and_ack)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    const Stratd__Wire__Frame *g;
    Stratd__Wire__Logon l = STRATD__WIRE__LOGON__INIT;
    Stratd__Wire__LogonAck a = STRATD__WIRE__LOGON_ACK__INIT;
    struct wire_decoder d;
    uint8_t buf[256];

    l.account = "acct-1";
    l.last_seen_seq = 17;
    f.body_case = STRATD__WIRE__FRAME__BODY_LOGON;
    f.logon = &l;
    wire_decoder_init(&d, WIRE_ORDER_SERVER);
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_str_eq(g->logon->account, "acct-1");
    ck_assert_uint_eq(g->logon->last_seen_seq, 17);
    wire_decoder_release(&d);

    a.next_seq = 18;
    f.body_case = STRATD__WIRE__FRAME__BODY_LOGON_ACK;
    f.logon_ack = &a;
    wire_decoder_init(&d, WIRE_ORDER_CLIENT);
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_uint_eq(g->logon_ack->next_seq, 18);
    wire_decoder_release(&d);
}
END_TEST

START_TEST(rt_new_order_and_cancel)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    Stratd__Wire__CancelOrder c = STRATD__WIRE__CANCEL_ORDER__INIT;
    const Stratd__Wire__Frame *g;
    struct wire_decoder d;
    uint8_t buf[256];

    wire_decoder_init(&d, WIRE_ORDER_SERVER);
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_uint_eq(g->new_order->client_order_id, 0x1234567890abcdefull);
    ck_assert_str_eq(g->new_order->symbol, "BTCUSD");
    ck_assert_int_eq(g->new_order->side, STRATD__WIRE__SIDE__BUY);
    ck_assert_int_eq(g->new_order->type, STRATD__WIRE__ORD_TYPE__LIMIT);
    ck_assert_int_eq(g->new_order->price, 10000000000);
    ck_assert_int_eq(g->new_order->qty, 3);
    ck_assert_int_eq(g->new_order->tif, STRATD__WIRE__TIF__GTC);

    o.type = STRATD__WIRE__ORD_TYPE__MARKET;   /* market: price 0, IOC */
    o.price = 0;
    o.tif = STRATD__WIRE__TIF__IOC;
    o.side = STRATD__WIRE__SIDE__SELL;
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_int_eq(g->new_order->type, STRATD__WIRE__ORD_TYPE__MARKET);
    ck_assert_int_eq(g->new_order->side, STRATD__WIRE__SIDE__SELL);
    ck_assert_int_eq(g->new_order->tif, STRATD__WIRE__TIF__IOC);

    c.client_order_id = 99;
    f.body_case = STRATD__WIRE__FRAME__BODY_CANCEL_ORDER;
    f.cancel_order = &c;
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_uint_eq(g->cancel_order->client_order_id, 99);
    ck_assert_uint_eq(d.frames, 3);
    wire_decoder_release(&d);
}
END_TEST

START_TEST(rt_exec_report)
{
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    const Stratd__Wire__Frame *g;
    Stratd__Wire__ExecReport r = STRATD__WIRE__EXEC_REPORT__INIT;
    struct wire_decoder d;
    uint8_t buf[256];

    r.session_seq = 5;
    r.client_order_id = 77;
    r.kind = STRATD__WIRE__EXEC_REPORT__KIND__PARTIAL_FILL;
    r.symbol = "ETH-USD";
    r.side = STRATD__WIRE__SIDE__SELL;
    r.price = 2000;
    r.qty = 1;
    r.cum_qty = 2;
    r.leaves = 3;
    r.fill_price = 2001;
    r.reason = "";
    r.exch_time_ns = 99;
    f.body_case = STRATD__WIRE__FRAME__BODY_EXEC_REPORT;
    f.exec_report = &r;
    wire_decoder_init(&d, WIRE_ORDER_CLIENT);
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_uint_eq(g->exec_report->session_seq, 5);
    ck_assert_uint_eq(g->exec_report->client_order_id, 77);
    ck_assert_int_eq(g->exec_report->kind, STRATD__WIRE__EXEC_REPORT__KIND__PARTIAL_FILL);
    ck_assert_str_eq(g->exec_report->symbol, "ETH-USD");
    ck_assert_int_eq(g->exec_report->side, STRATD__WIRE__SIDE__SELL);
    ck_assert_int_eq(g->exec_report->price, 2000);
    ck_assert_int_eq(g->exec_report->qty, 1);
    ck_assert_int_eq(g->exec_report->cum_qty, 2);
    ck_assert_int_eq(g->exec_report->leaves, 3);
    ck_assert_int_eq(g->exec_report->fill_price, 2001);
    ck_assert_int_eq(g->exec_report->exch_time_ns, 99);

    /* A cancel reject of an unknown id: no symbol, no side. */
    r.kind = STRATD__WIRE__EXEC_REPORT__KIND__CANCEL_REJECT;
    r.symbol = "";
    r.side = STRATD__WIRE__SIDE__SIDE_UNKNOWN;
    r.reason = "unknown order";
    ck_assert_int_eq(decode1(&d, buf, enc(&f, buf, sizeof buf), &g), 1);
    ck_assert_str_eq(g->exec_report->reason, "unknown order");
    wire_decoder_release(&d);
}
END_TEST

/* ---- chunking */

/* A stream of n ticks with symbols of varying length. */
static uint8_t *tick_stream(int n, size_t *len)
{
    struct wire_buf b = WIRE_BUF_INIT;
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    Stratd__Wire__MdTick t = STRATD__WIRE__MD_TICK__INIT;
    char sym[WIRE_SYMBOL_MAX + 1];

    f.body_case = STRATD__WIRE__FRAME__BODY_MD_TICK;
    f.md_tick = &t;
    for (int i = 0; i < n; i++) {
        int k = 1 + i % WIRE_SYMBOL_MAX;
        memset(sym, 'A' + i % 26, (size_t)k);
        sym[k] = '\0';
        t.seq = (uint64_t)i + 1;
        t.symbol = sym;
        t.bid = i * 1000003LL;
        t.ask = t.bid + 1;
        t.size = i;
        ck_assert_int_eq(wire_buf_append(&b, &f), 0);
    }
    return wire_buf_steal(&b, len);
}

/* Feed buf in chunks of the given sizes (cycled) and check every frame. */
static void decode_chunked(const uint8_t *buf, size_t len, int n,
                           const size_t *sizes, size_t n_sizes)
{
    struct wire_decoder d;
    const Stratd__Wire__Frame *g;
    size_t off = 0, k = 0;
    int got = 0, r;

    wire_decoder_init(&d, WIRE_MD_CLIENT);
    while (off < len) {
        size_t c = sizes[k++ % n_sizes];
        if (c > len - off)
            c = len - off;
        ck_assert_int_eq(wire_decoder_feed(&d, buf + off, c), 0);
        off += c;
        while ((r = wire_decoder_next(&d, &g)) == 1) {
            ck_assert_uint_eq(g->md_tick->seq, (uint64_t)got + 1);
            ck_assert_uint_eq(strlen(g->md_tick->symbol), 1 + got % WIRE_SYMBOL_MAX);
            ck_assert_int_eq(g->md_tick->bid, got * 1000003LL);
            got++;
        }
        ck_assert_int_eq(r, 0);
    }
    ck_assert_int_eq(got, n);
    ck_assert_uint_eq(wire_decoder_pending(&d), 0);
    ck_assert_int_eq(wire_decoder_finish(&d), 0);
    wire_decoder_release(&d);
}

START_TEST(chunk_byte_at_a_time)
{
    size_t len, one = 1;
    uint8_t *buf = tick_stream(100, &len);

    decode_chunked(buf, len, 100, &one, 1);
    free(buf);
}
END_TEST

START_TEST(chunk_every_split_point)
{
    size_t len;
    uint8_t *buf = tick_stream(3, &len);

    for (size_t cut = 1; cut < len; cut++) {
        size_t sizes[2] = { cut, len };
        decode_chunked(buf, len, 3, sizes, 2);
    }
    free(buf);
}
END_TEST

START_TEST(chunk_odd_sizes)
{
    static const size_t sizes[] = { 3, 1, 7, 64, 2, 4096, 5, 13 };
    size_t len;
    uint8_t *buf = tick_stream(1000, &len);

    decode_chunked(buf, len, 1000, sizes, sizeof sizes / sizeof sizes[0]);
    decode_chunked(buf, len, 1000, &len, 1);   /* all at once */
    free(buf);
}
END_TEST

START_TEST(chunk_large_frame)
{
    /* A subscribe near the size limit, byte by byte then at once. */
    enum { N = 20000 };
    char **syms = malloc(N * sizeof *syms);
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    const Stratd__Wire__Frame *g;
    Stratd__Wire__MdSubscribe m = STRATD__WIRE__MD_SUBSCRIBE__INIT;
    struct wire_buf b = WIRE_BUF_INIT;
    struct wire_decoder d;

    for (int i = 0; i < N; i++)
        syms[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    m.symbols = syms;
    m.n_symbols = N;
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE;
    f.md_subscribe = &m;
    ck_assert_int_eq(wire_buf_append(&b, &f), 0);
    ck_assert_uint_gt(b.len, 600000);
    wire_decoder_init(&d, WIRE_MD_SERVER);
    for (size_t i = 0; i + 1 < b.len; i++) {
        ck_assert_int_eq(wire_decoder_feed(&d, b.data + i, 1), 0);
        if (i % 4099 == 0)
            ck_assert_int_eq(wire_decoder_next(&d, &g), 0);
    }
    ck_assert_int_eq(wire_decoder_feed(&d, b.data + b.len - 1, 1), 0);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 1);
    ck_assert_uint_eq(g->md_subscribe->n_symbols, N);
    ck_assert_str_eq(g->md_subscribe->symbols[N - 1], syms[0]);
    /* Twice more: the arena, grown once, is reused. */
    ck_assert_int_eq(wire_decoder_feed(&d, b.data, b.len), 0);
    ck_assert_int_eq(wire_decoder_feed(&d, b.data, b.len), 0);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 1);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 1);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 0);
    wire_decoder_release(&d);
    wire_buf_release(&b);
    free(syms);
}
END_TEST

/* ---- malformed input */

START_TEST(bad_truncated_body)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    struct wire_decoder d;
    const Stratd__Wire__Frame *g;
    uint8_t buf[256];
    size_t n = enc(&f, buf, sizeof buf);

    wire_decoder_init(&d, WIRE_ORDER_SERVER);
    ck_assert_int_eq(decode1(&d, buf, n - 1, &g), 0);   /* waits for more */
    ck_assert_int_eq(wire_decoder_finish(&d), WIRE_E_TRUNCATED);
    ck_assert_int_eq(wire_decoder_next(&d, &g), WIRE_E_TRUNCATED);   /* sticky */
    wire_decoder_release(&d);
}
END_TEST

START_TEST(bad_truncated_header)
{
    static const uint8_t two[] = { 0, 0 };
    struct wire_decoder d;
    const Stratd__Wire__Frame *g;

    wire_decoder_init(&d, WIRE_MD_CLIENT);
    ck_assert_int_eq(decode1(&d, two, sizeof two, &g), 0);
    ck_assert_int_eq(wire_decoder_finish(&d), WIRE_E_TRUNCATED);
    wire_decoder_release(&d);

    wire_decoder_init(&d, WIRE_MD_CLIENT);   /* nothing at all: clean end */
    ck_assert_int_eq(wire_decoder_finish(&d), 0);
    wire_decoder_release(&d);
}
END_TEST

START_TEST(bad_oversize)
{
    /* Fails on the header alone: no need to send (or buffer) the body. */
    uint8_t hdr[4] = { 0x00, 0x10, 0x00, 0x01 };   /* WIRE_MAX_FRAME + 1 */
    static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };

    expect_raw_error(hdr, sizeof hdr, WIRE_MD_CLIENT, WIRE_E_OVERSIZE);
    expect_raw_error(huge, sizeof huge, WIRE_ORDER_SERVER, WIRE_E_OVERSIZE);
    hdr[1] = 0x10;   /* exactly the maximum is fine: waits for the body */
    hdr[3] = 0x00;
    {
        struct wire_decoder d;
        const Stratd__Wire__Frame *g;
        wire_decoder_init(&d, WIRE_MD_CLIENT);
        ck_assert_int_eq(decode1(&d, hdr, sizeof hdr, &g), 0);
        wire_decoder_release(&d);
    }
}
END_TEST

START_TEST(bad_oversize_custom_limit)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    struct wire_decoder d;
    const Stratd__Wire__Frame *g;
    uint8_t buf[256];
    size_t n = enc(&f, buf, sizeof buf);

    wire_decoder_init(&d, WIRE_ORDER_SERVER);
    d.max_frame = n - WIRE_HEADER;               /* just fits */
    ck_assert_int_eq(decode1(&d, buf, n, &g), 1);
    d.max_frame = n - WIRE_HEADER - 1;           /* one byte too many */
    ck_assert_int_eq(decode1(&d, buf, n, &g), WIRE_E_OVERSIZE);
    wire_decoder_release(&d);
}
END_TEST

START_TEST(bad_zero_length)
{
    static const uint8_t zero[] = { 0, 0, 0, 0, 0x1a, 0x00 };

    expect_raw_error(zero, sizeof zero, WIRE_MD_CLIENT, WIRE_E_EMPTY);
}
END_TEST

START_TEST(bad_garbage_body)
{
    /* Field 15 with wire type 7: not protobuf. */
    static const uint8_t junk[] = { 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff };
    /* A length-delimited field claiming more bytes than the frame holds. */
    static const uint8_t overrun[] = { 0, 0, 0, 3, 0x12, 0x7f, 0x08 };
    /* A varint that never ends. */
    static const uint8_t varint[] = { 0, 0, 0, 3, 0x08, 0x80, 0x80 };

    expect_raw_error(junk, sizeof junk, WIRE_MD_CLIENT, WIRE_E_DECODE);
    expect_raw_error(overrun, sizeof overrun, WIRE_MD_CLIENT, WIRE_E_DECODE);
    expect_raw_error(varint, sizeof varint, WIRE_ORDER_SERVER, WIRE_E_DECODE);
}
END_TEST

START_TEST(bad_no_body)
{
    /* Valid protobuf, but only an unknown field (15, varint 1): no oneof. */
    static const uint8_t unknown[] = { 0, 0, 0, 2, 0x78, 0x01 };
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    uint8_t buf[16];

    expect_raw_error(unknown, sizeof unknown, WIRE_MD_SERVER, WIRE_E_NOBODY);
    /* And the encoder refuses to write such a frame at all. */
    ck_assert_int_eq(wire_encode(&f, buf, sizeof buf), WIRE_E_NOBODY);
    ck_assert_uint_eq(wire_frame_size(&f), 0);
}
END_TEST

START_TEST(bad_unexpected_for_channel)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    Stratd__Wire__MdTick t = STRATD__WIRE__MD_TICK__INIT;
    Stratd__Wire__MdSubscribe m = STRATD__WIRE__MD_SUBSCRIBE__INIT;
    Stratd__Wire__Logon l = STRATD__WIRE__LOGON__INIT;
    Stratd__Wire__ExecReport r = STRATD__WIRE__EXEC_REPORT__INIT;
    Stratd__Wire__Error e = STRATD__WIRE__ERROR__INIT;

    /* An order on the market-data server, or sent back to an order client. */
    expect_error(&f, WIRE_MD_SERVER, WIRE_E_UNEXPECTED);
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_UNEXPECTED);
    expect_error(&f, WIRE_MD_CLIENT, WIRE_E_UNEXPECTED);

    t.seq = 1;
    t.symbol = "BTCUSD";
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_TICK;
    f.md_tick = &t;
    expect_error(&f, WIRE_MD_SERVER, WIRE_E_UNEXPECTED);
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_UNEXPECTED);

    m.symbols = SYMS;
    m.n_symbols = 1;
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE;
    f.md_subscribe = &m;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_UNEXPECTED);
    expect_error(&f, WIRE_MD_CLIENT, WIRE_E_UNEXPECTED);

    l.account = "acct-1";
    f.body_case = STRATD__WIRE__FRAME__BODY_LOGON;
    f.logon = &l;
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_UNEXPECTED);
    expect_error(&f, WIRE_MD_SERVER, WIRE_E_UNEXPECTED);

    r.session_seq = 1;
    r.kind = STRATD__WIRE__EXEC_REPORT__KIND__ACK;
    f.body_case = STRATD__WIRE__FRAME__BODY_EXEC_REPORT;
    f.exec_report = &r;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_UNEXPECTED);

    /* Servers do not take Error frames from clients. */
    f.body_case = STRATD__WIRE__FRAME__BODY_ERROR;
    f.error = &e;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_UNEXPECTED);
    expect_error(&f, WIRE_MD_SERVER, WIRE_E_UNEXPECTED);
}
END_TEST

START_TEST(bad_qty)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);

    o.qty = 0;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADQTY);
    o.qty = -5;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADQTY);
    o.qty = INT64_MIN;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADQTY);
}
END_TEST

START_TEST(bad_price)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);

    o.price = 0;                                    /* limit needs a price */
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADPRICE);
    o.price = -100;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADPRICE);
    o.type = STRATD__WIRE__ORD_TYPE__MARKET;        /* market takes none */
    o.price = 100;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADPRICE);
}
END_TEST

START_TEST(bad_side_type_tif)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);

    o.side = STRATD__WIRE__SIDE__SIDE_UNKNOWN;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADSIDE);
    o.side = 7;   /* an open enum on the wire: any number arrives */
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADSIDE);
    o = good_order();
    o.type = STRATD__WIRE__ORD_TYPE__ORD_TYPE_UNKNOWN;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADTYPE);
    o = good_order();
    o.tif = 3;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADTIF);
}
END_TEST

START_TEST(bad_symbol)
{
    static const char *bad[] = {
        "", "btcusd", "BTC USD", "BTC/USD", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "\xc3\x89",
    };
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    Stratd__Wire__MdSubscribe m = STRATD__WIRE__MD_SUBSCRIBE__INIT;
    Stratd__Wire__MdTick t = STRATD__WIRE__MD_TICK__INIT;
    char *list[2];

    ck_assert(wire_symbol_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));   /* 32 */
    ck_assert(wire_symbol_ok("BRK.B_X-1"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert(!wire_symbol_ok(bad[i]));
        o.symbol = (char *)bad[i];
        f = frame_of_order(&o);
        expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADSYMBOL);
    }
    /* In a subscription: one bad symbol spoils it, and so does none. */
    list[0] = "BTCUSD";
    list[1] = "eth";
    m.symbols = list;
    m.n_symbols = 2;
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE;
    f.md_subscribe = &m;
    expect_error(&f, WIRE_MD_SERVER, WIRE_E_BADSYMBOL);
    m.n_symbols = 0;
    expect_error(&f, WIRE_MD_SERVER, WIRE_E_BADSYMBOL);
    /* In a tick. */
    t.seq = 1;
    t.symbol = "";
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_TICK;
    f.md_tick = &t;
    expect_error(&f, WIRE_MD_CLIENT, WIRE_E_BADSYMBOL);
}
END_TEST

START_TEST(bad_ids_account_seq_kind)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    Stratd__Wire__CancelOrder c = STRATD__WIRE__CANCEL_ORDER__INIT;
    Stratd__Wire__Logon l = STRATD__WIRE__LOGON__INIT;
    Stratd__Wire__LogonAck a = STRATD__WIRE__LOGON_ACK__INIT;
    Stratd__Wire__MdTick t = STRATD__WIRE__MD_TICK__INIT;
    Stratd__Wire__ExecReport r = STRATD__WIRE__EXEC_REPORT__INIT;

    o.client_order_id = 0;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADID);
    f.body_case = STRATD__WIRE__FRAME__BODY_CANCEL_ORDER;
    f.cancel_order = &c;
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADID);

    f.body_case = STRATD__WIRE__FRAME__BODY_LOGON;
    f.logon = &l;
    l.account = "";
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADACCOUNT);
    l.account = "acct\"1";   /* would break the exchange's JSON report */
    expect_error(&f, WIRE_ORDER_SERVER, WIRE_E_BADACCOUNT);

    f.body_case = STRATD__WIRE__FRAME__BODY_LOGON_ACK;
    f.logon_ack = &a;
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_BADSEQ);

    t.symbol = "BTCUSD";
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_TICK;
    f.md_tick = &t;
    expect_error(&f, WIRE_MD_CLIENT, WIRE_E_BADSEQ);

    f.body_case = STRATD__WIRE__FRAME__BODY_EXEC_REPORT;
    f.exec_report = &r;
    r.kind = STRATD__WIRE__EXEC_REPORT__KIND__ACK;
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_BADSEQ);
    r.session_seq = 1;
    r.kind = STRATD__WIRE__EXEC_REPORT__KIND__KIND_UNKNOWN;
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_BADKIND);
    r.kind = 42;
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_BADKIND);
    r.kind = STRATD__WIRE__EXEC_REPORT__KIND__FILL;
    r.side = 9;
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_BADSIDE);
    r.side = STRATD__WIRE__SIDE__BUY;
    r.leaves = -1;
    expect_error(&f, WIRE_ORDER_CLIENT, WIRE_E_BADQTY);
}
END_TEST

START_TEST(bad_is_sticky_and_good_frames_first)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    struct wire_buf b = WIRE_BUF_INIT;
    struct wire_decoder d;
    const Stratd__Wire__Frame *g;

    ck_assert_int_eq(wire_buf_append(&b, &f), 0);   /* good */
    o.qty = 0;
    ck_assert_int_eq(wire_buf_append(&b, &f), 0);   /* bad */
    o.qty = 1;
    ck_assert_int_eq(wire_buf_append(&b, &f), 0);   /* good, never seen */

    wire_decoder_init(&d, WIRE_ORDER_SERVER);
    ck_assert_int_eq(wire_decoder_feed(&d, b.data, b.len), 0);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 1);
    ck_assert_int_eq(g->new_order->qty, 3);
    ck_assert_int_eq(wire_decoder_next(&d, &g), WIRE_E_BADQTY);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(wire_decoder_next(&d, &g), WIRE_E_BADQTY);
    ck_assert_int_eq(wire_decoder_feed(&d, b.data, b.len), WIRE_E_BADQTY);
    ck_assert_int_eq(wire_decoder_finish(&d), WIRE_E_BADQTY);
    ck_assert_uint_eq(d.frames, 1);
    wire_decoder_release(&d);
    wire_buf_release(&b);
}
END_TEST

START_TEST(encode_limits)
{
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    uint8_t buf[256];
    size_t need = wire_frame_size(&f);

    ck_assert_int_eq(wire_encode(&f, buf, need - 1), WIRE_E_NOSPACE);
    ck_assert_int_eq(wire_encode(&f, buf, need), (int)need);
    ck_assert_uint_eq(buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3],
                      need - WIRE_HEADER);
}
END_TEST

START_TEST(encode_oversize)
{
    enum { N = 40000 };
    char **syms = malloc(N * sizeof *syms);
    Stratd__Wire__Frame f = STRATD__WIRE__FRAME__INIT;
    Stratd__Wire__MdSubscribe m = STRATD__WIRE__MD_SUBSCRIBE__INIT;
    struct wire_buf b = WIRE_BUF_INIT;

    for (int i = 0; i < N; i++)
        syms[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    m.symbols = syms;
    m.n_symbols = N;
    f.body_case = STRATD__WIRE__FRAME__BODY_MD_SUBSCRIBE;
    f.md_subscribe = &m;
    ck_assert_int_eq(wire_buf_append(&b, &f), WIRE_E_OVERSIZE);
    ck_assert_uint_eq(b.len, 0);
    wire_buf_release(&b);
    free(syms);
}
END_TEST

START_TEST(error_names)
{
    static const int codes[] = {
#define XX(name, val, msg) WIRE_E_##name,
        WIRE_ERRNO_MAP(XX)
#undef XX
    };
    size_t n = sizeof codes / sizeof codes[0];

    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(codes[i], -(int)(i + 1));   /* dense, stable */
        ck_assert_str_ne(wire_strerror(codes[i]), "unknown wire error");
        ck_assert_int_eq(strncmp(wire_err_name(codes[i]), "WIRE_E_", 7), 0);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(wire_err_name(codes[i]), wire_err_name(codes[j]));
    }
    ck_assert_str_eq(wire_err_name(WIRE_E_OVERSIZE), "WIRE_E_OVERSIZE");
    ck_assert_str_eq(wire_strerror(1), "unknown wire error");
    ck_assert_str_eq(wire_body_name(STRATD__WIRE__FRAME__BODY_NEW_ORDER), "new_order");
}
END_TEST

START_TEST(bad_found_on_the_last_byte)
{
    /* Fed a byte at a time, a bad frame fails exactly when it is complete. */
    Stratd__Wire__NewOrder o = good_order();
    Stratd__Wire__Frame f = frame_of_order(&o);
    struct wire_decoder d;
    const Stratd__Wire__Frame *g;
    uint8_t buf[256];
    size_t n;

    o.price = -1;
    n = enc(&f, buf, sizeof buf);
    wire_decoder_init(&d, WIRE_ORDER_SERVER);
    for (size_t i = 0; i + 1 < n; i++) {
        ck_assert_int_eq(wire_decoder_feed(&d, buf + i, 1), 0);
        ck_assert_int_eq(wire_decoder_next(&d, &g), 0);
    }
    ck_assert_int_eq(wire_decoder_feed(&d, buf + n - 1, 1), 0);
    ck_assert_int_eq(wire_decoder_next(&d, &g), WIRE_E_BADPRICE);
    wire_decoder_release(&d);

    /* An oversize header fails on its fourth byte. */
    static const uint8_t hdr[4] = { 0x01, 0x00, 0x00, 0x00 };
    wire_decoder_init(&d, WIRE_MD_CLIENT);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(wire_decoder_feed(&d, hdr + i, 1), 0);
        ck_assert_int_eq(wire_decoder_next(&d, &g), 0);
    }
    ck_assert_int_eq(wire_decoder_feed(&d, hdr + 3, 1), 0);
    ck_assert_int_eq(wire_decoder_next(&d, &g), WIRE_E_OVERSIZE);
    wire_decoder_release(&d);
}
END_TEST

START_TEST(bad_truncated_after_good_frames)
{
    size_t len;
    uint8_t *buf = tick_stream(3, &len);
    struct wire_decoder d;
    const Stratd__Wire__Frame *g;

    wire_decoder_init(&d, WIRE_MD_CLIENT);
    ck_assert_int_eq(wire_decoder_feed(&d, buf, len - 5), 0);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 1);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 1);
    ck_assert_int_eq(wire_decoder_next(&d, &g), 0);
    ck_assert_uint_gt(wire_decoder_pending(&d), 0);
    ck_assert_int_eq(wire_decoder_finish(&d), WIRE_E_TRUNCATED);
    wire_decoder_release(&d);
    free(buf);
}
END_TEST

static Suite *wire_suite(void)
{
    Suite *s = suite_create("wire");
    TCase *rt = tcase_create("roundtrip");
    TCase *ch = tcase_create("chunking");
    TCase *bad = tcase_create("malformed");

    tcase_set_timeout(rt, 10);
    tcase_set_timeout(ch, 30);
    tcase_set_timeout(bad, 10);
    tcase_add_test(rt, rt_md_subscribe);
    tcase_add_test(rt, rt_md_tick);
    tcase_add_test(rt, rt_heartbeat_every_channel);
    tcase_add_test(rt, rt_error);
    tcase_add_test(rt, rt_logon_and_ack);
    tcase_add_test(rt, rt_new_order_and_cancel);
    tcase_add_test(rt, rt_exec_report);
    tcase_add_test(rt, encode_limits);
    tcase_add_test(rt, encode_oversize);
    tcase_add_test(rt, error_names);
    tcase_add_test(ch, chunk_byte_at_a_time);
    tcase_add_test(ch, chunk_every_split_point);
    tcase_add_test(ch, chunk_odd_sizes);
    tcase_add_test(ch, chunk_large_frame);
    tcase_add_test(bad, bad_truncated_body);
    tcase_add_test(bad, bad_truncated_header);
    tcase_add_test(bad, bad_oversize);
    tcase_add_test(bad, bad_oversize_custom_limit);
    tcase_add_test(bad, bad_zero_length);
    tcase_add_test(bad, bad_garbage_body);
    tcase_add_test(bad, bad_no_body);
    tcase_add_test(bad, bad_unexpected_for_channel);
    tcase_add_test(bad, bad_qty);
    tcase_add_test(bad, bad_price);
    tcase_add_test(bad, bad_side_type_tif);
    tcase_add_test(bad, bad_symbol);
    tcase_add_test(bad, bad_ids_account_seq_kind);
    tcase_add_test(bad, bad_is_sticky_and_good_frames_first);
    tcase_add_test(bad, bad_found_on_the_last_byte);
    tcase_add_test(bad, bad_truncated_after_good_frames);
    suite_add_tcase(s, rt);
    suite_add_tcase(s, ch);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(wire_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
