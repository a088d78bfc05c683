#!/usr/bin/env bash
# I3, no phantom orders: a strategy trades steadily through the orders
# service against exsim while stratd is killed (-9) at 5 random moments and
# restarted. At the end the exchange's orders equal the orders in the
# journal, no client order id reached the exchange twice as an order, and
# the strategy's position equals the exchange's position for the account.
. "$(dirname "$0")/lib.sh"
STRATD=$BIN/stratd-test
N=${TICKS:-40000}
start_exsim ex --seed 9 --symbols BTCUSD --ticks "$N" --rate 4000
cat >"$T/t.yaml" <<Y
journal: { path: $T/journal, fsync: always }
control: { socket: $T/ctl.sock }
metrics: { listen: 127.0.0.1:$(free_port) }
services:
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$MD_PORT, symbols: [BTCUSD] } }
  - { id: oms, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: acct-1, max_order_qty: 5, max_position: 20, max_open_orders: 50 } }
strategies:
  - { id: trader, kind: trader, params: { symbol: BTCUSD, every: 25 } }
Y
RANDOM=${SEED:-$$}
for k in 1 2 3 4 5; do
  start_stratd "run$k" "$T/t.yaml"
  wait_live "$T/ctl.sock" $PID || { fail "start $k never live"; cat "$T/run$k.log"; finish; }
  sleep "$((RANDOM % 2)).$((RANDOM % 10))"
  o=$(stat_of "$T/ctl.sock" trader orders)
  kill9 $PID
  note "kill -9 #$k after $o orders"
done
start_stratd final "$T/t.yaml"
check "final start live" wait_live "$T/ctl.sock" $PID
done_trading() {
  [ "$(report_field ex .generator_done)" = true ] &&
  [ "$(stat_of "$T/ctl.sock" oms open_orders)" = 0 ] &&
  [ "$(stat_of "$T/ctl.sock" md last_seq.BTCUSD)" = "$N" ]
}
check "stream done, no open orders" wait_until 60 done_trading
sleep 1   # one more report rewrite
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]

ctl -j "$T/journal" journal dump --json >"$T/dump.jsonl"
# Orders the journal holds: accepted requests (not rejected by the
# pre-trade checks, which answer with a REJECT carrying no session_seq).
# Ids are 63-bit: compared exactly by orders.py, not by jq.
O="python3 $(dirname "$0")/orders.py"
$O requested "$T/dump.jsonl" >"$T/requested.txt"
$O journal "$T/dump.jsonl" >"$T/journal_orders.txt"
$O exchange "$T/ex.report.json" acct-1 >"$T/exchange_orders.txt"
nj=$(wc -l <"$T/journal_orders.txt"); nx=$(wc -l <"$T/exchange_orders.txt")
note "journal: $(wc -l <"$T/requested.txt") requests, $((nj)) orders after local rejects; exchange: $nx orders, $(report_field ex .resends) resends"
check "some orders were traded ($nx)" [ "$nx" -gt 20 ]
check "exchange orders == journal orders" cmp -s "$T/journal_orders.txt" "$T/exchange_orders.txt"
check "no client order id twice at the exchange" [ "$(sort -u "$T/exchange_orders.txt" | wc -l)" = "$nx" ]
check "exchange's order count matches ($(report_field ex .orders))" [ "$(report_field ex .orders)" = "$nx" ]
start_stratd after "$T/t.yaml"
wait_live "$T/ctl.sock" $PID
pos=$(stat_of "$T/ctl.sock" trader position); xpos=$(report_field ex '.accounts["acct-1"].BTCUSD')
check "strategy position $pos == exchange position $xpos" [ "$pos" = "$xpos" ]
check "orders service position agrees" [ "$(stat_of "$T/ctl.sock" oms positions.BTCUSD)" = "$xpos" ]
stop_stratd $PID
finish
