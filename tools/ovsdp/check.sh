#!/bin/bash
# Runs ovsdp's host tests and ends with one line "N passed, N failed"
# (the sum over cargo's "test result:" lines), for make check.
cd "$(dirname "$0")" || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
nice -n 10 cargo test --locked 2>&1 | tee "$log"
rc=${PIPESTATUS[0]} # cargo's status, not tee's: a build failure must count
passed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\2/p' "$log" | awk '{s+=$1} END {print s+0}')
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1   # build failure or crash: count it, never report all-green
fi
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
