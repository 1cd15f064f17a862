#!/usr/bin/env bash
# Run a command in a fresh copy of this checkout as on a machine with one Python only and no
# pyenv: what a contributor on Ubuntu 24.04 (Python 3.12) or with a current Homebrew (3.13)
# has after `git clone`.
#
#   tools/one-python.sh [--in-place] PYTHON_MINOR SCRATCH_DIR COMMAND...
#       e.g. tools/one-python.sh 3.13 .tmp/one-python make demo
#
#   --in-place         run COMMAND in this checkout instead of a copy (e.g. a fresh git clone)
#
#   SCRATCH_DIR/clone  the copy: the files git tracks and the untracked ones it does not ignore,
#                      as they are in the working tree now (tools/sync_copy.py, made anew each
#                      run); COMMAND runs here
#   SCRATCH_DIR/bin    the whole PATH: a link to each program of the system directories except
#                      Python interpreters and their tools, plus python3.X and python3 -> the one
#                      Python (found here by tools/find-python.sh)
#   SCRATCH_DIR/home   HOME, without .pyenv; PYENV_ROOT is unset
#
# The environment is emptied except for the locale, CI, how to reach the package index
# (proxies, CA bundles, PIP_*, UV_* but UV_PYTHON*: UV_CACHE_DIR / PIP_CACHE_DIR share a
# cache) and ALIBABA_CLOUD_ECS_METADATA_DISABLED=true.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: one-python.sh [--in-place] PYTHON_MINOR SCRATCH_DIR COMMAND..."
in_place=false
if [ "${1:-}" = --in-place ]; then
    in_place=true
    shift
fi
minor="${1:?$usage}"
scratch="${2:?$usage}"
shift 2
[ "$#" -gt 0 ] || { echo "$usage" >&2; exit 2; }

python="$("$root/tools/find-python.sh" "$minor")"
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"
clone="$scratch/clone"
bin="$scratch/bin"
home="$scratch/home"

# --- the copy ---------------------------------------------------------------------------
rm -rf "$home"
mkdir -p "$home"
if [ "$in_place" = true ]; then
    clone="$root"
else
    rm -rf "$clone"
    # the files git sees, as tools/sync_copy.py copies them for ansible-test (a git repository
    # with nothing committed, so that a copy of the copy works too)
    "$python" "$root/tools/sync_copy.py" "$clone"
fi

# --- the PATH ---------------------------------------------------------------------------
rm -rf "$bin"
mkdir -p "$bin"
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    [ -d "$dir" ] || continue
    for program in "$dir"/*; do
        name="${program##*/}"
        case "$name" in
            python* | pip* | pydoc* | idle* | 2to3* | pyenv* | uv | uvx | virtualenv*) continue ;;
        esac
        [ -x "$program" ] && [ ! -d "$program" ] || continue
        [ -e "$bin/$name" ] || ln -s "$program" "$bin/$name"
    done
done
ln -s "$python" "$bin/python$minor"
ln -s "$python" "$bin/python3"

# --- the environment --------------------------------------------------------------------
keep=(
    HOME="$home"
    PATH="$bin"
    ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
)
while IFS='=' read -r var _; do
    case "$var" in
        UV_PYTHON*) ;;
        LANG | LC_* | TZ | TERM | CI | UV_* | PIP_* | SSL_CERT_* | REQUESTS_CA_BUNDLE | CURL_CA_BUNDLE | \
            http_proxy | https_proxy | no_proxy | all_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY | ALL_PROXY)
            keep+=("$var=${!var}")
            ;;
    esac
done < <(env | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' || true)

echo "one-python.sh: $* in $clone, with only Python $minor ($python) on PATH and no pyenv"
cd "$clone"
exec env -i "${keep[@]}" "$@"
