#!/usr/bin/env bash
# t_exsim_state.sh — exsim --state FILE: a restarted exchange carries on
# where it stopped. Against a reference exsim that runs without a restart:
# ticks go on from the next seq with the same values (and the old ones can
# still be replayed); a Logon with last_seen_seq gets the right reports
# resent and session_seq goes on; a client order id from before the restart
# is answered idempotently; resting orders from before the restart can be
# canceled, and fill in their time priority; positions and the --report
# counters carry over; --ticks counts across restarts; the periodic save
# survives kill -9; a second exsim on the same file is refused; a state
# file from other --seed/--symbols, or a damaged one, is refused with exit 2.
#
# Run from the project root after `make`:  tests/integration/t_exsim_state.sh
# BIN=build/asan/bin runs it against the ASan build. The client speaks the
# wire protocol with a hand-written protobuf encoder (as t_exsim.sh does),
# so it needs nothing but python3.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
[ -x "$BIN/exsim" ] || { echo "t_exsim_state: $BIN/exsim not built (run make)"; exit 2; }
command -v python3 >/dev/null || { echo "t_exsim_state: needs python3"; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/exsim-state.XXXXXX")
PY=
cleanup() {
  # the client kills the exsims it started; this is for a client killed itself
  [ -n "$PY" ] && kill -TERM "$PY" 2>/dev/null && wait "$PY" 2>/dev/null
  if [ -f "$T/pids" ]; then
    while read -r p; do kill -9 "$p" 2>/dev/null; done <"$T/pids"
  fi
  if [ "${RC:-1}" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "  (kept $T)"; fi
}
trap cleanup EXIT

IT_DIR=$(cd "$(dirname "$0")" && pwd) python3 - "$BIN/exsim" "$T" <<'PY' &
import atexit, json, os, re, signal, socket, struct, subprocess, sys, time

sys.path.insert(0, os.environ["IT_DIR"])
from wire_client import *   # the wire protocol: frame, Conn, subscribe, logon ...
TICK_UNIT = 1000000   # one price tick of the model

# ---- processes

EXSIM, T = sys.argv[1], sys.argv[2]
procs = []
def killall():
    for p in procs:
        if p.poll() is None:
            p.kill(); p.wait()
atexit.register(killall)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))

fails = 0
def check(cond, what):
    global fails
    print(("  ok    " if cond else "  FAIL  ") + what, flush=True)
    fails += not cond

def start(name, extra):
    """exsim on free ports (port 0, read back from its log); its report in
    T/name.json, its log in T/name.log"""
    log = "%s/%s.log" % (T, name)
    p = subprocess.Popen([EXSIM, "--md-port", "0", "--order-port", "0",
                          "--report", "%s/%s.json" % (T, name)] + extra, stderr=open(log, "w"))
    procs.append(p)
    with open(T + "/pids", "a") as f: f.write("%d\n" % p.pid)
    for _ in range(400):
        m = re.search(r"md=[\d.]+:(\d+) orders=[\d.]+:(\d+)", open(log).read())
        if m: return p, int(m.group(1)), int(m.group(2))
        if p.poll() is not None: break
        time.sleep(0.05)
    sys.exit("exsim did not start: " + open(log).read())

def stop(p, sig=signal.SIGTERM):
    p.send_signal(sig)
    return p.wait(30)

def run_to_exit(extra):
    """exsim that is expected to refuse to start: (exit code, its log)"""
    log = T + "/refused.log"
    p = subprocess.Popen([EXSIM, "--md-port", "0", "--order-port", "0"] + extra,
                         stderr=open(log, "w"))
    procs.append(p)
    try: rc = p.wait(30)
    except subprocess.TimeoutExpired: p.kill(); p.wait(); rc = None
    return rc, open(log).read()

def report(name): return json.load(open("%s/%s.json" % (T, name)))
def log_of(name): return open("%s/%s.log" % (T, name)).read()

def read_ticks(c, sym, upto):
    seen = []
    while True:
        k, d = c.recv(30)
        if k == "heartbeat": continue
        assert k == "md_tick", (k, d)
        if d["symbol"] != sym: continue
        seen.append((d["seq"], d["bid"], d["ask"], d["last"], d["size"], d["exch_time_ns"]))
        if d["seq"] >= upto: return seen

