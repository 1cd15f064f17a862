#!/usr/bin/env bash
# The Python (minor version) of the tools venv, .venv/tools: it runs the demo, the linters and
# ansible-test's sanity, units and integration gates, and it builds the uv bootstrap (.venv/uv).
#
#   tools/tools-python.sh            -> 3.11: the first supported Python this machine has
#   tools/tools-python.sh present    -> 3.11 3.12 3.13: every supported Python it has, in that order
#   tools/tools-python.sh lock       -> 3.11: the Python tests/requirements-tools.txt is resolved for
#
# TOOLS_PYTHON_VERSION=3.X in the environment (make passes it on) picks one of them.
# Exit status 1 with a message on stderr when none is found (or the one asked for is not).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ansible-core 2.19 (tests/requirements-tools.in) runs on Python 3.11-3.13 on the controller.
# `make lock` resolves one lock for all of them (uv pip compile --universal); the first is the
# one it is resolved and mostly run on, so it wins when the machine has it.
SUPPORTED="3.11 3.12 3.13"

have() { "$root/tools/find-python.sh" "$1" >/dev/null 2>&1; }

present() {
    for minor in $SUPPORTED; do
        if have "$minor"; then echo "$minor"; fi
    done
}

case "${1:-}" in
    "")
        if [ -n "${TOOLS_PYTHON_VERSION:-}" ]; then
            case " $SUPPORTED " in
                *" $TOOLS_PYTHON_VERSION "*) ;;
                *)
                    echo "tools-python.sh: TOOLS_PYTHON_VERSION=$TOOLS_PYTHON_VERSION is not one of $SUPPORTED" >&2
                    exit 1
                    ;;
            esac
            "$root/tools/find-python.sh" "$TOOLS_PYTHON_VERSION" >/dev/null
            echo "$TOOLS_PYTHON_VERSION"
            exit 0
        fi
        all="$(present | xargs)"
        chosen="${all%% *}"
        if [ -z "$chosen" ]; then
            echo "tools-python.sh: the tools need Python 3.11, 3.12 or 3.13 (pyenv or PATH); none found." >&2
            echo "tools-python.sh: install one (e.g. 'pyenv install 3.11' or the distribution's python3.12)" >&2
            exit 1
        fi
        echo "$chosen"
        ;;
    present) present | xargs ;;
    lock) echo "${SUPPORTED%% *}" ;;
    *)
        echo "usage: tools-python.sh [present | lock]" >&2
        exit 2
        ;;
esac
