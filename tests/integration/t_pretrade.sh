#!/usr/bin/env bash
# Pre-trade checks: an order over max_order_qty, or one that could take the
# position past max_position, is rejected before it leaves the process, and
# the strategy receives the reject.
. "$(dirname "$0")/lib.sh"
STRATD=$BIN/stratd-test
start_exsim ex --seed 4 --symbols ETHUSD --ticks 3000 --rate 2000
cat >"$T/t.yaml" <<Y
journal: { path: $T/journal }
control: { socket: $T/ctl.sock }
metrics: { listen: 127.0.0.1:$(free_port) }
services:
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$MD_PORT, symbols: [ETHUSD] } }
  - { id: oms, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: acct-p, max_order_qty: 2, max_position: 3 } }
strategies:
  - { id: trader, kind: trader, params: { symbol: ETHUSD, every: 10 } }
Y
start_stratd run "$T/t.yaml"
check "live" wait_live "$T/ctl.sock" $PID
check "stream done" wait_until 30 eval '[ "$(stat_of "$T/ctl.sock" md last_seq.ETHUSD)" = 3000 ]'
sleep 1
stop_stratd $PID
ctl -j "$T/journal" journal dump --json >"$T/dump.jsonl"
local_rejects() { jq -s --arg r "$1" '[.[] | select(.msg.order_event.kind == "REJECT" and .msg.order_event.session_seq == 0 and (.msg.order_event.reason | test($r)))] | length' "$T/dump.jsonl"; }
nq=$(local_rejects "exceeds max_order_qty 2"); np=$(local_rejects "max_position is 3")
check "orders over max_order_qty rejected ($nq)" [ "$nq" -gt 0 ]
check "orders breaching max_position rejected ($np)" [ "$np" -gt 0 ]
check "every reject went to the strategy" [ "$(jq -s '[.[] | select(.msg.order_event.kind == "REJECT" and .msg.order_event.session_seq == 0) | select(.receivers != ["trader"])] | length' "$T/dump.jsonl")" = 0 ]
O="python3 $(dirname "$0")/orders.py"   # exact 63-bit ids
$O requested "$T/dump.jsonl" --qty-over 2 >"$T/big.txt"
$O exchange "$T/ex.report.json" acct-p >"$T/exchange.txt"
leaked=$(comm -12 <(sort "$T/big.txt") <(sort "$T/exchange.txt") | wc -l)
check "none of the $(wc -l <"$T/big.txt") oversized orders reached the exchange" [ "$leaked" = 0 ]
start_stratd again "$T/t.yaml"
wait_live "$T/ctl.sock" $PID
check "the strategy counted the rejects" [ "$(stat_of "$T/ctl.sock" trader rejects)" = "$((nq + np))" ]
pos=$(stat_of "$T/ctl.sock" trader position)
check "position within the limit ($pos)" [ "${pos#-}" -le 3 ]
stop_stratd $PID
finish