def ticks_of(mdp, sym, frm, upto):
    c = Conn(mdp); c.send(subscribe([sym], frm)); t = read_ticks(c, sym, upto); c.close()
    return t

class Orders:
    def __init__(self, port, acct, last=0):
        self.c = Conn(port); self.c.send(logon(acct, last))
        k, d = self.c.recv()
        assert k == "logon_ack", (k, d)
        self.next_seq = d["next_seq"]
    def get(self):
        while True:
            k, d = self.c.recv()
            if k != "heartbeat": break
        assert k == "exec_report", (k, d)
        return d
    def until_done(self, coid):
        """reports up to the terminal one of order coid"""
        r = [self.get()]
        while not (r[-1]["client_order_id"] == coid and r[-1]["kind"] in ("FILL", "CANCEL_ACK", "REJECT")):
            r.append(self.get())
        return r
    def send(self, data): self.c.send(data)
    def close(self): self.c.close()

def counters(rep): return {k: rep[k] for k in ("orders", "resends", "rejects", "fills", "cancels")}

STATE = T + "/exsim.state"
TOTAL = 8000                      # ticks over both symbols, all runs together
ARGS = ["--seed", "7", "--symbols", "BTCUSD,ETHUSD", "--rate", "1000", "--ticks", str(TOTAL)]
PER_SYM = TOTAL // 2

# the reference: the same exchange, never restarted
ref, ref_md, _ = start("ref", ARGS)

# ---- run 1: trade, then SIGTERM
p, mdp, op = start("run1", ARGS + ["--state", STATE])
check("no state in %s yet: starting afresh" % STATE in log_of("run1"), "run 1: fresh start logged")
t1 = ticks_of(mdp, "BTCUSD", 1, 300)
eth = ticks_of(mdp, "ETHUSD", 1, 300)[-1]
o = Orders(op, "acct-1")
check(o.next_seq == 1, "run 1: LogonAck next_seq 1")
reports = []
o.send(new_order(1, "BTCUSD", BUY, MARKET, 0, 3, IOC)); reports += o.until_done(1)
far_bid = t1[-1][1] - 1000 * TICK_UNIT          # far from the market: never
far_ask = eth[2] + 1000 * TICK_UNIT             # reached by the simulated flow
o.send(new_order(2, "BTCUSD", BUY, LIMIT, far_bid, 4, GTC)); reports.append(o.get())
o.send(new_order(3, "ETHUSD", SELL, LIMIT, far_ask, 2, GTC)); reports.append(o.get())
o.send(new_order(4, "ETHUSD", SELL, LIMIT, far_ask, 5, GTC)); reports.append(o.get())
o.send(new_order(5, "XRPUSD", SELL, LIMIT, 100, 1, GTC)); reports.append(o.get())
o.send(new_order(3, "ETHUSD", SELL, LIMIT, far_ask, 2, GTC)); reports.append(o.get())   # known id
o.send(cancel(99)); reports.append(o.get())
check([r["kind"] for r in reports[-6:]] == ["ACK", "ACK", "ACK", "REJECT", "ACK", "CANCEL_REJECT"] and
      reports[-1]["reason"] == "unknown order", "run 1: resting orders, a reject, a known id, a cancel reject")
check([r["session_seq"] for r in reports] == list(range(1, len(reports) + 1)), "run 1: session_seq 1..%d" % len(reports))
o.close()
seen1 = ticks_of(mdp, "BTCUSD", 1, 600)
check(stop(p) == 0, "run 1: SIGTERM -> exit 0")
rep1 = report("run1")
published1 = rep1["ticks_published"]
check(os.path.exists(STATE) and not os.path.exists(STATE + ".tmp"), "run 1: state file written, no temp file left")
check(rep1["accounts"] == {"acct-1": {"BTCUSD": 3, "ETHUSD": 0}} and rep1["order_ids"] == {"acct-1": [1, 2, 3, 4, 5]} and
      counters(rep1) == {"orders": 5, "resends": 1, "rejects": 1, "fills": counters(rep1)["fills"], "cancels": 0},
      "run 1: report (orders 5, resends 1, rejects 1, position 3)")
