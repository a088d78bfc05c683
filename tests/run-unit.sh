#!/usr/bin/env bash
# Run the Check unit test binaries given as arguments; print each one's
# summary and a total line. Exit nonzero if any failed.
set -u
fail=0 total_checks=0 total_fail=0 total_err=0
for t in "$@"; do
  out=$(CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-30} "$t" 2>&1); rc=$?
  line=$(grep -E '^[0-9]+%: Checks: ' <<<"$out" | tail -1)
  printf '%-28s %s\n' "$(basename "$t")" "${line:-no summary (exit $rc)}"
  if [ $rc != 0 ] || [ -z "$line" ]; then
    fail=1
    grep -vE '^(Running suite|[0-9]+%: Checks)' <<<"$out" | head -40
  fi
  read -r c f e < <(sed -nE 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/p' <<<"$line")
  total_checks=$((total_checks + ${c:-0})); total_fail=$((total_fail + ${f:-0})); total_err=$((total_err + ${e:-0}))
done
pct=100; [ $total_checks -gt 0 ] && pct=$(( (total_checks - total_fail - total_err) * 100 / total_checks ))
echo "${pct}%: Checks: $total_checks, Failures: $total_fail, Errors: $total_err"
exit $fail
