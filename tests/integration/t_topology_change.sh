#!/usr/bin/env bash
# Adding a strategy: a new probe in the YAML starts fresh (Start delivered
# live) while the others rebuild. Changing an existing actor's params is
# refused with exit 2, naming the actor and the key. Removing one warns.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
probe_topology "$T/t.yaml" run 0 3 5      # an endless feed, a tick per 5 ms
start_stratd run1 "$T/t.yaml"
check "first start live" wait_live "$T/run.sock" $PID
check "probes count ticks" wait_until 20 eval '[ "$(stat_of "$T/run.sock" probe-3 count)" -ge 50 ]'
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]

echo "  - { id: probe-new, kind: probe, params: { feed: ticks, symbol: BTCUSD } }" >>"$T/t.yaml"
out=$("$BIN/stratd" -c "$T/t.yaml" --check 2>&1); rc=$?
check "--check accepts the new actor (exit $rc)" [ "$rc" = 0 ]
check "--check lists probe-new as new" grep -q "^new .*probe-new" <<<"$out"
check "--check lists probe-1 as unchanged" grep -q "^unchanged .*probe-1" <<<"$out"
start_stratd run2 "$T/t.yaml"
check "restart with a new probe goes live" wait_live "$T/run.sock" $PID
check "the log says one actor is new" grep -q "live: 6 actors (1 new)" "$T/run2.log"
check "the others were rebuilt (no drift)" bash -c "grep -q 'rebuilt 6 actors' '$T/run2.log' && ! grep -q drift '$T/run2.log'"
check "probe-new starts counting from its Start" wait_until 20 eval '[ "$(stat_of "$T/run.sock" probe-new count)" -ge 20 ]'
old=$(stat_of "$T/run.sock" probe-1 count); new=$(stat_of "$T/run.sock" probe-new count)
check "probe-1 kept its history ($old > $new)" [ "$old" -gt "$new" ]
check "probe-new joined mid-stream without gaps" [ "$(stat_of "$T/run.sock" probe-new gaps)" = 0 ]
stop_stratd $PID

sed -i 's/{ id: probe-2, kind: probe, params: { feed: ticks, symbol: BTCUSD } }/{ id: probe-2, kind: probe, params: { feed: ticks, symbol: ETHUSD } }/' "$T/t.yaml"
start_stratd changed "$T/t.yaml"
wait $PID; rc=$?
check "changed params: exit 2 (got $rc)" [ "$rc" = 2 ]
check "names the actor and the key" grep -q "actor 'probe-2' (probe): params changed .*(symbol)" "$T/changed.log"
check "points at the YAML line" grep -q "t.yaml:9:5:" "$T/changed.log"
out=$("$BIN/stratd" -c "$T/t.yaml" --check 2>&1); rc=$?
check "--check refuses it too (exit $rc)" [ "$rc" = 2 ]

sed -i '/id: probe-2,/d' "$T/t.yaml"
start_stratd removed "$T/t.yaml"
check "with probe-2 removed the start goes on" wait_live "$T/run.sock" $PID
check "and warns that its entries stay" grep -q "actor 'probe-2' (probe) is in the journal but not in" "$T/removed.log"
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]
finish
