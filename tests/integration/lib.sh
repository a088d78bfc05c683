# lib.sh — helpers for integration tests (sourced). Each test runs real
# stratd processes in a fresh temporary directory, on loopback ports it
# picks itself, and stops every process it started (trap on EXIT).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
T=$(mktemp -d "${TMPDIR:-/tmp}/stratd-it.XXXXXX")
PIDS=()
FAILS=0

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "$FAILS" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "  (kept $T)"; fi
}
trap cleanup EXIT

note() { printf '  %s\n' "$*"; }
pass() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; FAILS=$((FAILS + 1)); }
check() {  # check "what" command...
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() { [ "$FAILS" = 0 ]; exit $?; }

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# start_stratd NAME CONFIG [args...]: runs $STRATD (default stratd) in the
# background, log in $T/NAME.log; sets PID.
start_stratd() {
  local name=$1 cfg=$2; shift 2
  "${STRATD:-$BIN/stratd}" -c "$cfg" "$@" >"$T/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
}

ctl() { "$BIN/stratctl" "$@"; }

# status_field SOCK JQ: one field of status --json ("" when unreachable)
status_field() { ctl -s "$1" status --json 2>/dev/null | jq -r "$2" 2>/dev/null; }

# wait_live SOCK PID [SECONDS]: 0 when phase is live; 1 when the process
# died or the time ran out.
wait_live() {
  local sock=$1 pid=$2 limit=${3:-60} i
  for ((i = 0; i < limit * 20; i++)); do
    [ "$(status_field "$sock" .phase)" = live ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# actors_json SOCK: the actors array
actors_json() { ctl -s "$1" actors --json 2>/dev/null; }

# stat_of SOCK ID FIELD
stat_of() { actors_json "$1" | jq -r --arg id "$2" ".[] | select(.id == \$id) | .stats.$3"; }

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_until() {
  local limit=$1 i; shift
  for ((i = 0; i < limit * 20; i++)); do "$@" && return 0; sleep 0.05; done
  return 1
}

# stop_stratd PID: SIGTERM and wait; the exit code is left in RC.
stop_stratd() {
  RC=0
  kill -TERM "$1" 2>/dev/null
  wait "$1" || RC=$?
}

# now_s: seconds since the epoch, with fractions
now_s() { date +%s.%N; }
elapsed() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now_s)"; }

# kill9 PID: kill -9 and reap.
kill9() { kill -9 "$1" 2>/dev/null; wait "$1" 2>/dev/null; true; }

# digests SOCK: sorted [{id, digest}]
digests() { actors_json "$1" | jq -c '[.[] | {id, digest}] | sort_by(.id)'; }

# start_exsim NAME ARGS...: exsim on two free ports (MD_PORT, ORDER_PORT),
# report in $T/NAME.report.json, log in $T/NAME.exsim.log; sets EXSIM_PID.
start_exsim() {
  local name=$1; shift
  MD_PORT=$(free_port); ORDER_PORT=$(free_port)
  "$BIN/exsim" --md-port "$MD_PORT" --order-port "$ORDER_PORT" --report "$T/$name.report.json" "$@" \
    >"$T/$name.exsim.log" 2>&1 &
  EXSIM_PID=$!
  PIDS+=("$EXSIM_PID")
  wait_until 10 grep -q "listening" "$T/$name.exsim.log"
}

# report_field NAME JQ: a field of exsim's --report file
report_field() { jq -r "$2" "$T/$1.report.json" 2>/dev/null; }

# start_proxy LISTEN_PORT TARGET_PORT: a TCP relay (the "connection side"
# a test can cut); sets PROXY_PID.
start_proxy() {
  python3 - "$1" "$2" <<'PY' &
import socket, sys, threading
lp, tp = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", lp)); srv.listen(8)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", tp))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  wait_until 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $1)).close()" 2>/dev/null
}
