#!/usr/bin/env bash
# t_exsim.sh — exsim end to end, from outside, the way the feed and
# orders services use it: market data with resume by from_seq, order entry
# with fills, cancels, idempotent client order ids, resend after reconnect,
# Error frames for malformed input, the --report file, exit codes, and the
# same ticks from two runs with the same arguments.
#
# Run from the project root after `make`:  tests/integration/t_exsim.sh
# The client below speaks the wire protocol with a hand-written protobuf
# encoder, so it needs nothing but python3.
set -u
BIN=${BIN:-build/bin}
[ -x "$BIN/exsim" ] || { echo "t_exsim: $BIN/exsim not built (run make)"; exit 2; }
command -v python3 >/dev/null || { echo "t_exsim: needs python3"; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Bad arguments: exit 2.
for args in "" "--md-port 0 --order-port 0" "--md-port x --order-port 0 --symbols A" \
            "--md-port 0 --order-port 0 --symbols a" "--md-port 0 --order-port 0 --symbols A --nope"; do
  # shellcheck disable=SC2086
  "$BIN/exsim" $args >/dev/null 2>&1; rc=$?
  [ $rc = 2 ] || { echo "FAIL  exsim $args: exit $rc, want 2"; exit 1; }
done
echo "ok    bad arguments exit 2"

IT_DIR=$(cd "$(dirname "$0")" && pwd) timeout 180 python3 - "$BIN/exsim" "$T" <<'PY'
import os, socket, struct, sys, time
sys.path.insert(0, os.environ["IT_DIR"])
from wire_client import *   # the wire protocol: frame, Conn, subscribe, logon ...

import hashlib, json, re, signal, subprocess, sys
EXSIM, T = sys.argv[1], sys.argv[2]
fails = 0
def check(cond, what):
    global fails
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    fails += not cond

def start(extra, report):
    log = report + ".log"   # a file, not a pipe: exsim never blocks on its log
    p = subprocess.Popen([EXSIM, "--md-port", "0", "--order-port", "0", "--report", report] + extra,
                         stderr=open(log, "w"))
    for _ in range(100):
        m = re.search(r"md=[\d.]+:(\d+) orders=[\d.]+:(\d+)", open(log).read())
        if m: return p, int(m.group(1)), int(m.group(2))
        time.sleep(0.05)
    sys.exit("exsim did not start: " + open(log).read())

def stop(p, sig=signal.SIGTERM):
    p.send_signal(sig)
    return p.wait(10)

def read_ticks(c, sym, upto):
    seen = []
    while True:
        k, d = c.recv()
        if k == "heartbeat": continue
        assert k == "md_tick", (k, d)
        if d["symbol"] != sym: continue
        seen.append((d["seq"], d["bid"], d["ask"], d["last"], d["size"], d["exch_time_ns"]))
        if d["seq"] >= upto: return seen

def ticks_of(mdp, sym, frm, upto):
    c = Conn(mdp); c.send(subscribe([sym], frm)); t = read_ticks(c, sym, upto); c.close()
    return t

ARGS = ["--seed", "5", "--symbols", "BTCUSD,ETHUSD", "--rate", "2000", "--ticks", "4000"]
p, mdp, op = start(ARGS, T + "/r1.json")

# market data
part = ticks_of(mdp, "BTCUSD", 1, 700) + ticks_of(mdp, "BTCUSD", 701, 2000)
check([t[0] for t in part] == list(range(1, 2001)), "md: resume with from_seq after a disconnect, no gap, no dup")
full = ticks_of(mdp, "BTCUSD", 1, 2000)
check(full == part, "md: replay from seq 1 equals the resumed stream")
check(all(0 < t[1] < t[2] for t in full), "md: 0 < bid < ask on every tick")
check(sum(t[4] > 0 for t in full) > 100, "md: simulated trades happen")
c = Conn(mdp); c.send(subscribe(["BTCUSD", "NOPE"], 1))
k, d = c.recv()
check(k == "error" and d["code"] == 22, "md: unknown symbol -> Error 22")
c.send(subscribe(["ETHUSD"], 2000))
k, d = c.recv()
check(k == "md_tick" and d["seq"] == 2000, "md: the connection stays usable")
c.close()
c = Conn(mdp); hb = 0; t0 = time.time()
while time.time() - t0 < 1.3:
    hb += c.recv()[0] == "heartbeat"
check(hb >= 2, "md: heartbeats on an idle connection")
c.close()
for raw, code, what in [(b"\0\0\0\0", 2, "zero length"), (b"\0\0\0\4\xff\xff\xff\xff", 3, "garbage"),
                        (b"\x7f\0\0\0", 1, "oversize"), (logon("a"), 5, "logon on the md port")]:
    c = Conn(mdp); c.send(raw)
    k, d = c.recv()
    check(k == "error" and d["code"] == code and c.recv() is None, "md: %s -> Error %d, closed" % (what, code))

# orders
o = Conn(op); o.send(new_order(1, "BTCUSD", BUY, MARKET, 0, 1, IOC))
k, d = o.recv()
check(k == "error" and d["code"] == 19, "orders: order before logon -> Error 19")
o = Conn(op); o.send(logon("acct-1", 0))
k, d = o.recv()
check(k == "logon_ack" and d["next_seq"] == 1, "orders: LogonAck next_seq 1")
reports = []
def get():
    while True:
        k, d = o.recv()
        if k != "heartbeat": break
    assert k == "exec_report", (k, d)
    reports.append(d)
    return d
def until_done():
    r = [get()]
    while r[-1]["kind"] not in ("FILL", "CANCEL_ACK", "REJECT"): r.append(get())
    return r
o.send(new_order(101, "BTCUSD", BUY, MARKET, 0, 3, IOC))
r = until_done()
check(r[0]["kind"] == "ACK" and r[-1]["kind"] == "FILL" and r[-1]["cum_qty"] == 3, "orders: market buy 3 fills")
o.send(new_order(102, "BTCUSD", BUY, LIMIT, 100000, 2, GTC))
check(get()["kind"] == "ACK", "orders: far limit rests (ACK)")
o.send(new_order(102, "BTCUSD", BUY, LIMIT, 100000, 2, GTC))
r = get()
check(r["kind"] == "ACK" and r["leaves"] == 2 and "duplicate" in r["reason"], "orders: known client order id -> its state, no new order")
o.send(cancel(102))
check(get()["kind"] == "CANCEL_ACK", "orders: cancel -> CANCEL_ACK")
o.send(cancel(102))
check(get()["kind"] == "CANCEL_REJECT", "orders: cancel again -> CANCEL_REJECT")
o.send(new_order(103, "XRPUSD", SELL, LIMIT, 5, 1, GTC))
r = get()
check(r["kind"] == "REJECT" and r["reason"] == "unknown symbol", "orders: unknown symbol -> REJECT")
o.send(new_order(104, "ETHUSD", SELL, MARKET, 0, 2, GTC))
check(until_done()[-1]["kind"] == "FILL", "orders: market sell 2 fills")
check([x["session_seq"] for x in reports] == list(range(1, len(reports) + 1)), "orders: session_seq without gaps")
o.close()
old = reports[:]; reports.clear()
o = Conn(op); o.send(logon("acct-1", 3))
k, d = o.recv()
check(k == "logon_ack" and d["next_seq"] == len(old) + 1, "orders: re-logon, next_seq %d" % (len(old) + 1))
check([get() for _ in old[3:]] == old[3:], "orders: reports after last_seen_seq resent, identical")
o2 = Conn(op); o2.send(logon("acct-1", len(old)))
check(o2.recv()[0] == "logon_ack" and o.recv()[1].get("code") == 21, "orders: a newer logon replaces the session (Error 21)")
o2.send(new_order(105, "BTCUSD", BUY, LIMIT, 1, 0, GTC))
k, d = o2.recv()
check(k == "error" and d["code"] == 7 and o2.recv() is None, "orders: qty 0 -> Error 7, closed")

time.sleep(0.8)
rep = json.load(open(T + "/r1.json"))
check(rep["ticks_published"] == 4000, "report: ticks_published")
check(rep["orders"] == 4 and rep["resends"] == 1, "report: orders 4, resends 1")
check(rep["accounts"] == {"acct-1": {"BTCUSD": 3, "ETHUSD": -2}}, "report: positions")
check(rep["order_ids"] == {"acct-1": [101, 102, 103, 104]}, "report: order_ids")
check(stop(p) == 0, "SIGTERM -> exit 0")

# determinism: another process, same arguments, same ticks
p, mdp, op = start(ARGS, T + "/r2.json")
check(ticks_of(mdp, "BTCUSD", 1, 2000) == full, "same arguments, same ticks (another process)")
check(stop(p, signal.SIGINT) == 0, "SIGINT -> exit 0")

# a passive order is filled by the simulated flow
p, mdp, op = start(["--seed", "9", "--symbols", "BTCUSD", "--rate", "500"], T + "/r3.json")
t = ticks_of(mdp, "BTCUSD", 0, 0)[-1]
o = Conn(op); o.send(logon("passive")); o.recv()
o.send(new_order(1, "BTCUSD", BUY, LIMIT, t[1], 2, GTC))
o.send(new_order(2, "BTCUSD", SELL, LIMIT, t[2], 2, GTC))
filled = set(); t0 = time.time()
while len(filled) < 2 and time.time() - t0 < 30:
    k, d = o.recv(30)
    if k == "exec_report" and d["kind"] == "FILL": filled.add(d["client_order_id"])
check(filled == {1, 2}, "passive orders at the touch get filled by simulated participants")
stop(p)

# CSV ticks
open(T + "/t.csv", "w").write("symbol,bid,ask,last,size\n# comment\nX,100,102,101,5\nY,10,11,10,0\nX,101,103,103,1\n")
p, mdp, op = start(["--symbols", "X,Y", "--csv", T + "/t.csv"], T + "/r4.json")
x = ticks_of(mdp, "X", 1, 2)
check([t[:5] for t in x] == [(1, 100, 102, 101, 5), (2, 101, 103, 103, 1)], "csv: ticks as in the file")
stop(p)

print("%d failed" % fails)
sys.exit(1 if fails else 0)
PY
