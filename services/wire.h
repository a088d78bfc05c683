/*
 * wire.h — the frame codec of the exchange protocol (proto/wire.proto),
 * shared by the feed and orders services and by exsim.
 *
 * A frame is a 4-byte big-endian length N, 1 <= N <= max_frame, followed by
 * N bytes of a packed Stratd__Wire__Frame.
 *
 * Decoding is incremental: wire_decoder_feed() takes byte chunks of any size
 * (one byte at a time works), wire_decoder_next() hands out each complete,
 * checked frame. A decoder serves one side of one kind of connection (enum
 * wire_channel) and refuses message types that do not belong there. Errors
 * are sticky, like a failed pager: once a decoder has returned an error it
 * returns that same error forever, because the stream position is lost.
 *
 *   feed/next ──> READING ──(bad length, bad body, bad field)──> ERROR
 *                    │                                          (sticky)
 *                    └──(wire_decoder_finish with a partial frame)──┘
 *
 * Error codes are negative, stable (they travel in Error.code as their
 * absolute value) and have names and messages (wire_err_name,
 * wire_strerror), libuv style.
 */
#ifndef STRATD_WIRE_H
#define STRATD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.pb-c.h"

#define WIRE_MAX_FRAME (1u << 20)   /* body bytes */
#define WIRE_HEADER 4               /* length prefix bytes */
#define WIRE_SYMBOL_MAX 32
#define WIRE_ACCOUNT_MAX 64

/* XX(name, value, message). Values never change: they are on the wire. */
#define WIRE_ERRNO_MAP(XX)                                                    \
    XX(OVERSIZE,   -1, "frame length exceeds the maximum")                   \
    XX(EMPTY,      -2, "zero-length frame")                                  \
    XX(DECODE,     -3, "frame body is not a valid Frame message")            \
    XX(NOBODY,     -4, "frame carries no message")                           \
    XX(UNEXPECTED, -5, "message type not valid on this connection")          \
    XX(TRUNCATED,  -6, "stream closed in the middle of a frame")             \
    XX(BADQTY,     -7, "quantity must be positive")                          \
    XX(BADPRICE,   -8, "price must be positive for LIMIT and 0 for MARKET")  \
    XX(BADSIDE,    -9, "side must be BUY or SELL")                           \
    XX(BADTYPE,   -10, "order type must be LIMIT or MARKET")                 \
    XX(BADTIF,    -11, "time in force must be GTC or IOC")                   \
    XX(BADSYMBOL, -12, "symbol must be 1-32 characters of [A-Z0-9._-]")      \
    XX(BADID,     -13, "client order id must be nonzero")                    \
    XX(BADACCOUNT,-14, "account must be 1-64 characters of [A-Za-z0-9._-]")  \
    XX(BADSEQ,    -15, "sequence number must be positive")                   \
    XX(BADKIND,   -16, "unknown execution report kind")                      \
    XX(NOSPACE,   -17, "output buffer too small")                            \
    XX(NOMEM,     -18, "out of memory")                                      \
    /* Not produced by the codec: what an exchange says in Error frames. */  \
    XX(NOLOGON,   -19, "order message before logon")                         \
    XX(RELOGON,   -20, "second logon on one connection")                     \
    XX(REPLACED,  -21, "session replaced by a newer logon of the account")   \
    XX(UNKSYMBOL, -22, "unknown symbol")

enum wire_errno {
#define WIRE_XX_(name, val, msg) WIRE_E_##name = (val),
    WIRE_ERRNO_MAP(WIRE_XX_)
#undef WIRE_XX_
};

/* Message for an error code ("unknown wire error" for anything else). */
const char *wire_strerror(int err);
/* "WIRE_E_OVERSIZE" ... ("WIRE_E_?" for anything else). */
const char *wire_err_name(int err);
/* "md_tick", "new_order" ... for logs. */
const char *wire_body_name(Stratd__Wire__Frame__BodyCase c);

