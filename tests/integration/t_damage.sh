#!/usr/bin/env bash
# Journal damage is never silent. For each case (a flipped block in the
# middle of the log's SST, a truncated newest SST, a lost CURRENT, a damaged
# WAL, a damaged watermark, a damaged actor record, an entry of a message
# kind this build does not know):
#   stratd exits 1 with one log line saying `corrupt`, and writes nothing
#     (the SST files and the last lsn are as before);
#   `stratctl journal verify` exits 1 and names the place;
#   `stratctl journal salvage --to DIR` leaves the damaged journal as it is
#     and yields a journal on which stratd rebuilds exactly the salvaged
#     prefix and goes live, its probes finishing the feed with no gap and
#     no duplicate.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
STRATD=$BIN/stratd-test
N=${TICKS:-20000}

# The base journals: "clean" (one run, clean stop: everything in SSTs),
# "two" (kill -9 mid-feed, then a run to the end: two log SSTs), "wal"
# (kill -9 mid-feed: the entries in RocksDB's WAL).
probe_topology "$T/t.yaml" run "$N" 3 1
sed -i "s/interval_ms: 1,/interval_ms: 1, per_interval: 10,/" "$T/t.yaml"
J=$T/run.journal

run_to_end() {  # run_to_end NAME: start, wait for every probe, clean stop
  start_stratd "$1" "$T/t.yaml"
  wait_live "$T/run.sock" $PID && wait_until 60 all_probes "$T/run.sock" "$N"
  [ -z "${UUID:-}" ] && UUID=$(actors_json "$T/run.sock" | jq -r '.[] | select(.id == "probe-1") | .uuid' | tr -d -)
  stop_stratd $PID
}
kill_mid() {  # kill_mid NAME: start, kill -9 while the feed runs
  start_stratd "$1" "$T/t.yaml"
  wait_live "$T/run.sock" $PID
  wait_until 30 bash -c "[ \"\$(\"$BIN/stratctl\" -s '$T/run.sock' actors --json 2>/dev/null |
    jq '.[] | select(.id == \"probe-1\") | .stats.count')\" -gt $((N / 3)) ]"
  kill9 $PID
}
UUID=
run_to_end base1; cp -a "$J" "$T/clean"; rm -rf "$J"
kill_mid base2; cp -a "$J" "$T/wal"; run_to_end base3; cp -a "$J" "$T/two"; rm -rf "$J"
check "base journals made (probe-1's uuid $UUID)" [ "${#UUID}" = 32 ]
check "the kill -9 left entries in the WAL" bash -c "[ \$(stat -c %s \$(ls -S '$T/wal'/*.log | head -1)) -gt 4096 ]"
check "the two-run journal has two log SSTs" bash -c "[ \$(ls '$T/two'/*.sst | wc -l) -ge 3 ]"

