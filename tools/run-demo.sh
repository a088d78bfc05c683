#!/usr/bin/env bash
# make run: start stratd on config/demo.yaml in the foreground and print a
# status line every few seconds. Ctrl-C stops it cleanly; running it again
# shows the rebuild and continues from the same state.
set -u
cd "$(dirname "$0")/.."
BIN=build/bin
CONFIG=${CONFIG:-config/demo.yaml}
SOCK=$(sed -nE 's/^control: *\{ *socket: *([^ }]+).*/\1/p' "$CONFIG")
mkdir -p build/demo

"$BIN/stratd" -c "$CONFIG" &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null; }
trap stop INT TERM
for _ in $(seq 1 100); do
  [ -S "$SOCK" ] && "$BIN/stratctl" -s "$SOCK" status --json 2>/dev/null | grep -q '"phase":"live"' && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
while kill -0 "$pid" 2>/dev/null; do
  if "$BIN/stratctl" -s "$SOCK" actors >/tmp/stratd-demo.$$ 2>/dev/null; then
    printf '\n--- %s ---\n' "$(date +%T)"
    cat /tmp/stratd-demo.$$
  fi
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null && sleep 0.3; done
done
rm -f /tmp/stratd-demo.$$
wait "$pid"
