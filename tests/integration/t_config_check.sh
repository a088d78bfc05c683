#!/usr/bin/env bash
# stratctl config check (and stratd --check) tell, before a restart, which
# actors are new, unchanged, changed (refused, with the keys) and removed,
# while the daemon runs (the journal is read read-only).
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
probe_topology "$T/t.yaml" run 0 3 5
start_stratd run "$T/t.yaml"
check "live" wait_live "$T/run.sock" $PID
sleep 0.3
sed -e 's/{ id: probe-2, kind: probe, params: { feed: ticks, symbol: BTCUSD } }/{ id: probe-2, kind: probe, params: { feed: ticks, symbol: ETHUSD } }/' \
    -e '/id: probe-3,/d' "$T/t.yaml" >"$T/next.yaml"
echo "  - { id: probe-4, kind: probe, params: { feed: ticks, symbol: BTCUSD } }" >>"$T/next.yaml"
out=$(ctl config check "$T/next.yaml" 2>"$T/err"); rc=$?
echo "$out" | sed 's/^/  | /'
check "exit 2: a start would be refused (got $rc)" [ "$rc" = 2 ]
check "probe-1 unchanged" grep -q "^unchanged  probe-1 (probe)$" <<<"$out"
check "probe-2 changed, key symbol" grep -q "^changed    probe-2 (probe): params changed: symbol$" <<<"$out"
check "probe-3 removed" grep -q "^removed    probe-3 (probe)" <<<"$out"
check "probe-4 new" grep -q "^new        probe-4 (probe)$" <<<"$out"
check "the refusal names file, line and column" grep -q "next.yaml:9:5: actor 'probe-2' (probe): params changed" "$T/err"
out2=$("$BIN/stratd" -c "$T/next.yaml" --check 2>/dev/null); rc=$?
check "stratd --check exits 2 (got $rc)" [ "$rc" = 2 ]
check "stratd --check prints what stratctl config check prints" [ "$out" = "$out2" ]
sed -i 's/symbol: ETHUSD/symbol: BTCUSD/' "$T/next.yaml"
out=$(ctl config check "$T/next.yaml" 2>&1); rc=$?
check "without the change: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... and says ok" grep -q "ok, 5 actors, journal compatible" <<<"$out"
check "the daemon kept running" [ "$(status_field "$T/run.sock" .phase)" = live ]
stop_stratd $PID
finish
