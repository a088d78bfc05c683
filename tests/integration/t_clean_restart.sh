#!/usr/bin/env bash
# I1 over a clean restart: timer + synthetic_feed (50000 ticks) + 20 probes
# run until the feed is done; SIGTERM; restart; every actor's digest after
# the rebuild equals its digest before the stop, and the rebuild is logged.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
N=${TICKS:-50000}
probe_topology "$T/t.yaml" run "$N" 20
start_stratd run1 "$T/t.yaml"
check "first start goes live" wait_live "$T/run.sock" $PID
t0=$(now_s)
check "all 20 probes see $N ticks" wait_until 120 all_probes "$T/run.sock" "$N"
note "feed done in $(elapsed "$t0") s"
before=$(digests "$T/run.sock")
stop_stratd $PID
check "SIGTERM exits 0 (got $RC)" [ "$RC" = 0 ]
start_stratd run2 "$T/t.yaml"
check "restart goes live" wait_live "$T/run.sock" $PID
after=$(digests "$T/run.sock")
check "digests after rebuild equal digests at stop" [ "$before" = "$after" ]
check "22 actors compared" [ "$(jq length <<<"$after")" = 22 ]
check "rebuild summary logged" grep -q "rebuilt 22 actors, [0-9]* messages" "$T/run2.log"
msgs=$(status_field "$T/run.sock" .rebuild.messages)
check "rebuild replayed >= 20*$N messages ($msgs)" [ "${msgs:-0}" -ge $((20 * N)) ]
check "no drift reported" bash -c "! grep -q drift '$T/run2.log'"
grep "rebuilt" "$T/run2.log" | sed 's/^/  /'
stop_stratd $PID
check "second SIGTERM exits 0" [ "$RC" = 0 ]
finish
