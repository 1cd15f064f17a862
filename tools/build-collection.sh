#!/usr/bin/env bash
# Build the collection with one venv's ansible-galaxy and install the tarball, unless OUT already holds the
# build and the install of the same inputs (tools/build_key.py: the files the build takes, by content, and
# the venv's key): every gate of a run, and the next run, reuse them then.
#
#   tools/build-collection.sh VENV OUT [install]
#
# OUT/alicloud-sae-*.tar.gz, OUT/build.log (what ansible-galaxy said) and, with "install",
# OUT/collections/ansible_collections/alicloud/sae (ansible-galaxy collection install --offline).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:?usage: build-collection.sh VENV OUT [install]}"
out="${2:?usage: build-collection.sh VENV OUT [install]}"
install="${3:-}"

key="$("$venv/bin/python" "$root/tools/build_key.py" "$venv/.stamp" "install=$install")"
if [ "$(cat "$out/.key" 2>/dev/null || true)" = "$key" ] && compgen -G "$out/alicloud-sae-*.tar.gz" >/dev/null \
    && { [ -z "$install" ] || [ -f "$out/collections/ansible_collections/alicloud/sae/MANIFEST.json" ]; }; then
    echo "build-collection: $(basename "$out"): inputs unchanged (key ${key:0:12}), reusing $(cd "$out" && echo alicloud-sae-*.tar.gz)"
    exit 0
fi

rm -rf "$out" && mkdir -p "$out"
"$venv/bin/ansible-galaxy" collection build --force --output-path "$out" "$root" 2>&1 | tee "$out/build.log"
if [ -n "$install" ]; then
    ANSIBLE_COLLECTIONS_PATH="$out/collections" "$venv/bin/ansible-galaxy" \
        collection install --offline -p "$out/collections" "$out"/alicloud-sae-*.tar.gz
fi
echo "$key" >"$out/.key"
