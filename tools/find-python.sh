#!/usr/bin/env bash
# Print the absolute path of a Python interpreter of the given minor version (e.g. 3.12).
# Looks in pyenv's versions first (newest patch release wins), then in each PATH directory.
# Exit status 1 (and a message on stderr) when none is found.
set -euo pipefail

want="${1:?usage: find-python.sh 3.X}"
root="${PYENV_ROOT:-${REAL_HOME:-$HOME}/.pyenv}"

if [ -d "$root/versions" ]; then
    best=""
    for dir in "$root"/versions/"$want".*; do
        [ -x "$dir/bin/python$want" ] || continue
        case "${dir##*/}" in
            "$want".[0-9]*) ;;
            *) continue ;;
        esac
        # keep only final releases (3.12.1, not 3.12.0rc1 or 3.12-dev)
        [[ "${dir##*/}" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || continue
        best="$(printf '%s\n%s\n' "$best" "$dir" | sed '/^$/d' | sort -V | tail -n 1)"
    done
    if [ -n "$best" ]; then
        printf '%s\n' "$best/bin/python$want"
        exit 0
    fi
fi

# Every PATH entry in order (not only the first python3.X: that may be a pyenv shim, which
# depends on pyenv state; only real interpreters count).
IFS=: read -r -a path_dirs <<<"${PATH:-}"
for dir in "${path_dirs[@]}"; do
    case "$dir" in
        "" | "$root/shims" | */.pyenv/shims | */.pyenv/shims/) continue ;;
    esac
    path="$dir/python$want"
    [ -x "$path" ] && [ ! -d "$path" ] || continue
    if "$path" -c 'import sys; sys.exit(0 if "%d.%d" % sys.version_info[:2] == "'"$want"'" else 1)' 2>/dev/null; then
        printf '%s\n' "$path"
        exit 0
    fi
done

echo "find-python.sh: no Python $want found (pyenv root $root, PATH)" >&2
exit 1
