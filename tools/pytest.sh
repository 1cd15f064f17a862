#!/usr/bin/env bash
# pytest over test directories that must exist and must hold tests:
# a missing directory, or a run that collects no test (pytest exit 5), is a failure.
#
#   tools/pytest.sh DIR... [-- PYTEST_ARGS...]     (runs `python -m pytest` from PATH)
set -uo pipefail

dirs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    dirs+=("$1")
    shift
done
[ "${1:-}" = "--" ] && shift

missing=0
for dir in "${dirs[@]}"; do
    if [ ! -d "$dir" ]; then
        echo "pytest: required test directory $dir does not exist" >&2
        missing=1
    fi
done
[ "$missing" -eq 0 ] || exit 4

python -c 'import sys, ansible; print("pytest on Python %s, ansible-core %s" % (sys.version.split()[0], ansible.__version__))' 2>/dev/null || true
python -m pytest -p no:cacheprovider -ra "${dirs[@]}" "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest: no test was collected from ${dirs[*]} (exit 5): tests must exist here" >&2
fi
exit "$status"
