#!/usr/bin/env bash
# A message journaled but not yet handled when the process dies is handled
# exactly once after the restart, with its sends enabled.
#
# kicker sends a Poke to relay on a timer; the test build kills the process
# (SIGKILL) right after the batch holding that Poke is committed, before
# relay handles it. After the restart relay must handle it live (pokes = 1)
# and its own send must reach sink (pokes = 1, sum = 2), and further restarts
# must not handle it again.
. "$(dirname "$0")/lib.sh"
STRATD=$BIN/stratd-test
cat >"$T/t.yaml" <<Y
journal: { path: $T/journal, fsync: always }
control: { socket: $T/ctl.sock }
services:
  - { id: clock, kind: timer }
strategies:
  - { id: kick, kind: kicker, params: { target: relay, delay_ms: 100 } }
  - { id: relay, kind: relay, params: { sink: sink } }
  - { id: sink, kind: sink }
Y
STRATD_TEST_CRASH_AFTER_COMMIT=1 start_stratd crash "$T/t.yaml"
wait $PID; rc=$?
check "the test hook killed stratd after the commit (exit $rc = 128+9)" [ "$rc" = 137 ]
n=$(ctl -j "$T/journal" journal dump --actor relay | jq -s '[.[] | select(.msg.poke != null)] | length')
check "the Poke to relay is in the journal ($n)" [ "$n" = 1 ]
n=$(ctl -j "$T/journal" journal dump --actor sink | jq -s '[.[] | select(.msg.poke != null)] | length')
check "nothing reached sink before the crash ($n)" [ "$n" = 0 ]

start_stratd run2 "$T/t.yaml"
check "restart goes live" wait_live "$T/ctl.sock" $PID
check "rebuild kept the pending entry for relay" [ "$(status_field "$T/ctl.sock" .rebuild.pending)" -ge 1 ]
check "relay handled the Poke once" wait_until 10 eval '[ "$(stat_of "$T/ctl.sock" relay pokes)" = 1 ]'
check "relay's send was enabled: sink got value 2" wait_until 10 eval '[ "$(stat_of "$T/ctl.sock" sink sum)" = 2 ]'
check "kicker fired once" [ "$(stat_of "$T/ctl.sock" kick fired)" = 1 ]
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]

start_stratd run3 "$T/t.yaml"
check "third start goes live" wait_live "$T/ctl.sock" $PID
sleep 0.3
check "still exactly once: relay 1, sink 1" [ "$(stat_of "$T/ctl.sock" relay pokes)/$(stat_of "$T/ctl.sock" sink pokes)" = 1/1 ]
n=$(ctl -j "$T/journal" journal dump --actor sink | jq -s '[.[] | select(.msg.poke != null)] | length')
check "one Poke to sink in the journal ($n)" [ "$n" = 1 ]
stop_stratd $PID
finish
