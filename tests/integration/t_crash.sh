#!/usr/bin/env bash
# I2 across crashes: timer + synthetic_feed (50000 ticks at 10 per ms) + 20
# probes; kill -9 at 5 random moments while the feed runs, restarting each
# time; at the end every probe has count 50000, no gaps, no dups, and the
# hash of an uninterrupted run.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
N=${TICKS:-50000}

# The uninterrupted reference (same seed; the tick stream does not depend
# on timing, so interval 0 gives the same ticks faster).
probe_topology "$T/ref.yaml" ref "$N" 1 0
start_stratd ref "$T/ref.yaml"
wait_live "$T/ref.sock" $PID && wait_until 60 all_probes "$T/ref.sock" "$N"
ref=$(stat_of "$T/ref.sock" probe-1 hash)
stop_stratd $PID
check "reference run: hash $ref" [ -n "$ref" ]
check "reference run: the hash is not null" [ "$ref" != null ]

probe_topology "$T/t.yaml" run "$N" 20 1
sed -i "s/interval_ms: 1,/interval_ms: 1, per_interval: 10,/" "$T/t.yaml"
RANDOM=${SEED:-$$}
for k in 1 2 3 4 5; do
  start_stratd "run$k" "$T/t.yaml"
  if ! wait_live "$T/run.sock" $PID; then fail "start $k never live"; cat "$T/run$k.log"; finish; fi
  sleep "0.$((2 + RANDOM % 7))$((RANDOM % 10))"
  pub=$(stat_of "$T/run.sock" ticks published)
  kill9 $PID
  note "kill -9 #$k at published=$pub"
  [ "${pub:-0}" -lt "$N" ] || note "(the feed had finished before this kill)"
done
start_stratd final "$T/t.yaml"
check "final start goes live" wait_live "$T/run.sock" $PID
check "every probe reaches $N" wait_until 60 all_probes "$T/run.sock" "$N"
acts=$(actors_json "$T/run.sock")
bad=$(jq --arg h "$ref" --argjson n "$N" '[.[] | select(.kind == "probe") |
      select(.stats.count != $n or .stats.gaps != 0 or .stats.dups != 0 or .stats.hash != $h) | .id]' <<<"$acts")
check "all 20 probes: count $N, gaps 0, dups 0, hash $ref" [ "$bad" = "[]" ]
[ "$bad" = "[]" ] || jq -c '.[] | select(.kind == "probe") | {id, stats}' <<<"$acts" | head -5
grep -h "rebuilt" "$T"/run*.log "$T/final.log" | sed 's/^/  /'
stop_stratd $PID
check "SIGTERM exits 0" [ "$RC" = 0 ]
finish
