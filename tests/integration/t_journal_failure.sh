#!/usr/bin/env bash
# A journal write failure is sticky: stratd stops handling, logs the failing
# call and its reason once, exits 1, and loses nothing committed: the next
# start rebuilds and the probes finish without gaps or duplicates.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
STRATD=$BIN/stratd-test
N=20000
probe_topology "$T/t.yaml" run "$N" 5 1
sed -i "s/interval_ms: 1,/interval_ms: 1, per_interval: 20,/" "$T/t.yaml"
STRATD_TEST_FAIL_COMMIT_AFTER=40 start_stratd fail "$T/t.yaml"
wait $PID; rc=$?
check "exit 1 after the write failure (got $rc)" [ "$rc" = 1 ]
check "the failing call and reason are logged" grep -q "rocksdb_write: IO error: injected fault" "$T/fail.log"
check "... once" [ "$(grep -c 'rocksdb_write:' "$T/fail.log")" = 1 ]
check "no clean-stop claim after the failure" bash -c "! grep -q 'stopped cleanly' '$T/fail.log'"
start_stratd again "$T/t.yaml"
check "restart rebuilds and goes live" wait_live "$T/run.sock" $PID
check "probes finish" wait_until 60 all_probes "$T/run.sock" "$N"
bad=$(actors_json "$T/run.sock" | jq '[.[] | select(.kind == "probe") | select(.stats.gaps != 0 or .stats.dups != 0)] | length')
check "no gaps, no dups after the failure" [ "$bad" = 0 ]
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]
finish