check(0 < published1 < TOTAL, "run 1: stopped after %d of %d ticks" % (published1, TOTAL))

# ---- run 2: the same --state
p, mdp, op = start("run2", ARGS + ["--state", STATE])
want = "restored state from %s: %d ticks, 5 orders, 1 accounts" % (STATE, published1)
check(want in log_of("run2"), "run 2: logs '%s'" % want.replace(STATE, "FILE"))
rep2 = report("run2")   # written at start
check(counters(rep2) == counters(rep1), "run 2: report counters carried over %s" % counters(rep2))
check(rep2["accounts"] == rep1["accounts"] and rep2["order_ids"] == rep1["order_ids"] and
      rep2["session_seq"] == rep1["session_seq"], "run 2: positions, order_ids, session_seq carried over")
check(rep2["ticks_published"] >= published1, "run 2: ticks_published goes on from %d" % published1)

# market data: the stream goes on from the next seq, the old part can be replayed,
# and all of it is what an exchange that was never restarted publishes
last1 = rep1["ticks"]["BTCUSD"]
after = ticks_of(mdp, "BTCUSD", last1 + 1, PER_SYM)
whole = ticks_of(mdp, "BTCUSD", 1, PER_SYM)
reference = ticks_of(ref_md, "BTCUSD", 1, PER_SYM)
check(after[0][0] == last1 + 1 and [t[0] for t in after] == list(range(last1 + 1, PER_SYM + 1)),
      "run 2: ticks resume at seq %d (after the last one published before the restart)" % (last1 + 1))
check(whole[:len(seen1)] == seen1, "run 2: ticks from before the restart replay unchanged")
check(whole == reference, "run 2: seq 1..%d equal the reference run's, values and stamps" % PER_SYM)
check(ticks_of(mdp, "ETHUSD", 1, PER_SYM) == ticks_of(ref_md, "ETHUSD", 1, PER_SYM), "run 2: ETHUSD too")

# orders: resend after last_seen_seq, session_seq goes on
o = Orders(op, "acct-1", 2)
check(o.next_seq == len(reports) + 1, "run 2: LogonAck next_seq %d" % (len(reports) + 1))
resent = [o.get() for _ in reports[2:]]
check(resent == reports[2:], "run 2: reports after last_seen_seq 2 resent, identical")
o.send(new_order(1, "BTCUSD", BUY, MARKET, 0, 3, IOC))
r = o.get()
check(r["kind"] == "FILL" and r["qty"] == 0 and r["cum_qty"] == 3 and "duplicate" in r["reason"] and
      r["session_seq"] == len(reports) + 1, "run 2: a filled order's id again -> its state, session_seq %d" % (len(reports) + 1))
o.send(new_order(2, "BTCUSD", BUY, LIMIT, far_bid, 4, GTC))
r = o.get()
check(r["kind"] == "ACK" and r["leaves"] == 4 and "duplicate" in r["reason"], "run 2: a resting order's id again -> ACK, leaves 4")
o.send(cancel(2))
r = o.get()
check(r["kind"] == "CANCEL_ACK" and r["client_order_id"] == 2 and r["leaves"] == 0, "run 2: a resting order from before the restart is canceled")
o.send(cancel(2))
check(o.get()["kind"] == "CANCEL_REJECT", "run 2: ...once")
# orders 3 then 4 rest at far_ask: a buyer sweeping the book fills 3 first
b = Orders(op, "acct-2")
b.send(new_order(1, "ETHUSD", BUY, LIMIT, far_ask, 100000, IOC))
mine = [o.get(), o.get()]
check([(x["client_order_id"], x["kind"], x["qty"], x["fill_price"]) for x in mine] ==
      [(3, "FILL", 2, far_ask), (4, "FILL", 5, far_ask)], "run 2: resting orders from before the restart fill, in time priority")
