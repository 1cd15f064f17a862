#!/usr/bin/env bash
# Run make targets as gates: each one's output goes to the terminal and to
# .tmp/logs/<gate>.log; every gate runs even when an earlier one failed; at the end one
# line per gate with its result and wall time, and the exit status is non-zero when any
# gate failed.
#
#   tools/run-gates.sh GATE...     (each GATE is a make target)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
logs="$root/.tmp/logs"
mkdir -p "$logs"

make_cmd="${MAKE:-make}"
results=()
failed=0
passed=0
total_start=$(date +%s.%N)

for gate in "$@"; do
    log="$logs/$gate.log"
    printf '\n===== gate %s =====\n' "$gate"
    start=$(date +%s.%N)
    "$make_cmd" --no-print-directory -C "$root" "$gate" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if [ "$status" -eq 0 ]; then
        results+=("gate $gate: ok ($elapsed s)")
        passed=$((passed + 1))
    else
        results+=("gate $gate: FAILED, exit $status ($elapsed s), log .tmp/logs/$gate.log")
        failed=$((failed + 1))
    fi
    printf '===== gate %s: %s (%s s) =====\n' "$gate" "$([ "$status" -eq 0 ] && echo ok || echo FAILED)" "$elapsed"
done

total=$(awk -v a="$total_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
printf '\n===== summary (%s s) =====\n' "$total"
printf '%s\n' "${results[@]}" | tee "$logs/summary.txt"
echo "gates: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
