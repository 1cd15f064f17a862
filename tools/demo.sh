#!/usr/bin/env bash
# `make demo`: start the SAE emulator with the demo data set on 127.0.0.1, point the
# collection at it with demo credentials, and run playbooks/demo.yml. The emulator is
# always stopped on exit. Run through make (scratch HOME, ANSIBLE_COLLECTIONS_PATH,
# tools venv first on PATH).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$root/.venv/tools/bin/python"
scratch="$root/.tmp/demo"
mkdir -p "$scratch"

export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$root/.tmp/collections}"
export ANSIBLE_PYTHON_INTERPRETER="$python"

# Start the emulator; its first stdout line is JSON that tells where it listens.
PYTHONPATH="$root/emulator" "$python" -m sae_emulator --dataset demo >"$scratch/emulator.out" 2>"$scratch/emulator.err" &
emulator_pid=$!
stop_emulator() {
    if kill -0 "$emulator_pid" 2>/dev/null; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
}
trap stop_emulator EXIT INT TERM

first_line=""
for _ in $(seq 1 100); do
    if [ -s "$scratch/emulator.out" ]; then
        first_line="$(head -n 1 "$scratch/emulator.out")"
        [ -n "$first_line" ] && break
    fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "demo: the emulator exited early:" >&2
        cat "$scratch/emulator.err" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$first_line" ]; then
    echo "demo: the emulator printed no start line within 10 s" >&2
    exit 1
fi

endpoint="$("$python" -c '
import json, sys
info = json.loads(sys.argv[1])
if info.get("endpoint"):
    print(info["endpoint"])
else:
    print("%s://%s:%s" % (info.get("scheme", "http"), info.get("host", "127.0.0.1"), info["port"]))
' "$first_line")"
case "$endpoint" in
    *://127.0.0.1:* | *://localhost:* | *://\[::1\]:* | 127.0.0.1:*) ;;
    *)
        echo "demo: refusing a non-loopback emulator endpoint: $endpoint" >&2
        exit 1
        ;;
esac

export ALIBABA_CLOUD_SAE_ENDPOINT="$endpoint"
export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tSAEEmulatorDemo
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-demo-secret-do-not-use-in-prod
echo "demo: emulator (pid $emulator_pid) at $endpoint"

export ANSIBLE_INVENTORY_UNPARSED_FAILED=true

echo
echo "== 1. alicloud.sae.sae_job_info: the job templates of each namespace"
ansible-playbook -i localhost, -c local "$root/playbooks/demo.yml" "$@"

echo
echo "== 2. alicloud.sae.sae_job inventory: every job template a host, grouped by region, namespace, tag, suspension and last run"
ansible-inventory -i "$root/playbooks/demo.sae_job.yml" --graph

echo
echo "== 3. A playbook that targets one namespace group, one tag group and the last-run group sae_last_run_failed"
ansible-playbook -i "$root/playbooks/demo.sae_job.yml" "$root/playbooks/demo_inventory.yml" "$@"