/* Which frames a decoder accepts: those the named end receives. */
enum wire_channel {
    WIRE_MD_CLIENT,      /* MdTick, Heartbeat, Error */
    WIRE_MD_SERVER,      /* MdSubscribe, Heartbeat */
    WIRE_ORDER_CLIENT,   /* LogonAck, ExecReport, Heartbeat, Error */
    WIRE_ORDER_SERVER,   /* Logon, NewOrder, CancelOrder, Heartbeat */
};

/* Field checks (done by the decoder on every frame it returns): 0 or a
 * WIRE_E_* code. wire_check_frame also checks that the type belongs on
 * channel ch. Unknown symbols are not the codec's business. */
int wire_check_frame(const Stratd__Wire__Frame *f, enum wire_channel ch);
bool wire_symbol_ok(const char *s);
bool wire_account_ok(const char *s);

/* ---- encoding */

/* Bytes wire_encode would write (header + body); 0 when no body is set. */
size_t wire_frame_size(const Stratd__Wire__Frame *f);

/* Write f as one frame into buf[cap]. f is borrowed. Returns the number of
 * bytes written (header + body), or WIRE_E_NOBODY (oneof not set),
 * WIRE_E_OVERSIZE (body > WIRE_MAX_FRAME), WIRE_E_NOSPACE (cap too small;
 * nothing written). Fields are not checked: see wire_check_frame. */
int wire_encode(const Stratd__Wire__Frame *f, uint8_t *buf, size_t cap);

/* A growable byte buffer for outgoing frames. Zero-initialize, or
 * WIRE_BUF_INIT. The data belongs to the buffer until wire_buf_steal. */
struct wire_buf {
    uint8_t *data;
    size_t len, cap;
};
#define WIRE_BUF_INIT { NULL, 0, 0 }

/* Append f as one frame. 0, or a wire_encode error / WIRE_E_NOMEM (the
 * buffer is left as it was). */
int wire_buf_append(struct wire_buf *b, const Stratd__Wire__Frame *f);
/* Hand the bytes to the caller (who frees them); the buffer is empty after. */
uint8_t *wire_buf_steal(struct wire_buf *b, size_t *len);
void wire_buf_release(struct wire_buf *b);

/* ---- decoding */

struct wire_arena_big;

struct wire_decoder {
    enum wire_channel channel;
    size_t max_frame;            /* body limit; WIRE_MAX_FRAME by default */
    int err;                     /* 0, or the sticky error */
    uint8_t *buf;                /* received, not yet decoded: buf[off, len) */
    size_t off, len, cap;
    /* Arena for the last unpacked frame, reset by each wire_decoder_next. */
    uint8_t *arena;
    size_t arena_used, arena_cap, arena_over;
    struct wire_arena_big *big;  /* overflow blocks of the current frame */
    ProtobufCAllocator pb;
    uint64_t frames;             /* frames handed out so far */
};

void wire_decoder_init(struct wire_decoder *d, enum wire_channel ch);
void wire_decoder_release(struct wire_decoder *d);

/* Take n more bytes of the stream (copied). Returns 0, the sticky error,
 * or WIRE_E_NOMEM (which becomes sticky). */
int wire_decoder_feed(struct wire_decoder *d, const void *data, size_t n);

/* Next complete frame: returns 1 and sets *out (borrowed: valid until the
 * next call to wire_decoder_next or wire_decoder_release), 0 when more
 * bytes are needed, or a negative WIRE_E_* code (sticky). A length header
 * over max_frame fails as soon as its 4 bytes are in, without waiting for
 * the body. Call it until it returns <= 0 after each feed. */
int wire_decoder_next(struct wire_decoder *d, const Stratd__Wire__Frame **out);

/* The stream is closed: 0 when it ended on a frame boundary, else
 * WIRE_E_TRUNCATED (sticky), or the sticky error already there. Frames still
 * buffered are not lost: call wire_decoder_next until it returns 0 first. */
int wire_decoder_finish(struct wire_decoder *d);

/* Bytes buffered but not yet handed out as frames. */
size_t wire_decoder_pending(const struct wire_decoder *d);

#endif
