#!/usr/bin/env bash
# stratd under a (simulated) systemd: over a journal big enough for a
# visible rebuild, the notify socket receives STATUS=rebuilding... with
# progress, then READY=1, WATCHDOG=1 pings, and STOPPING=1 on SIGTERM; the
# process exits 0.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
N=300000
probe_topology "$T/t.yaml" run "$N" 20 0
start_stratd fill "$T/t.yaml"
wait_live "$T/run.sock" $PID && wait_until 120 all_probes "$T/run.sock" "$N"
stop_stratd $PID
check "journal filled ($N ticks x 20 probes)" [ "$RC" = 0 ]

python3 - "$T" "${STRATD:-$BIN/stratd}" "$T/t.yaml" <<'PY' >"$T/notify.out" 2>&1
import os, signal, socket, subprocess, sys, time
T, stratd, cfg = sys.argv[1:4]
path = os.path.join(T, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); s.settimeout(0.1)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="200000")
p = subprocess.Popen([stratd, "-c", cfg], env=env, stderr=open(os.path.join(T, "notify.log"), "w"))
msgs, deadline, stopped = [], time.time() + 60, False
while time.time() < deadline:
    try:
        for line in s.recv(4096).decode().split("\n"):
            if line: msgs.append(line); print("got", line, flush=True)
    except socket.timeout:
        pass
    if not stopped and sum(m == "WATCHDOG=1" for m in msgs) >= 3:
        p.send_signal(signal.SIGTERM); stopped = True
    if stopped and p.poll() is not None and any(m == "STOPPING=1" for m in msgs):
        break
print("exit", p.wait(timeout=30))
PY
seq=$(grep '^got' "$T/notify.out" | sed 's/^got //' | awk '
  /^STATUS=rebuilding/ && !r { r = 1; print "rebuilding" }
  /^READY=1/ && r && !y      { y = 1; print "ready" }
  /^WATCHDOG=1/ && y && !w   { w = 1; print "watchdog" }
  /^STOPPING=1/ && w && !s   { s = 1; print "stopping" }' | tr '\n' ' ')
check "sequence rebuilding -> ready -> watchdog -> stopping ($seq)" [ "$seq" = "rebuilding ready watchdog stopping " ]
check "rebuild progress was reported" grep -q '^got STATUS=rebuilding: .*M entries' "$T/notify.out"
check "EXTEND_TIMEOUT_USEC sent while rebuilding" grep -q '^got EXTEND_TIMEOUT_USEC=' "$T/notify.out"
check "exit 0" grep -q '^exit 0$' "$T/notify.out"
grep "rebuilt" "$T/notify.log" | sed 's/^/  /'

# A lost exchange connection shows in STATUS= too.
dead=$(free_port)
cat >"$T/net.yaml" <<Y
journal: { path: $T/net.journal }
control: { socket: $T/net.sock }
metrics: { listen: 127.0.0.1:$(free_port) }
services:
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$dead, symbols: [BTCUSD] } }
strategies:
  - { id: p, kind: probe, params: { symbol: BTCUSD } }
Y
python3 - "$T" "${STRATD:-$BIN/stratd}" "$T/net.yaml" <<'PY' >"$T/net.out" 2>&1
import os, signal, socket, subprocess, sys, time
T, stratd, cfg = sys.argv[1:4]
path = os.path.join(T, "notify2.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); s.settimeout(0.2)
p = subprocess.Popen([stratd, "-c", cfg], env=dict(os.environ, NOTIFY_SOCKET=path),
                     stderr=open(os.path.join(T, "net.log"), "w"))
end = time.time() + 4
while time.time() < end:
    try:
        for line in s.recv(4096).decode().split("\n"):
            if line.startswith("STATUS="): print("got", line, flush=True)
    except socket.timeout:
        pass
p.send_signal(signal.SIGTERM); print("exit", p.wait(timeout=30))
PY
check "STATUS= names the feed that lost its exchange" grep -q "^got STATUS=live: 2 actors.*; md: market data disconnected" "$T/net.out"
check "exit 0" grep -q '^exit 0$' "$T/net.out"
finish
