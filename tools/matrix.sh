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

have() { "$root/tools/find-python.sh" "$1" >/dev/null 2>&1; }

# print "series oldest newest" for every series with at least one Python here
available() {
    echo "$TABLE" | while read -r series _pin pythons; do
        [ -n "$series" ] || continue
        found=()
        for py in $pythons; do
            if have "$py"; then found+=("$py"); fi
        done
        if [ "${#found[@]}" -eq 0 ]; then
            echo "matrix.sh: no Python for ansible-core $series ($pythons); skipping it" >&2
            continue
        fi
        echo "$series ${found[0]} ${found[${#found[@]} - 1]}"
    done
}

case "${1:-}" in
    pin)
        pin="$(echo "$TABLE" | awk -v s="${2:?series}" '$1 == s { print $2 }')"
        [ -n "$pin" ] || { echo "matrix.sh: unknown ansible-core series ${2}" >&2; exit 1; }
        echo "$pin"
        ;;
    cells)
        available | while read -r series oldest newest; do
            echo "$series-py$oldest"
            [ "$oldest" = "$newest" ] || echo "$series-py$newest"
        done | xargs
        ;;
    gates)
        # the cells as run-gates.sh specs, two at a time: matrix-A+matrix-B matrix-C+matrix-D ...
        "$0" cells | xargs -n 2 | sed 's/^/matrix-/; s/ /+matrix-/'
        ;;
    oldest)
        available | head -n 1 | awk '{ print $1 "-py" $2 }'
        ;;
    newest)
        available | tail -n 1 | awk '{ print $1 "-py" $3 }'
        ;;
    *)
        echo "usage: matrix.sh pin SERIES | cells | gates | oldest | newest" >&2
        exit 2
        ;;
esac
