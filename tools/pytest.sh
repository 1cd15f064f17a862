#!/usr/bin/env bash
# pytest over test directories that must exist and must hold tests, one pytest process per
# directory (the suites have their own conftest.py files and share test module basenames).
# A missing directory, a failing suite, or a suite that collects no test (pytest exit 5) is
# a failure; every directory runs either way.
#
#   tools/pytest.sh DIR... [-- PYTEST_ARGS...]     (runs `python -m pytest` from PATH)
set -uo pipefail

dirs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    dirs+=("$1")
    shift
done
[ "${1:-}" = "--" ] && shift

python -c 'import sys, ansible; print("pytest on Python %s, ansible-core %s" % (sys.version.split()[0], ansible.__version__))' 2>/dev/null || true

summary=()
failed=0
for dir in "${dirs[@]}"; do
    if [ ! -d "$dir" ]; then
        summary+=("pytest $dir: FAILED (required test directory does not exist)")
        failed=1
        continue
    fi
    echo "----- pytest $dir -----"
    python -m pytest -p no:cacheprovider -ra "$dir" "$@"
    status=$?
    case "$status" in
        0) summary+=("pytest $dir: ok") ;;
        5)
            summary+=("pytest $dir: FAILED (no test collected, exit 5: tests must exist here)")
            failed=1
            ;;
        *)
            summary+=("pytest $dir: FAILED (exit $status)")
            failed=1
            ;;
    esac
done
printf '%s\n' "${summary[@]}"
exit "$failed"
