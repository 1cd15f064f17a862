#!/usr/bin/env bash
# Lay out the scratch tree every Ansible / test command runs in (idempotent, cheap):
#   .tmp/home                      scratch HOME (no real credential file, caches stay here)
#   .tmp/collections/ansible_collections/alicloud/sae -> the repository root
#   .tmp/pybin/python3.X           the interpreters this machine has, for ansible-test --python
#   $HOME/.ansible/test/cache/get_pip_*.py   offline pip bootstrap for ansible-test
#
#   tools/prepare.sh [VENV_PYTHON]   (VENV_PYTHON: a python with ansible-test installed)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$root/.tmp"
home="$tmp/home"

mkdir -p "$home" "$tmp/collections/ansible_collections/alicloud" "$tmp/pybin"

# LINK -> TARGET, touched only when it points elsewhere: gates running at the same time call this
# script too, and replacing a link leaves a moment when it does not exist.
link_to() { # target link
    if [ "$(readlink "$2" 2>/dev/null || true)" != "$1" ]; then
        rm -rf "$2"
        ln -s "$1" "$2"
    fi
}

link_to "$root" "$tmp/collections/ansible_collections/alicloud/sae"

for minor in 3.9 3.10 3.11 3.12 3.13 3.14; do
    if python="$("$root/tools/find-python.sh" "$minor" 2>/dev/null)"; then
        link_to "$python" "$tmp/pybin/python$minor"
    else
        rm -f "$tmp/pybin/python$minor"
    fi
done

venv_python="${1:-}"
if [ -n "$venv_python" ]; then
    cache="$home/.ansible/test/cache"
    mkdir -p "$cache"
    # The pip version(s) this ansible-test bootstraps (python_requirements.get_venv_packages).
    versions="$("$venv_python" - <<'PY'
import pathlib, re
import ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
text = src.read_text()
start = text.index("def get_venv_packages")
body = text[start:text.index("\ndef ", start + 1)]
print(" ".join(sorted(set(re.findall(r"pip=['\"]([0-9.]+)['\"]", body)))))
PY
)"
    if [ -z "$versions" ]; then
        echo "prepare.sh: could not read ansible-test's pip version from $venv_python" >&2
        exit 1
    fi
    for version in $versions; do
        target="$cache/get_pip_${version//./_}.py"
        cmp -s "$root/tools/get_pip_standin.py" "$target" || cp "$root/tools/get_pip_standin.py" "$target"
    done
fi