flip_middle() {  # flip_middle FILE: invert 64 bytes in the middle
  python3 - "$1" <<'PY'
import os, sys
p = sys.argv[1]; n = os.path.getsize(p); f = open(p, 'r+b')
f.seek(n // 2); b = f.read(64); f.seek(n // 2); f.write(bytes(x ^ 0xff for x in b))
PY
}
put_raw() { STRATD_TEST_PUT_JOURNAL=$J STRATD_TEST_PUT="$1" "$STRATD" >/dev/null 2>&1; }
last_lsn() { ctl -j "$J" journal verify --json 2>/dev/null | jq -r .last_lsn; }
sst_sums() { (cd "$J" && md5sum *.sst 2>/dev/null); }
all_sums() { (cd "$1" && md5sum * 2>/dev/null | grep -v ' LOG\| LOCK'); }

# case NAME BASE WHERE DAMAGE...: the checks above for one damage.
case_() {
  local name=$1 base=$2 where=$3; shift 3
  note "--- $name"
  rm -rf "$J" "$T/salv"; cp -a "$T/$base" "$J"
  "$@"
  local sums_before last_before kept
  sums_before=$(sst_sums); last_before=$(last_lsn)
  start_stratd "$name" "$T/t.yaml"; wait $PID; local rc=$?
  check "$name: stratd exits 1 (got $rc)" [ "$rc" = 1 ]
  check "$name: one log line says corrupt" [ "$(grep -c corrupt "$T/$name.log")" = 1 ]
  check "$name: ... and the way out" grep -q "journal verify.*journal salvage --to DIR" "$T/$name.log"
  check "$name: no SST written or changed" [ "$(sst_sums)" = "$sums_before" ]
  check "$name: no entry written (last lsn $last_before)" [ "$(last_lsn)" = "$last_before" ]
  ctl -j "$J" journal verify >"$T/$name.verify" 2>&1; rc=$?
  check "$name: journal verify exits 1 (got $rc)" [ "$rc" = 1 ]
  check "$name: verify names the place ($where)" grep -q -- "$where" "$T/$name.verify"
  grep -h "corrupt\|^  - " "$T/$name.log" "$T/$name.verify" | head -3 | cut -c1-220 | sed 's/^/    /'
  local orig; orig=$(all_sums "$J")
  ctl -j "$J" journal salvage --to "$T/salv" >"$T/$name.salvage" 2>&1; rc=$?
  check "$name: salvage exits 0 (got $rc)" [ "$rc" = 0 ]
  check "$name: the damaged journal is untouched" [ "$(all_sums "$J")" = "$orig" ]
  kept=$(sed -n 's/^salvaged:  lsn 1\.\.\([0-9]*\) .*/\1/p' "$T/$name.salvage")
  note "salvaged lsn 1..$kept"
  check "$name: the salvaged journal verifies" ctl -j "$T/salv" journal verify
  mv "$J" "$T/$name.damaged"; mv "$T/salv" "$J"
  start_stratd "$name-salv" "$T/t.yaml"
  check "$name: stratd goes live on the salvaged journal" wait_live "$T/run.sock" $PID
  check "$name: it rebuilt exactly the salvaged prefix ($kept entries)" \
    grep -q "messages in .* s ($kept entries," "$T/$name-salv.log"
  check "$name: the probes finish the feed ($N)" wait_until 60 all_probes "$T/run.sock" "$N"
  local bad
  bad=$(actors_json "$T/run.sock" | jq '[.[] | select(.kind == "probe") | select(.stats.gaps != 0 or .stats.dups != 0)] | length')
  check "$name: no gap, no duplicate" [ "$bad" = 0 ]
  check "$name: verify beside the running daemon: sound" ctl -j "$J" journal verify
  stop_stratd $PID
  check "$name: clean stop on the salvaged journal" [ "$RC" = 0 ]
  rm -rf "$T/$name.damaged"
}

sst_flip() { flip_middle "$(ls -S "$J"/*.sst | head -1)"; }
sst_truncate() { local f; f=$(ls "$J"/*.sst | sort | tail -1); truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"; }
lose_current() { rm "$J/CURRENT"; }
wal_flip() { flip_middle "$(ls -S "$J"/*.log | head -1)"; }
bad_watermark() { put_raw "meta:5700000003:0102"; }
bad_actor() { put_raw "meta:41$UUID:ffffffff"; }
unknown_kind() {  # lsn last+1: time 3, receivers [3], a Msg of kind 999
  put_raw "log:$(( $(last_lsn) + 1 )):08061a01032203b83e01"
}

case_ flip clean "first bad lsn" sst_flip
case_ truncated-sst two ".sst" sst_truncate
case_ lost-current clean "no CURRENT" lose_current
case_ wal wal "WAL is damaged after lsn" wal_flip
case_ watermark clean "key W00000003: a watermark of 2 bytes" bad_watermark
case_ actor-record clean "key A$UUID" bad_actor
rm -rf "$J"; cp -a "$T/clean" "$J"; next=$(( $(last_lsn) + 1 )); rm -rf "$J"
case_ unknown-kind clean "entry lsn $next holds a field or message kind this build does not know" unknown_kind
finish
