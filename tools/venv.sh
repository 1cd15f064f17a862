#!/usr/bin/env bash
# Create (or reuse) a virtual environment under .venv/.
#
#   tools/venv.sh NAME PYTHON_MINOR [REQUIREMENT_FILE | PACKAGE_SPEC]...
#
# The venv is rebuilt only when its key changes: the interpreter, this script, and the
# contents of every requirement file (and every spec) given. The key is kept in
# .venv/NAME/.stamp, so a warm run costs a hash and a file read.
#
# Packages are installed with uv (itself installed by pip into .venv/uv from
# tests/requirements-uv.txt). The venv gets a .pth file that puts the emulator
# (emulator/) on sys.path, so `python -m sae_emulator` works in every venv.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:?usage: venv.sh NAME PYTHON_MINOR [REQ_FILE|SPEC]...}"
pyminor="${2:?usage: venv.sh NAME PYTHON_MINOR [REQ_FILE|SPEC]...}"
shift 2

venvs="$root/.venv"
venv="$venvs/$name"
python="$("$root/tools/find-python.sh" "$pyminor")"
mkdir -p "$venvs"

key="$(
    {
        echo "root $root"
        echo "python $python"
        "$python" -c 'import sys; print(sys.version)'
        cat "$root/tools/venv.sh"
        [ "$name" = uv ] || cat "$root/tests/requirements-uv.txt"
        for arg in "$@"; do
            if [ -f "$arg" ]; then
                echo "file"
                cat "$arg"
                # nested requirement files (-r other.txt) are part of the key as well
                sed -n 's/^-[rc][[:space:]]*//p' "$arg" | while read -r nested; do
                    nested_path="$(dirname "$arg")/$nested"
                    [ -f "$nested_path" ] && cat "$nested_path"
                done
            else
                echo "spec $arg"
            fi
        done
    } | sha256sum | cut -c1-32
)"

if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null || true)" = "$key" ]; then
    exit 0
fi

# One builder per venv at a time (make -j may ask for the same venv twice).
exec 9>"$venvs/.$name.lock"
flock 9
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null || true)" = "$key" ]; then
    exit 0
fi

start=$(date +%s)
echo "venv: building .venv/$name ($("$python" -c 'import platform; print(platform.python_version())') from $python)"
rm -rf "$venv"

export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 UV_NATIVE_TLS=1
# uv refuses an empty UV_CACHE_DIR ("a value is required for '--cache-dir'"): empty means its default
[ -n "${UV_CACHE_DIR:-}" ] || unset UV_CACHE_DIR

if [ "$name" = uv ]; then
    # The bootstrap: a plain venv with pip, holding the pinned uv.
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
else
    # uv is bootstrapped on the tools venv's Python (TOOLS_PYTHON_VERSION when make set it)
    "$root/tools/venv.sh" uv "$("$root/tools/tools-python.sh")" -r "$root/tests/requirements-uv.txt"
    uv="$venvs/uv/bin/uv"
    "$uv" venv --quiet --seed --python "$python" "$venv"
    args=()
    for arg in "$@"; do
        if [ -f "$arg" ]; then
            args+=(-r "$arg")
        else
            args+=("$arg")
        fi
    done
    if [ "${#args[@]}" -gt 0 ]; then
        "$uv" pip install --quiet --python "$venv/bin/python" "${args[@]}"
    fi
    site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    printf '%s\n' "$root/emulator" >"$site/_alicloud_sae_emulator.pth"
fi

echo "$key" >"$venv/.stamp"
echo "venv: .venv/$name ready in $(($(date +%s) - start)) s"
