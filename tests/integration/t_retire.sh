#!/usr/bin/env bash
# stratctl retire: the way forward for an actor whose params changed. Its
# entries stay in the journal (others that knew it rebuild exactly: no
# drift), and its id starts afresh as a new actor.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
probe_topology "$T/t.yaml" run 2000 3 1
sed -i "s/interval_ms: 1,/interval_ms: 1, per_interval: 2,/" "$T/t.yaml"
start_stratd run1 "$T/t.yaml"
check "live" wait_live "$T/run.sock" $PID
check "probes counted all" wait_until 30 all_probes "$T/run.sock" 2000
out=$(ctl -c "$T/t.yaml" retire probe-2 2>&1); rc=$?
check "retire refuses while stratd runs (exit $rc)" [ "$rc" = 1 ]
check "... and says to stop stratd first" grep -q "stop stratd first" <<<"$out"
stop_stratd $PID

sed -i 's/{ id: probe-2, kind: probe, params: { feed: ticks, symbol: BTCUSD } }/{ id: probe-2, kind: probe, params: { feed: ticks, symbol: ETHUSD } }/' "$T/t.yaml"
start_stratd refused "$T/t.yaml"; wait $PID; rc=$?
check "changed params refused (exit $rc)" [ "$rc" = 2 ]
out=$(ctl -c "$T/t.yaml" retire probe-2); rc=$?
check "retire probe-2 (exit $rc)" [ "$rc" = 0 ]
note "$out"
check "config check now lists probe-2 as new" bash -c "'$BIN/stratctl' config check '$T/t.yaml' | grep -q '^new        probe-2'"
start_stratd run2 "$T/t.yaml"
check "restart live" wait_live "$T/run.sock" $PID
check "no drift: the feed's subscriber list rebuilt with the retired actor" bash -c "! grep -q drift '$T/run2.log'"
check "probe-2 started fresh (count 0, the feed is done)" [ "$(stat_of "$T/run.sock" probe-2 count)" = 0 ]
check "probe-1 kept its count" [ "$(stat_of "$T/run.sock" probe-1 count)" = 2000 ]
stop_stratd $PID
start_stratd run3 "$T/t.yaml"
check "another restart: still no drift" wait_live "$T/run.sock" $PID
check "... none logged" bash -c "! grep -q drift '$T/run3.log'"
stop_stratd $PID
finish
