#!/usr/bin/env bash
# sae_job_info against the emulator's demo data set.
set -eux
source ../setup_sae_emulator/emulator.sh
start_sae_emulator --dataset demo
ansible-playbook -i localhost, -c local playbook.yml "$@"
