#!/usr/bin/env bash
# Reconciliation: an order accepted and committed in the journal whose bytes
# never left (the process is killed right after the commit, before the
# orders service releases it) is sent after the restart — once — and the
# positions of strategy and exchange agree.
. "$(dirname "$0")/lib.sh"
STRATD=$BIN/stratd-test
start_exsim ex --seed 13 --symbols BTCUSD --ticks 4000 --rate 2000
cat >"$T/t.yaml" <<Y
journal: { path: $T/journal, fsync: always }
control: { socket: $T/ctl.sock }
metrics: { listen: 127.0.0.1:$(free_port) }
services:
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$MD_PORT, symbols: [BTCUSD] } }
  - { id: oms, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: acct-r, max_position: 50 } }
strategies:
  - { id: trader, kind: trader, params: { symbol: BTCUSD, every: 10 } }
Y
STRATD_TEST_CRASH_BEFORE_SEND=5 start_stratd crash "$T/t.yaml"
wait $PID 2>/dev/null; rc=$?
check "killed as order 5, committed, was about to leave (exit $rc)" [ "$rc" = 137 ]
O="python3 $(dirname "$0")/orders.py"   # exact 63-bit ids
ctl -j "$T/journal" journal dump --json --actor oms >"$T/dump.jsonl"
coid=$($O nth "$T/dump.jsonl" 5)
check "order 5 is in the journal (client order id $coid)" [ -n "$coid" ]
sleep 0.7   # a report rewrite
at_exchange() { $O exchange "$T/ex.report.json" acct-r | grep -cx "$coid"; }
check "... and never reached the exchange" [ "$(at_exchange)" = 0 ]
start_stratd run2 "$T/t.yaml"
check "restart live" wait_live "$T/ctl.sock" $PID
check "order 5 reaches the exchange after the restart, once" wait_until 10 eval '[ "$(at_exchange)" = 1 ]'
check "the orders service counts it as sent again" [ "$(stat_of "$T/ctl.sock" oms resent)" -ge 1 ]
check "stream done" wait_until 30 eval '[ "$(report_field ex .generator_done)" = true ] && [ "$(stat_of "$T/ctl.sock" oms open_orders)" = 0 ]'
sleep 1
n=$($O exchange "$T/ex.report.json" acct-r | wc -l); u=$($O exchange "$T/ex.report.json" acct-r | sort -u | wc -l)
check "no id twice at the exchange ($n orders)" [ "$n" = "$u" ]
pos=$(stat_of "$T/ctl.sock" trader position); xpos=$(report_field ex '.accounts["acct-r"].BTCUSD')
check "strategy position $pos == exchange position $xpos" [ "$pos" = "$xpos" ]
stop_stratd $PID
finish
