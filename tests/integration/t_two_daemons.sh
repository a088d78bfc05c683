#!/usr/bin/env bash
# A second stratd on a journal that one already runs on is refused (exit 1,
# saying why) and leaves the first one, its socket and its journal alone.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
probe_topology "$T/t.yaml" run 0 1 5
start_stratd first "$T/t.yaml"
first=$PID
check "first live" wait_live "$T/run.sock" $first
start_stratd second "$T/t.yaml"
wait $PID; rc=$?
check "second refused with exit 1 ($rc)" [ "$rc" = 1 ]
check "... naming the lock and the reason" grep -q "rocksdb_open: .*lock.*(another stratd, or stratctl retire, has this journal open)" "$T/second.log"
check "the first still answers on its socket" [ "$(status_field "$T/run.sock" .phase)" = live ]
stop_stratd $first
check "the first stops cleanly" [ "$RC" = 0 ]
finish
