#!/bin/bash
# full measurement batch; output in results_<set>.txt
cd "$(dirname "$0")"
P="nice -n 10 ${PYTHON:-python3} run.py"
TR="none had16 had32 had64 had256 sinq sinqc sh256"
for q in kq4 int4g32 asym4k kq4u kq5 kq2; do $P heavy $q $TR; done > results_heavy.txt 2>&1
for q in kq4 int4g32 asym4k kq4u kq5 kq2; do $P minilm $q $TR; done > results_minilm.txt 2>&1
