#!/usr/bin/env bash
# The sae_job inventory plugin against the emulator's demo data set (10 jobs, 3 regions).
set -eux
source ../setup_sae_emulator/emulator.sh
start_sae_emulator --dataset demo
ansible-inventory -i test.sae_job.yml --graph
ansible-playbook -i test.sae_job.yml verify.yml "$@"
