#!/usr/bin/env bash
# Disk full while live, under each fsync policy (always, interval, none):
# the journal sits on a small tmpfs that a filler file and the journal's own
# growth fill while a synthetic feed (probes) and an exsim market (a trader
# through the orders service) run. stratd must stop with exit 1 (never a
# signal) and one line naming the failing call and "No space left on
# device"; every order the exchange received is in the journal that is
# left; after the filler is removed a restart rebuilds everything committed,
# the probes finish without gaps or duplicates (I2), the exchange's orders
# equal the journal's and the positions agree (I3). The same for a disk
# that fills while the daemon idles: its clean stop fails, exit 1.
# Needs root (mount); skipped with a message otherwise.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
STRATD=$BIN/stratd-test
DISK=$T/disk
DISK_MB=${DISK_MB:-32}
N=${TICKS:-30000}          # synthetic ticks per symbol
XN=${XTICKS:-30000}        # exsim ticks
MOUNTED=

disk_cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "$MOUNTED" ]; then
    [ "$FAILS" != 0 ] && cp -a "$DISK" "$T/disk.kept" 2>/dev/null
    umount "$DISK" 2>/dev/null || umount -l "$DISK"
  fi
  cleanup
}
trap disk_cleanup EXIT
trap 'exit 143' TERM INT

if [ "$(id -u)" != 0 ]; then
  echo "  skip: t_disk_full needs root to mount a tmpfs (running as $(id -un))"
  exit 0
fi
mkdir -p "$DISK"
if ! mount -t tmpfs -o "size=${DISK_MB}m,mode=0700" stratd-disk-full "$DISK" 2>"$T/mount.err"; then
  echo "  skip: cannot mount a tmpfs: $(cat "$T/mount.err")"
  exit 0
fi
MOUNTED=1

write_topology() {  # FILE POLICY
  cat >"$1" <<Y
journal: { path: $DISK/journal, fsync: $2 }
control: { socket: $T/ctl.sock }
metrics: { listen: 127.0.0.1:$(free_port) }
services:
  - { id: clock, kind: timer }
  - { id: ticks, kind: synthetic_feed, params: { symbols: [BTCUSD, ETHUSD], seed: 7, interval_ms: 1, per_interval: 5, count: $N } }
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$MD_PORT, symbols: [BTCUSD] } }
  - { id: oms, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: acct-1, max_order_qty: 5, max_position: 20, max_open_orders: 50 } }
strategies:
  - { id: trader, kind: trader, params: { feed: md, symbol: BTCUSD, every: 25 } }
  - { id: probe-1, kind: probe, params: { feed: ticks, symbol: BTCUSD } }
  - { id: probe-2, kind: probe, params: { feed: ticks, symbol: ETHUSD } }
Y
}

avail_bytes() { df --output=avail -B1 "$DISK" | tail -1 | tr -d ' '; }

# fill NAME [BYTES]: a filler file on the tmpfs, BYTES long or up to
# ENOSPC; never more than the tmpfs holds, and only while it is mounted
# (a filler must never reach the disk beneath).
fill() {
  local bytes=${2:-$((DISK_MB << 20))}
  mountpoint -q "$DISK" || { fail "the tmpfs at $DISK is gone"; return 1; }
  dd if=/dev/zero of="$DISK/$1" bs=4K count=$((bytes >> 12)) status=none 2>/dev/null
  true
}

O="python3 $(dirname "$0")/orders.py"
# dump FILE: the journal's order entries (all orders.py reads), and the
# lsn of every entry in FILE.lsns
dump() {
  ctl -j "$DISK/journal" journal dump --json >"$1.all"
  grep -o '^{"lsn":[0-9]*' "$1.all" | cut -d: -f2 >"$1.lsns"
  grep -E '"order_(request|event)"' "$1.all" >"$1"
  rm -f "$1.all"
}

done_trading() {
  [ "$(report_field "$1" .generator_done)" = true ] &&
  [ "$(stat_of "$T/ctl.sock" oms open_orders)" = 0 ] &&
  [ "$(stat_of "$T/ctl.sock" md last_seq.BTCUSD)" = "$XN" ]
}

# lsns of a dump run 1..L without a hole; prints L
contiguous_last() {
  awk '$1 != NR { bad = 1 } END { print (bad || NR == 0) ? "broken" : NR }' "$1.lsns"
}

