#!/usr/bin/env bash
# Every strategy kind against exsim: a clean restart rebuilds each to the
# digest it had at the stop (stratd's drift check compares, and refuses to
# start on a mismatch); after a kill -9 and restart, each strategy's
# position equals the exchange's position for its account.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
N=${TICKS:-16000}
start_exsim ex --seed 21 --symbols BTCUSD,ETHUSD --ticks "$N" --rate 2000
trading_topology "$T/t.yaml" interval acct 30 5 10 100
start_stratd run1 "$T/t.yaml"
check "live" wait_live "$T/ctl.sock" $PID || { cat "$T/run1.log"; finish; }
sleep 2.5
for k in sma mm pairs twap; do
  check "$k handled messages" [ "$(actors_json "$T/ctl.sock" | jq --arg k "$k" '.[] | select(.id == $k) | .handled')" -gt 10 ]
done
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]
start_stratd run2 "$T/t.yaml"
check "restart after a clean stop goes live (the drift check passed)" wait_live "$T/ctl.sock" $PID
check "no replay drift for any kind" bash -c "! grep -q 'replay drift' '$T/run2.log'"
grep rebuilt "$T/run2.log" | sed 's/^/  /'
sleep "1.$((RANDOM % 9))"
kill9 $PID
start_stratd run3 "$T/t.yaml"
check "restart after kill -9 goes live" wait_live "$T/ctl.sock" $PID

quiet() {   # the stream is over and nothing has filled for a while
  [ "$(report_field ex .generator_done)" = true ] || return 1
  local f1 f2; f1=$(report_field ex .fills); sleep 1.5; f2=$(report_field ex .fills)
  [ "$f1" = "$f2" ] && [ "$(stat_of "$T/ctl.sock" md 'last_seq.BTCUSD')" -gt 0 ]
}
check "trading settles after the stream" wait_until 90 quiet
sleep 0.6
acts=$(actors_json "$T/ctl.sock")
pos() { jq -r --arg id "$1" --arg s "$2" '.[] | select(.id == $id) | .stats.position | if type == "object" then (.[$s] // 0) else . end' <<<"$acts"; }
xpos() { report_field ex ".accounts[\"$1\"].$2 // 0"; }
for c in "sma acct-sma BTCUSD" "mm acct-mm ETHUSD" "pairs acct-pairs BTCUSD" "pairs acct-pairs ETHUSD" "twap acct-twap BTCUSD"; do
  set -- $c
  check "$1: position $2/$3 $(pos "$1" "$3") == exchange $(xpos "$2" "$3")" [ "$(pos "$1" "$3")" = "$(xpos "$2" "$3")" ]
done
check "twap filled exactly its 30" [ "$(pos twap BTCUSD)" = 30 ]
note "fills at the exchange: $(report_field ex .fills), orders: $(report_field ex .orders)"
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]
finish
