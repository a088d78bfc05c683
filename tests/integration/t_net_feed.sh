#!/usr/bin/env bash
# I2 over the network: exsim publishes 100000 ticks; stratd runs a feed and
# 10 probes; stratd is killed (-9) at 5 random moments and restarted, and
# the market-data connection is cut twice mid-stream (a relay between feed
# and exsim is killed and restarted). At the end every probe has count
# 100000, gaps 0, dups 0 and the hash of an uninterrupted run.
. "$(dirname "$0")/lib.sh"
N=${TICKS:-100000}
start_exsim ex --seed 5 --symbols BTCUSD --ticks "$N" --rate 5000
check "exsim listening" grep -q listening "$T/ex.exsim.log"
RELAY=$(free_port)
start_proxy "$RELAY" "$MD_PORT"

topology() {  # topology FILE NAME MDPORT PROBES
  { echo "journal: { path: $T/$2.journal }"
    echo "control: { socket: $T/$2.sock }"
    echo "metrics: { listen: 127.0.0.1:$(free_port) }"
    echo "services:"
    echo "  - { id: md, kind: feed, params: { connect: 127.0.0.1:$3, symbols: [BTCUSD], heartbeat_timeout_ms: 1000 } }"
    echo "strategies:"
    for ((i = 1; i <= $4; i++)); do echo "  - { id: probe-$i, kind: probe, params: { symbol: BTCUSD } }"; done
  } >"$1"
}
all_at() { [ "$(actors_json "$1" | jq --argjson n "$2" '[.[] | select(.kind == "probe") | select(.stats.count != $n)] | length' 2>/dev/null)" = 0 ]; }

topology "$T/t.yaml" run "$RELAY" 10
RANDOM=${SEED:-$$}
for k in 1 2 3 4 5; do
  start_stratd "run$k" "$T/t.yaml"
  wait_live "$T/run.sock" $PID || { fail "start $k never live"; cat "$T/run$k.log"; finish; }
  sleep "$((RANDOM % 2)).$((2 + RANDOM % 8))"
  if [ $k = 2 ] || [ $k = 4 ]; then   # cut the connection under a live feed
    kill -9 $PROXY_PID; wait $PROXY_PID 2>/dev/null
    note "market-data connection cut at count $(stat_of "$T/run.sock" probe-1 count)"
    sleep 0.3; start_proxy "$RELAY" "$MD_PORT"; sleep 0.4
  fi
  c=$(stat_of "$T/run.sock" probe-1 count)
  kill9 $PID
  note "kill -9 #$k at count $c"
done
start_stratd final "$T/t.yaml"
check "final start live" wait_live "$T/run.sock" $PID
check "every probe reaches $N" wait_until 60 all_at "$T/run.sock" "$N"
check "feed reconnected after the cuts" grep -q "connection to 127.0.0.1:$RELAY lost" "$T"/run*.log

# The uninterrupted reference: a fresh journal straight from exsim, which
# keeps every tick it published (resume from seq 1).
topology "$T/ref.yaml" ref "$MD_PORT" 1
start_stratd ref "$T/ref.yaml"
ref_pid=$PID
wait_live "$T/ref.sock" $ref_pid && wait_until 60 all_at "$T/ref.sock" "$N"
ref=$(stat_of "$T/ref.sock" probe-1 hash)
check "reference hash $ref" [ -n "$ref" ]
bad=$(actors_json "$T/run.sock" | jq --arg h "$ref" --argjson n "$N" '[.[] | select(.kind == "probe") |
      select(.stats.count != $n or .stats.gaps != 0 or .stats.dups != 0 or .stats.hash != $h) | .id]')
check "all 10 probes: count $N, gaps 0, dups 0, same hash" [ "$bad" = "[]" ]
stop_stratd $ref_pid
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]
finish
