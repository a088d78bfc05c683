"""orders.py — exact client order id lists for the order tests.

Client order ids use 63 bits, more than a JSON number keeps exactly in jq
(doubles), so the tests compare them here, with Python's exact integers.

  orders.py requested DUMP [--qty-over Q]  ids of every order request
  orders.py journal DUMP                   ids the journal says left: requests
                                           minus those rejected before leaving
  orders.py exchange REPORT ACCOUNT        ids exsim received for ACCOUNT
  orders.py nth DUMP N                     id of the Nth order accepted (not
                                           rejected before leaving), 1-based
Each prints one id per line, sorted (nth: the one id).
DUMP is `stratctl journal dump --json` output; REPORT is exsim's --report.
"""
import json, sys

def entries(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

def requested(path, qty_over=None):
    return [e["client_order_id"] for e in entries(path) if "order_request" in e["msg"]
            and (qty_over is None or e["msg"]["order_request"]["qty"] > qty_over)]

def local_rejects(path):
    return {e["msg"]["order_event"]["client_order_id"] for e in entries(path)
            if "order_event" in e["msg"] and e["msg"]["order_event"]["kind"] == "REJECT"
            and e["msg"]["order_event"]["session_seq"] == 0}

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "requested":
    out = sorted(requested(args[0], int(args[2]) if len(args) > 2 else None))
elif cmd == "journal":
    rej = local_rejects(args[0])
    out = sorted(i for i in requested(args[0]) if i not in rej)
elif cmd == "exchange":
    with open(args[0]) as f:
        out = sorted(json.load(f).get("order_ids", {}).get(args[1], []))
elif cmd == "nth":
    rej = local_rejects(args[0])
    out = [[i for i in requested(args[0]) if i not in rej][int(args[1]) - 1]]
else:
    sys.exit("orders.py: unknown command " + cmd)
print("\n".join(str(i) for i in out))
