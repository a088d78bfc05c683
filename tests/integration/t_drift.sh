#!/usr/bin/env bash
# Replay drift is never silent: a test-only strategy whose handler reads an
# environment variable is rebuilt with another value; the restart names it
# and fails (exit 1) unless started with --accept-drift.
. "$(dirname "$0")/lib.sh"
STRATD=$BIN/stratd-test
cat >"$T/t.yaml" <<Y
journal: { path: $T/journal }
control: { socket: $T/ctl.sock }
services:
  - { id: clock, kind: timer }
  - { id: ticks, kind: synthetic_feed, params: { symbols: [ETHUSD], interval_ms: 0, count: 300 } }
strategies:
  - { id: honest, kind: probe, params: { symbol: ETHUSD } }
  - { id: shifty, kind: drifter, params: { symbol: ETHUSD } }
Y
STRATD_TEST_DRIFT=one start_stratd run1 "$T/t.yaml"
check "first run live" wait_live "$T/ctl.sock" $PID
check "drifter sees 300 ticks" wait_until 30 eval '[ "$(stat_of "$T/ctl.sock" shifty ticks)" = 300 ]'
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]

STRATD_TEST_DRIFT=one start_stratd same "$T/t.yaml"
check "same environment: restart goes live" wait_live "$T/ctl.sock" $PID
stop_stratd $PID
check "no drift reported when nothing changed" bash -c "! grep -q drift '$T/same.log'"

STRATD_TEST_DRIFT=two start_stratd run2 "$T/t.yaml"
wait $PID; rc=$?
check "changed environment: start refused with exit 1 (got $rc)" [ "$rc" = 1 ]
check "the drifting actor is named" grep -q "replay drift: actor 'shifty' (drifter)" "$T/run2.log"
check "the deterministic actor is not" bash -c "! grep -q \"actor 'honest'\" '$T/run2.log'"
check "the operator is told about --accept-drift" grep -q -- "--accept-drift" "$T/run2.log"

STRATD_TEST_DRIFT=two start_stratd run3 "$T/t.yaml" --accept-drift
check "--accept-drift: goes live" wait_live "$T/ctl.sock" $PID
check "--accept-drift: drift still logged" grep -q "replay drift: actor 'shifty'" "$T/run3.log"
stop_stratd $PID
check "clean stop after accepting" [ "$RC" = 0 ]
STRATD_TEST_DRIFT=two start_stratd run4 "$T/t.yaml"
check "accepted state is the new baseline" wait_live "$T/ctl.sock" $PID
stop_stratd $PID
finish
