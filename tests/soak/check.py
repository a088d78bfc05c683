"""check.py — the soak's end checks on I3 (and the figures it prints).

  check.py DUMP REPORT ACTORS_JSON PLAN

DUMP: `stratctl journal dump --json` (one entry a line); REPORT: exsim's
--report; ACTORS_JSON: `stratctl actors --json` taken after the run
settled; PLAN: one line per trading strategy, "STRATEGY ORDERS ACCOUNT
SYMBOL[,SYMBOL]".

Checks, each mismatch printed on one "MISMATCH" line with its details:
  - every client order id the exchange received (all accounts) is an
    accepted order request in the journal (not rejected before leaving),
    and every accepted request reached the exchange;
  - no client order id twice: in the journal's requests, or among the
    exchange's orders;
  - each strategy's position, and its orders service's position, equal the
    exchange's position of the account, symbol by symbol.
Client order ids use 63 bits: compared here with Python's exact integers,
not in jq. Exit status 0 when nothing mismatched, 1 otherwise.
"""
import collections, json, sys

dump_path, report_path, actors_path, plan_path = sys.argv[1:5]
mismatches = 0


def mismatch(what):
    global mismatches
    mismatches += 1
    print("  MISMATCH  " + what)


with open(dump_path) as f:
    entries = [json.loads(line) for line in f if line.strip()]
with open(report_path) as f:
    report = json.load(f)
with open(actors_path) as f:
    actors = {a["id"]: a for a in json.load(f)}

requests = [e for e in entries if "order_request" in e["msg"]]
local_rejects = {e["msg"]["order_event"]["client_order_id"] for e in entries
                 if "order_event" in e["msg"]
                 and e["msg"]["order_event"]["kind"] == "REJECT"
                 and e["msg"]["order_event"]["session_seq"] == 0}
req_ids = [e["client_order_id"] for e in requests]
accepted = {i for i in req_ids if i not in local_rejects}

for i, n in collections.Counter(req_ids).items():
    if n > 1:
        lsns = [e.get("lsn") for e in requests if e["client_order_id"] == i]
        mismatch("client order id %d requested %d times in the journal (lsns %s)" % (i, n, lsns))

exchange = collections.Counter()
for acct, ids in report.get("order_ids", {}).items():
    exchange.update(ids)
for i, n in exchange.items():
    if n > 1:
        mismatch("client order id %d reached the exchange %d times" % (i, n))
for i in sorted(set(exchange) - accepted):
    mismatch("exchange order %d is not an accepted request in the journal%s" %
             (i, " (it was rejected locally)" if i in local_rejects else ""))
for i in sorted(accepted - set(exchange)):
    mismatch("journal order %d never reached the exchange" % i)


def strategy_position(stats, sym):
    pos = stats.get("position")
    if isinstance(pos, dict):
        return pos.get(sym, 0)
    return pos if pos is not None else 0


checked = 0
with open(plan_path) as f:
    for line in f:
        if not line.strip():
            continue
        sid, oms, acct, syms = line.split()
        for sym in syms.split(","):
            xpos = report.get("accounts", {}).get(acct, {}).get(sym, 0)
            if sid not in actors or oms not in actors:
                mismatch("actor %s or %s missing from the actors list" % (sid, oms))
                continue
            spos = strategy_position(actors[sid].get("stats", {}), sym)
            opos = actors[oms].get("stats", {}).get("positions", {}).get(sym, 0)
            if spos != xpos:
                mismatch("%s position %s %s != exchange %s/%s %s" % (sid, sym, spos, acct, sym, xpos))
            if opos != xpos:
                mismatch("%s position %s %s != exchange %s/%s %s" % (oms, sym, opos, acct, sym, xpos))
            checked += 1
            print("  %-6s %-10s %-7s position %5d  (%s %d, exchange %d)" %
                  (sid, acct, sym, spos, oms, opos, xpos))

print("  journal: %d order requests, %d rejected before leaving, %d accepted; "
      "exchange: %d orders" % (len(req_ids), len(local_rejects), len(accepted),
                               sum(exchange.values())))
if checked == 0:
    mismatch("no position was compared (empty plan)")
sys.exit(1 if mismatches else 0)
