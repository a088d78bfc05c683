#!/usr/bin/env bash
# make run's demo (tools/run-demo.sh: exsim + stratd on config/demo.yaml):
# trading shows within 10 s of a fresh start; stopped and started again, it
# shows the rebuild line and goes on trading from the same state, and the
# exchange (which keeps its state too) agrees on the positions.
. "$(dirname "$0")/lib.sh"
sed -e "s|127.0.0.1:7001|127.0.0.1:$(free_port)|; s|127.0.0.1:7002|127.0.0.1:$(free_port)|" \
    -e "s|127.0.0.1:9464|127.0.0.1:$(free_port)|; s|build/demo/|$T/demo/|g" \
    "$ROOT/config/demo.yaml" >"$T/demo.yaml"
demo() {   # demo NAME: run the demo until a fill shows or 15 s pass, then stop it
  CONFIG="$T/demo.yaml" "$ROOT/tools/run-demo.sh" >"$T/$1.out" 2>&1 &
  local pid=$! t0; t0=$(now_s)
  PIDS+=("$pid")
  wait_until 15 grep -q "filled" "$T/$1.out"
  FIRST_FILL=$(elapsed "$t0")
  wait_until 10 grep -q "^ID  *KIND  *HANDLED" "$T/$1.out"   # the status table
  kill -TERM $pid; wait $pid; DEMO_RC=$?
}
demo run1
check "fresh start: trading within 10 s (first fill after $FIRST_FILL s)" python3 -c "import sys; sys.exit(not float('$FIRST_FILL') < 10)"
check "fresh start: a status table was shown" grep -q "^ID  *KIND  *HANDLED" "$T/run1.out"
check "Ctrl-C (TERM) stops both cleanly (exit $DEMO_RC)" [ "$DEMO_RC" = 0 ]
check "the exchange saved its state" [ -s "$T/demo/exsim.state" ]
n1=$(grep -c filled "$T/run1.out")
demo run2
check "second start shows the rebuild line" grep -q "rebuilt 9 actors, [0-9]* messages" "$T/run2.out"
check "... resumes trading within 10 s (first fill after $FIRST_FILL s)" python3 -c "import sys; sys.exit(not float('$FIRST_FILL') < 10)"
check "no exchange session reset (the exchange remembered)" bash -c "! grep -q 'restarted its session' '$T/run2.out'"
check "no drift" bash -c "! grep -q 'replay drift' '$T/run2.out'"
note "fills shown: $n1 in the first run, $(grep -c filled "$T/run2.out") in the second"
# Positions: resting orders may fill at the exchange after stratd stopped
# (it learns of those fills at its next logon), so compare after one more
# logon, with an exchange that publishes nothing more (--ticks at what it
# already published) so that nothing moves while we look.
n=$(jq .ticks_published "$T/demo/exsim.json")
md=$(sed -nE 's/.*kind: feed,.*connect: 127.0.0.1:([0-9]+).*/\1/p' "$T/demo.yaml")
op=$(sed -nE 's/.*connect: 127.0.0.1:([0-9]+), account.*/\1/p' "$T/demo.yaml")
"$BIN/exsim" --md-port "$md" --order-port "$op" --seed 42 --symbols BTCUSD,ETHUSD --rate 200 \
  --ticks "$n" --state "$T/demo/exsim.state" --report "$T/final.json" 2>"$T/final.exsim.log" &
ex=$!; PIDS+=("$ex")
wait_until 10 grep -q listening "$T/final.exsim.log"
"$BIN/stratd" -c "$T/demo.yaml" >"$T/check.log" 2>&1 &
pid=$!; PIDS+=("$pid")
wait_live "$T/demo/stratd.sock" $pid
check "logged on again" wait_until 10 eval '[ "$(stat_of "$T/demo/stratd.sock" oms connection)" = "logged on" ]'
sleep 1.5   # resent reports journaled; the report file rewritten
ours=$(stat_of "$T/demo/stratd.sock" oms positions | jq -cS 'with_entries(select(.value != 0))')
theirs=$(jq -cS '.accounts.demo | with_entries(select(.value != 0))' "$T/final.json")
check "positions agree with the exchange ($ours vs $theirs)" [ "$ours" = "$theirs" ]
stop_stratd $pid
kill -TERM $ex; wait $ex
finish
