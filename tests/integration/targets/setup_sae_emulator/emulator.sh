#!/usr/bin/env bash
# Sourced by the runme.sh of targets that need the SAE emulator: start_sae_emulator ARGS...
# starts it on 127.0.0.1 with the demo credentials exported, and stops it when the script exits.
# Nothing reaches a real Alibaba Cloud host, the ECS metadata service or a real credential file.

_sae_collection_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
_sae_python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
_sae_scratch="$(mktemp -d)"

# The network guard of every test process (tests/netguard): each Python process started from here on
# imports its sitecustomize.py; a refusal anywhere is recorded and fails the target when the script exits.
export PYTHONPATH="$_sae_collection_root/tests/netguard${PYTHONPATH:+:$PYTHONPATH}"
export SAE_TEST_NETGUARD_RECORD="$_sae_scratch/netguard.jsonl"
: >"$SAE_TEST_NETGUARD_RECORD"

export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
export HOME="$_sae_scratch/home"
mkdir -p "$HOME"
export ANSIBLE_PYTHON_INTERPRETER="$_sae_python"
export ANSIBLE_INVENTORY_UNPARSED_FAILED=true
for _sae_var in $(env | sed -n 's/^\(ALIBABA_CLOUD_[A-Z_]*\|ALICLOUD_[A-Z_]*\)=.*/\1/p'); do
    [ "$_sae_var" = ALIBABA_CLOUD_ECS_METADATA_DISABLED ] || unset "$_sae_var"
done

stop_sae_emulator() {
    local status=$?
    if [ -n "${SAE_EMULATOR_PID:-}" ] && kill -0 "$SAE_EMULATOR_PID" 2>/dev/null; then
        kill "$SAE_EMULATOR_PID" 2>/dev/null || true
        wait "$SAE_EMULATOR_PID" 2>/dev/null || true
    fi
    if [ -s "$SAE_TEST_NETGUARD_RECORD" ]; then
        echo "FAILED: the test network guard refused these connections or lookups:" >&2
        cat "$SAE_TEST_NETGUARD_RECORD" >&2
        status=1
    fi
    rm -rf "$_sae_scratch"
    exit "$status"
}

start_sae_emulator() {
    local collections_root
    collections_root="$(cd "$_sae_collection_root/../../.." && pwd)"
    PYTHONPATH="$_sae_collection_root/tests/netguard:$_sae_collection_root/emulator:$collections_root" \
        "$_sae_python" -m sae_emulator --port 0 "$@" \
        >"$_sae_scratch/emulator.out" 2>"$_sae_scratch/emulator.err" &
    SAE_EMULATOR_PID=$!
    trap stop_sae_emulator EXIT
    for _ in $(seq 1 200); do
        [ -s "$_sae_scratch/emulator.out" ] && break
        kill -0 "$SAE_EMULATOR_PID" 2>/dev/null || { cat "$_sae_scratch/emulator.err" >&2; return 1; }
        sleep 0.1
    done
    SAE_EMULATOR_ENDPOINT="$("$_sae_python" -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["endpoint"])' "$_sae_scratch/emulator.out")"
    case "$SAE_EMULATOR_ENDPOINT" in
        http://127.0.0.1:*) ;;
        *) echo "refusing a non-loopback emulator endpoint: $SAE_EMULATOR_ENDPOINT" >&2; return 1 ;;
    esac
    export ALIBABA_CLOUD_SAE_ENDPOINT="$SAE_EMULATOR_ENDPOINT"
    export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tSAEEmulatorDemo
    export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-demo-secret-do-not-use-in-prod
}
