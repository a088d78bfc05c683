#!/usr/bin/env python3
"""seeds.py — writes the hand-made seeds of fuzz/corpus/ for the wire,
entry, control and metrics harnesses (the topology seeds are the files of
config/ and the bad files of tests/test_topology.c). Run from the top of the
tree; the files it writes are committed."""
import os, struct, sys

sys.path.insert(0, "tests/integration")
from wire_client import varint, msg, frame, field_bytes  # noqa: E402

def put(harness, name, data):
    d = os.path.join("fuzz", "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# wire: [channel][limit][split seed] + stream (fuzz_wire.c)
MD_CLIENT, MD_SERVER, ORDER_CLIENT, ORDER_SERVER = range(4)
tick = frame("md_tick", msg([(1, 7), (2, "BTCUSD"), (3, 100), (4, 101), (5, 100), (6, 3), (7, 99)]))
hb = frame("heartbeat", msg([(1, 12345)]))
err = frame("error", msg([(1, 19), (2, "order message before logon")]))
sub = frame("md_subscribe", msg([(1, "BTCUSD"), (1, "ETHUSD"), (2, 5)]))
logon = frame("logon", msg([(1, "demo"), (2, 3)]))
ack = frame("logon_ack", msg([(1, 4)]))
new = frame("new_order", msg([(1, 1), (2, "BTCUSD"), (3, 1), (4, 1), (5, 100), (6, 2), (7, 1), (8, 9)]))
mkt = frame("new_order", msg([(1, 2), (2, "ETH.X"), (3, 2), (4, 2), (6, 1), (7, 2)]))
cancel = frame("cancel_order", msg([(1, 1)]))
fill = frame("exec_report", msg([(1, 1), (2, 1), (3, 4), (4, "BTCUSD"), (5, 1), (6, 100), (7, 2),
                                 (8, 2), (10, 100), (12, 5)]))
rej = frame("exec_report", msg([(1, 2), (2, 9), (3, 6), (11, "unknown order")]))
hdr = lambda ch, split=0: bytes([ch, 0, split])
put("fuzz_wire", "md-client", hdr(MD_CLIENT) + tick + hb + tick + err)
put("fuzz_wire", "md-server", hdr(MD_SERVER, 3) + sub + hb)
put("fuzz_wire", "order-client", hdr(ORDER_CLIENT, 7) + ack + fill + rej + hb + err)
put("fuzz_wire", "order-server", hdr(ORDER_SERVER, 1) + logon + new + mkt + cancel + hb)
put("fuzz_wire", "truncated", hdr(ORDER_SERVER) + logon + new[:9])
put("fuzz_wire", "oversize", bytes([MD_CLIENT, 0xf0, 0]) + tick)
put("fuzz_wire", "empty-frame", hdr(MD_CLIENT) + b"\0\0\0\0")
put("fuzz_wire", "wrong-channel", hdr(MD_CLIENT) + new)

# entry: a packed stratd.Entry (fuzz_entry.c)
def sint(v): return (v << 1) ^ (v >> 63) if v >= 0 else ((-v - 1) << 1) | 1
def entry(kind, inner, sender=3, receivers=(4, 5), time_ns=1700000000000000000):
    rx = b"".join(varint(r) for r in receivers)
    return (varint(1 << 3) + varint(sint(time_ns)) + varint(2 << 3) + varint(sender) +
            field_bytes(3, rx) + field_bytes(4, field_bytes(kind, inner)))
put("fuzz_entry", "start", entry(1, b"", sender=0))
put("fuzz_entry", "tick", entry(2, msg([(1, 7), (2, "BTCUSD"), (3, 100), (4, 101), (5, 100), (6, 3), (7, 99)])))
put("fuzz_entry", "tick-negative", entry(2, msg([(1, 1), (2, "X"), (3, -5), (7, -1)]), time_ns=-3))
put("fuzz_entry", "subscribe", entry(3, msg([(1, "BTCUSD")])))
put("fuzz_entry", "timer-request", entry(4, msg([(1, 9), (2, 1700000000000000000)])))
put("fuzz_entry", "timer-fired", entry(5, msg([(1, 9), (2, 1700000000000000000), (3, 42)])))
put("fuzz_entry", "order-request", entry(6, msg([(1, "BTCUSD"), (2, 1), (3, 100), (4, 2), (5, 7)])))
put("fuzz_entry", "poke", entry(9, msg([(1, 12)]), receivers=range(1, 70)))
put("fuzz_entry", "unpacked-receivers", varint(3 << 3) + varint(7) + varint(3 << 3) + varint(8) +
    field_bytes(4, field_bytes(9, msg([(1, 1)]))))

# control: a request line (fuzz_control.c)
for i, line in enumerate(["status\n", "actors\n", "actor btc-sma\n", "text status\n",
                          "text actors\r\n", "text actor md\n", "actor \n", "nonsense"]):
    put("fuzz_control", "req-%d" % i, line)

# metrics: [split seed] + request head (fuzz_metrics.c)
for i, head in enumerate(["GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n",
                          "HEAD /metrics HTTP/1.0\n\n",
                          "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                          "GET / HTTP/1.1\r\n\r\n",
                          "GET /metrics SPDY/3\r\n\r\n",
                          "GET /metrics HTTP/1.1\r\nUser-Agent: Prometheus/2.42\r\n"
                          "Accept: text/plain;version=0.0.4\r\n\r\n"]):
    put("fuzz_metrics", "head-%d" % i, bytes([i * 37 % 256]) + head.encode())
