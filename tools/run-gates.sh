#!/usr/bin/env bash
# Run make targets as gates: each one's output goes to .tmp/logs/<gate>.log and to the
# terminal; every gate runs even when an earlier one failed; at the end one line per gate
# with its result and wall time, and the exit status is non-zero when any gate failed.
#
#   tools/run-gates.sh GATE...
#
# GATE is a make target, or several joined with '+' (a+b): those run at the same time
# (their logs are printed one after the other once all of them have finished). A member of
# such a group may be a lane of gates joined with ',' (a+b,c,d): b, c and d run one after
# the other while a runs. SERIAL=1 runs every gate one by one instead.
#
# SKIPPED_GATES (environment): lines "GATE<tab>WHY", gates the caller cannot run on this
# machine (a matrix cell whose Python it lacks). Each gets a summary line saying why; under
# CI=true each one is a failure, since CI must run every gate.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
logs="$root/.tmp/logs"
mkdir -p "$logs"

make_cmd="${MAKE:-make}"
results=()
failed=0
passed=0
skipped=0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

record() { # gate status elapsed
    if [ "$2" -eq 0 ]; then
        results+=("gate $1: ok ($3 s)")
        passed=$((passed + 1))
    else
        results+=("gate $1: FAILED, exit $2 ($3 s), log .tmp/logs/$1.log")
        failed=$((failed + 1))
    fi
    printf '===== gate %s: %s (%s s) =====\n' "$1" "$([ "$2" -eq 0 ] && echo ok || echo FAILED)" "$3"
}

run_one() {
    local gate="$1" start status
    printf '\n===== gate %s =====\n' "$gate"
    start=$(now)
    "$make_cmd" --no-print-directory -C "$root" "$gate" 2>&1 | tee "$logs/$gate.log"
    status=${PIPESTATUS[0]}
    record "$gate" "$status" "$(since "$start")"
}

run_group() { # lane... (a lane: gates joined with ',')
    local lanes=("$@") gates=() lane lane_gates pids=() gate
    printf '\n===== gates %s (lanes at the same time) =====\n' "${lanes[*]}"
    for lane in "${lanes[@]}"; do
        IFS=, read -r -a lane_gates <<<"$lane"
        gates+=("${lane_gates[@]}")
        (
            for gate in "${lane_gates[@]}"; do
                start=$(now)
                "$make_cmd" --no-print-directory -C "$root" "$gate" >"$logs/$gate.log" 2>&1
                status=$?
                elapsed=$(since "$start")
                echo "$status $elapsed" >"$logs/$gate.status"
                # a line as each gate ends, so a long group shows its progress (the logs follow at the end)
                printf -- '----- gate %s ended: %s (%s s)\n' "$gate" "$([ "$status" -eq 0 ] && echo ok || echo FAILED)" "$elapsed"
            done
        ) &
        pids+=($!)
    done
    wait "${pids[@]}"
    for gate in "${gates[@]}"; do
        printf '\n===== gate %s (log) =====\n' "$gate"
        cat "$logs/$gate.log"
        read -r status elapsed <"$logs/$gate.status"
        record "$gate" "$status" "$elapsed"
    done
}

record_skipped() { # gate why
    if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
        results+=("gate $1: FAILED, not run on CI: $2")
        failed=$((failed + 1))
    else
        results+=("gate $1: SKIPPED, $2")
        skipped=$((skipped + 1))
    fi
}

total_start=$(now)
for spec in "$@"; do
    IFS=+ read -r -a group <<<"$spec"
    if [ "${SERIAL:-0}" != 1 ] && { [ "${#group[@]}" -gt 1 ] || [[ "$spec" == *,* ]]; }; then
        run_group "${group[@]}"
    else
        IFS=+, read -r -a group <<<"$spec"
        for gate in "${group[@]}"; do run_one "$gate"; done
    fi
done

while IFS=$'\t' read -r gate why; do
    [ -n "$gate" ] && record_skipped "$gate" "$why"
done <<<"${SKIPPED_GATES:-}"

printf '\n===== summary (%s s) =====\n' "$(since "$total_start")"
printf '%s\n' "${results[@]}" | tee "$logs/summary.txt"
echo "gates: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