check([x["session_seq"] for x in mine] == [len(reports) + 5, len(reports) + 6], "run 2: session_seq without a gap")
b.until_done(1); b.close(); o.close()
time.sleep(1.2)
rep = report("run2")
check(rep["accounts"]["acct-1"] == {"BTCUSD": 3, "ETHUSD": -7}, "run 2: positions go on from the old ones")
check(rep["orders"] == 6 and rep["resends"] == 3 and rep["cancels"] == rep1["cancels"] + 2 and
      rep["rejects"] == 1, "run 2: counters go on (orders 6, resends 3)")
for _ in range(200):
    if report("run2")["ticks_published"] >= TOTAL: break
    time.sleep(0.1)
check(report("run2")["ticks_published"] == TOTAL, "run 2: stops at --ticks %d over both runs" % TOTAL)
check(stop(p) == 0, "run 2: SIGTERM -> exit 0")
rep2 = report("run2")

# ---- run 3: nothing more to publish; an order, then kill -9 after a periodic save
p, mdp, op = start("run3", ARGS + ["--state", STATE])
time.sleep(0.3)
rep = report("run3")
check(rep["ticks_published"] == TOTAL and rep["generator_done"] and "the --ticks limit" in log_of("run3"),
      "run 3: --ticks reached before: publishes nothing more")
o = Orders(op, "acct-1", rep2["session_seq"]["acct-1"])
o.send(new_order(10, "BTCUSD", BUY, LIMIT, far_bid, 1, GTC))
r = o.get()
check(r["kind"] == "ACK" and r["session_seq"] == rep2["session_seq"]["acct-1"] + 1, "run 3: new order, session_seq goes on")
o.close()
time.sleep(1.5)   # the state is saved every 500 ms when it changed
stop(p, signal.SIGKILL)
p, mdp, op = start("run4", ARGS + ["--state", STATE])
o = Orders(op, "acct-1", r["session_seq"])
check(o.next_seq == r["session_seq"] + 1, "run 4 (after kill -9): the periodic save kept the last report")
rc, log = run_to_exit(ARGS + ["--state", STATE])
check(rc == 1 and "in use by another exsim" in log, "a second exsim on the same --state: exit 1, in use")
o.send(new_order(10, "BTCUSD", BUY, LIMIT, far_bid, 1, GTC))
r = o.get()
check(r["kind"] == "ACK" and "duplicate" in r["reason"], "run 4: the order of run 3 is known")
o.close()
check(stop(p) == 0, "run 4: SIGTERM -> exit 0")

# ---- refusals: exit 2, a clear message, the file left alone
before = open(STATE, "rb").read()
rc, log = run_to_exit(["--seed", "8", "--symbols", "BTCUSD,ETHUSD", "--state", STATE])
check(rc == 2 and "--seed 7 --symbols BTCUSD,ETHUSD" in log and "not --seed 8" in log, "other --seed: exit 2, says why")
rc, log = run_to_exit(["--seed", "7", "--symbols", "BTCUSD", "--state", STATE])
check(rc == 2 and "--symbols BTCUSD,ETHUSD" in log, "other --symbols: exit 2, says why")
check(open(STATE, "rb").read() == before, "a refused state file is left as it was")
cut = T + "/cut.state"
open(cut, "wb").write(before[:len(before) // 2])
rc, log = run_to_exit(ARGS + ["--state", cut])
check(rc == 2 and "truncated or damaged" in log, "truncated state file: exit 2, says so")
bad = bytearray(before); bad[len(bad) // 3] ^= 0x40
open(cut, "wb").write(bytes(bad))
rc, log = run_to_exit(ARGS + ["--state", cut])
check(rc == 2 and "damaged" in log, "damaged state file: exit 2, says so")
open(cut, "wb").write(b"hello\n")
rc, log = run_to_exit(ARGS + ["--state", cut])
check(rc == 2 and cut in log, "not a state file: exit 2")
rc, log = run_to_exit(ARGS + ["--state", T + "/no/such/dir/state"])
check(rc == 1 and "cannot keep the state" in log, "a --state that cannot be written: exit 1")
check("--state" in subprocess.run([EXSIM, "--help"], capture_output=True, text=True).stdout, "--help mentions --state")

stop(ref)
print("  %d failed" % fails)
sys.exit(1 if fails else 0)
PY
PY=$!
wait "$PY"; RC=$?
PY=
exit $RC