run_policy() {
  local p=$1 rc avail pos xpos last_fail lsn
  note "--- fsync: $p"
  rm -rf "${DISK:?}"/*
  start_exsim "ex-$p" --seed 9 --symbols BTCUSD --ticks "$XN" --rate 3000
  write_topology "$T/$p.yaml" "$p"
  start_stratd "$p-full" "$T/$p.yaml"
  local pid=$PID
  wait_live "$T/ctl.sock" "$pid" || { fail "$p: never live"; cat "$T/$p-full.log"; return; }
  wait_until 10 bash -c "[ \"\$(jq -r .orders '$T/ex-$p.report.json' 2>/dev/null)\" -gt 5 ]" 2>/dev/null
  # leave the journal 256 KiB: its own growth takes the rest
  lsn=$(status_field "$T/ctl.sock" .lsn)
  avail=$(avail_bytes)
  fill filler $((avail - (256 << 10)))
  note "$p: filler of $(du -sh "$DISK/filler" | cut -f1) written at lsn $lsn"
  if ! wait_until 10 bash -c "! kill -0 $pid 2>/dev/null"; then
    note "$p: the journal stopped growing first (a slow start?): the filler takes the rest"
    fill filler2
    if ! wait_until 30 bash -c "! kill -0 $pid 2>/dev/null"; then
      fail "$p: stratd still running 30 s after the disk filled"
      kill -9 "$pid" 2>/dev/null
    fi
  fi
  wait "$pid"; rc=$?
  check "$p: exit 1 on a full disk (got $rc)" [ "$rc" = 1 ]
  check "$p: one line names the failing call and ENOSPC" \
    grep -Eq "rocksdb_[a-z_]+: .*No space left on device" "$T/$p-full.log"
  check "$p: ... once" [ "$(grep -Ec 'rocksdb_[a-z_]+: ' "$T/$p-full.log")" = 1 ]
  check "$p: no abort, no assertion" bash -c "! grep -Eiq 'assert|abort' '$T/$p-full.log'"
  check "$p: no clean-stop claim" bash -c "! grep -q 'stopped cleanly' '$T/$p-full.log'"
  [ "$FAILS" = 0 ] || { sed 's/^/    | /' "$T/$p-full.log" | tail -20; }

  sleep 0.7   # exsim rewrites its report every 500 ms
  cp "$T/ex-$p.report.json" "$T/ex-$p.at-failure.json"
  rm -f "$DISK/filler" "$DISK/filler2"
  dump "$T/$p-fail.jsonl"
  last_fail=$(contiguous_last "$T/$p-fail.jsonl")
  check "$p: the journal left is contiguous (lsn 1..$last_fail)" [ "$last_fail" != broken ]
  $O journal "$T/$p-fail.jsonl" >"$T/$p-fail-journal.txt"
  $O exchange "$T/ex-$p.at-failure.json" acct-1 >"$T/$p-fail-exchange.txt"
  check "$p: orders had reached the exchange ($(wc -l <"$T/$p-fail-exchange.txt"))" \
    [ "$(wc -l <"$T/$p-fail-exchange.txt")" -gt 0 ]
  check "$p: every order the exchange got is in the journal" \
    bash -c "[ -z \"\$(comm -13 '$T/$p-fail-journal.txt' '$T/$p-fail-exchange.txt')\" ]"

  start_stratd "$p-again" "$T/$p.yaml"
  pid=$PID
  check "$p: restart rebuilds and goes live" wait_live "$T/ctl.sock" "$pid"
  check "$p: rebuilt everything committed ($last_fail entries)" \
    grep -q "($last_fail entries, fsync $p)" "$T/$p-again.log"
  check "$p: probes finish" wait_until 60 all_probes "$T/ctl.sock" "$N"
  check "$p: no gaps, no dups (I2)" [ "$(actors_json "$T/ctl.sock" | jq \
    '[.[] | select(.kind == "probe") | select(.stats.gaps != 0 or .stats.dups != 0)] | length')" = 0 ]
  check "$p: market stream done, no open orders" wait_until 60 done_trading "ex-$p"
  sleep 0.7
  pos=$(stat_of "$T/ctl.sock" trader position)
  xpos=$(report_field "ex-$p" '.accounts["acct-1"].BTCUSD')
  check "$p: strategy position $pos == exchange position $xpos" [ "$pos" = "$xpos" ]
  stop_stratd "$pid"
  check "$p: clean stop" [ "$RC" = 0 ]
  dump "$T/$p-end.jsonl"
  $O journal "$T/$p-end.jsonl" >"$T/$p-end-journal.txt"
  $O exchange "$T/ex-$p.report.json" acct-1 >"$T/$p-end-exchange.txt"
  check "$p: exchange orders == journal orders ($(wc -l <"$T/$p-end-exchange.txt"))" \
    cmp -s "$T/$p-end-journal.txt" "$T/$p-end-exchange.txt"
  kill "$EXSIM_PID" 2>/dev/null; wait "$EXSIM_PID" 2>/dev/null
}

# The disk fills while the daemon idles: the clean stop's commit or its
# flush to SST files is what fails.
stop_on_full_disk() {
  local p=$1 pid n=2000
  note "--- fsync: $p, clean stop on a full disk"
  rm -rf "${DISK:?}"/*
  probe_topology "$T/stop-$p.yaml" stop "$n" 2 1 "$p"
  sed -i "s|path: $T/stop.journal|path: $DISK/journal|; s|interval_ms: 1,|interval_ms: 1, per_interval: 5,|" \
    "$T/stop-$p.yaml"
  start_stratd "stop-$p" "$T/stop-$p.yaml"
  pid=$PID
  wait_live "$T/stop.sock" "$pid" && wait_until 30 all_probes "$T/stop.sock" "$n" ||
    { fail "$p: probes never finished"; return; }
  fill filler   # until ENOSPC
  stop_stratd "$pid"
  check "$p: exit 1 when the clean stop cannot be written (got $RC)" [ "$RC" = 1 ]
  check "$p: the failing call and ENOSPC are logged" \
    grep -Eq "rocksdb_[a-z_]+: .*No space left on device" "$T/stop-$p.log"
  check "$p: no clean-stop claim" bash -c "! grep -q 'stopped cleanly' '$T/stop-$p.log'"
  rm -f "$DISK/filler"
  start_stratd "stop-$p-again" "$T/stop-$p.yaml"
  pid=$PID
  check "$p: restart goes live" wait_live "$T/stop.sock" "$pid"
  check "$p: probes as before, no gaps, no dups" [ "$(actors_json "$T/stop.sock" | jq --argjson n "$n" \
    '[.[] | select(.kind == "probe") | select(.stats.count != $n or .stats.gaps != 0 or .stats.dups != 0)] | length')" = 0 ]
  stop_stratd "$pid"
  check "$p: clean stop" [ "$RC" = 0 ]
}

for policy in ${POLICIES:-always interval none}; do
  run_policy "$policy"
  stop_on_full_disk "$policy"
done
finish
