#!/usr/bin/env bash
# The compatibility matrix: ansible-core series, the pinned release tested, and the Python
# versions that series supports (controller side). A cell is one series on one Python.
#
#   tools/matrix.sh pin 2.16        -> 2.16.19
#   tools/matrix.sh cells           -> 2.16-py3.10 2.16-py3.12 ... (oldest and newest Python
#                                      of each series that this machine has)
#   tools/matrix.sh gates           -> the cells as make targets, in pairs for run-gates.sh
#   tools/matrix.sh oldest|newest   -> the cell of the oldest series on its oldest Python,
#                                      or of the newest series on its newest Python
#   tools/matrix.sh test-cells      -> oldest and newest (once when they are the same cell)
#   tools/matrix.sh skipped test|all -> "matrix-CELL<tab>why" per cell `make test` (test) or
#                                      `make test-matrix` (all) would run on a machine with every
#                                      Python of MATRIX_PYTHONS but cannot run here
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# series  pin      supported Pythons (ascending)
TABLE="
2.16 2.16.19 3.10 3.11 3.12
2.17 2.17.14 3.10 3.11 3.12
2.18 2.18.19 3.11 3.12 3.13
2.19 2.19.14 3.11 3.12 3.13
2.20 2.20.10 3.12 3.13 3.14
2.21 2.21.5 3.12 3.13 3.14
"

# The Pythons the matrix runs on (3.14 joins once CI has it). A complete matrix, which CI
# must run, needs every one of them.
MATRIX_PYTHONS="3.10 3.11 3.12 3.13"

have() { "$root/tools/find-python.sh" "$1" >/dev/null 2>&1; }
in_matrix() { case " $MATRIX_PYTHONS " in *" $1 "*) return 0 ;; *) return 1 ;; esac }

# print "series oldest newest" for every series: with CHECK=have, the Pythons this machine
# has (a series with none is left out); with CHECK=in_matrix, the Pythons a complete matrix has
series_pythons() {
    local check="$1"
    echo "$TABLE" | while read -r series _pin pythons; do
        [ -n "$series" ] || continue
        found=()
        for py in $pythons; do
            if in_matrix "$py" && "$check" "$py"; then found+=("$py"); fi
        done
        if [ "${#found[@]}" -eq 0 ]; then
            [ "$check" = in_matrix ] || echo "matrix.sh: no Python for ansible-core $series ($pythons); skipping it" >&2
            continue
        fi
        echo "$series ${found[0]} ${found[${#found[@]} - 1]}"
    done
}

cells_of() { # series_pythons lines on stdin -> one cell per line
    while read -r series oldest newest; do
        echo "$series-py$oldest"
        [ "$oldest" = "$newest" ] || echo "$series-py$newest"
    done
}

ends_of() { # series_pythons lines on stdin -> the oldest and the newest cell, once each
    local lines
    lines="$(cat)"
    [ -n "$lines" ] || return 0
    {
        echo "$lines" | head -n 1 | awk '{ print $1 "-py" $2 }'
        echo "$lines" | tail -n 1 | awk '{ print $1 "-py" $3 }'
    } | awk '!seen[$0]++'
}

# "matrix-CELL<tab>why" for every cell of $1 (a complete matrix's cells) not among $2 (this machine's)
missing() {
    local wanted="$1" here="$2" cell python
    for cell in $wanted; do
        case " $here " in *" $cell "*) continue ;; esac
        python="${cell##*-py}"
        printf 'matrix-%s\tno Python %s on this machine (pyenv install %s)\n' "$cell" "$python" "$python"
    done
}

case "${1:-}" in
    pin)
        pin="$(echo "$TABLE" | awk -v s="${2:?series}" '$1 == s { print $2 }')"
        [ -n "$pin" ] || { echo "matrix.sh: unknown ansible-core series ${2}" >&2; exit 1; }
        echo "$pin"
        ;;
    cells)
        series_pythons have | cells_of | xargs
        ;;
    gates)
        # the cells as run-gates.sh specs, two at a time: matrix-A+matrix-B matrix-C+matrix-D ...
        "$0" cells | xargs -n 2 | sed 's/^/matrix-/; s/ /+matrix-/'
        ;;
    oldest)
        series_pythons have | ends_of | head -n 1
        ;;
    newest)
        series_pythons have | ends_of | tail -n 1
        ;;
    test-cells)
        series_pythons have | ends_of | xargs
        ;;
    skipped)
        case "${2:-}" in
            test) missing "$(series_pythons in_matrix | ends_of)" "$("$0" test-cells 2>/dev/null)" ;;
            all) missing "$(series_pythons in_matrix | cells_of)" "$("$0" cells 2>/dev/null)" ;;
            *) echo "usage: matrix.sh skipped test|all" >&2; exit 2 ;;
        esac
        ;;
    *)
        echo "usage: matrix.sh pin SERIES | cells | gates | oldest | newest | test-cells | skipped test|all" >&2
        exit 2
        ;;
esac
