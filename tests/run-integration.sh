#!/usr/bin/env bash
# Run every integration test (tests/integration/t_*.sh, or those named as
# arguments) and print "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 names=()
tests=("$@"); [ ${#tests[@]} = 0 ] && tests=(tests/integration/t_*.sh)
for t in "${tests[@]}"; do
  echo "== $(basename "$t" .sh)"
  start=$(date +%s)
  if timeout "${IT_TIMEOUT:-300}" bash "$t"; then
    passed=$((passed + 1)); echo "   passed ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); names+=("$(basename "$t" .sh)"); echo "   FAILED ($(( $(date +%s) - start )) s)"
  fi
done
[ $failed -gt 0 ] && echo "failed: ${names[*]}"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
