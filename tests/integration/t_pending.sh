#!/usr/bin/env bash
# Messages journaled but not yet handled when the process dies are handled
# exactly once after the restart, with their sends enabled.
#
# kicker sends 20000 Pokes to relay at once (one batch); a loop iteration
# handles at most a few thousand messages before its commit, and the test
# build kills the process (SIGKILL) right after that commit: most Pokes are
# journaled and unhandled. After the restart relay must handle every Poke
# exactly once, live, and its own sends must reach sink: sink ends with
# 20000 Pokes whose values (value + 1) sum to 20000*20001/2 + 20000.
# Further restarts must not handle anything again.
. "$(dirname "$0")/lib.sh"
STRATD=$BIN/stratd-test
N=20000
SUM=$((N * (N + 1) / 2))
cat >"$T/t.yaml" <<Y
journal: { path: $T/journal, fsync: always }
control: { socket: $T/ctl.sock }
services:
  - { id: clock, kind: timer }
strategies:
  - { id: kick, kind: kicker, params: { target: relay, delay_ms: 100, count: $N } }
  - { id: relay, kind: relay, params: { sink: sink } }
  - { id: sink, kind: sink }
Y
STRATD_TEST_CRASH_AFTER_COMMIT=1 start_stratd crash "$T/t.yaml"
wait $PID 2>/dev/null; rc=$?
check "the test hook killed stratd after the commit (exit $rc = 128+9)" [ "$rc" = 137 ]
n=$(ctl -j "$T/journal" journal dump --json --actor relay | jq -s '[.[] | select(.msg.poke != null)] | length')
check "all $N Pokes to relay are in the journal ($n)" [ "$n" = "$N" ]
before=$(ctl -j "$T/journal" journal dump --json --actor sink | jq -s '[.[] | select(.msg.poke != null)] | length')
check "relay had passed on only part of them before the crash ($before)" [ "$before" -lt "$N" ]

start_stratd run2 "$T/t.yaml"
check "restart goes live" wait_live "$T/ctl.sock" $PID
pending=$(status_field "$T/ctl.sock" .rebuild.pending)
check "rebuild kept the unhandled entries for relay ($pending)" [ "$pending" -ge $((N - before)) ]
check "relay handled every Poke once" wait_until 20 eval '[ "$(stat_of "$T/ctl.sock" relay pokes)" = "$N" ]'
check "relay's values sum exactly" [ "$(stat_of "$T/ctl.sock" relay sum)" = "$SUM" ]
check "relay's sends were enabled: sink got all of them" wait_until 20 eval '[ "$(stat_of "$T/ctl.sock" sink pokes)" = "$N" ]'
check "sink's values sum exactly" [ "$(stat_of "$T/ctl.sock" sink sum)" = "$((SUM + N))" ]
check "kicker fired once" [ "$(stat_of "$T/ctl.sock" kick fired)" = 1 ]
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]

start_stratd run3 "$T/t.yaml"
check "third start goes live" wait_live "$T/ctl.sock" $PID
sleep 0.3
check "still exactly once" [ "$(stat_of "$T/ctl.sock" relay pokes)/$(stat_of "$T/ctl.sock" sink pokes)" = "$N/$N" ]
n=$(ctl -j "$T/journal" journal dump --json --actor sink | jq -s '[.[] | select(.msg.poke != null)] | length')
check "$N Pokes to sink in the journal ($n)" [ "$n" = "$N" ]
stop_stratd $PID
finish
