#!/usr/bin/env bash
# 1,000 no-op jobs in a layered DAG with fan-in/fan-out: gantry --parallel 2 versus make -j2 and ninja -j2,
# side by side in interleaved rounds (bench/rounds.py). Prints the gantry/ninja ratio of medians
# (target: within 1.5x).
#
# Gantry records every job (steps, exit codes) in SQLite; jobs that print nothing get no log file
# (a job that prints gets a JSONL log); make and ninja write nothing.
# The run is measured twice: with Gantry's state on the workspace's filesystem (the normal case) and
# on tmpfs (/dev/shm), which separates scheduling cost from the filesystem's cost of creating files.
set -euo pipefail
source "$(dirname "$0")/common.sh"
shm=""
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm="$(mktemp -d -p /dev/shm)"
    cleanup_paths+=("$shm")
fi
python3 bench/gen_dag.py "$work" "${JOBS:-1000}" 50 3
cd "$work"
export CI=true
commands=("gantry (state on disk)=GANTRY_HOME=$work/state $gantry run --file gantry.yml --parallel 2 >/dev/null")
[ -n "$shm" ] && commands+=(
    "gantry (state on tmpfs)=GANTRY_HOME=$shm/state $gantry run --file gantry.yml --parallel 2 >/dev/null"
)
commands+=(
    "make -j2=make -j2 -s -f Makefile all"
    "ninja -j2=ninja -j2 -f build.ninja >/dev/null"
)
# Interleaved rounds (each round runs every command once): the machines this runs on are shared, and
# a slow minute must weigh on Gantry and ninja alike. Medians, not means: a disturbed round is noise.
python3 "$OLDPWD/bench/rounds.py" --runs "${RUNS:-10}" --warmup 1 --base "ninja -j2" \
    --prepare "rm -rf $work/state ${shm:+$shm/state}" "${commands[@]}" | tee "$work/result.txt"
awk '/^gantry \(state on disk\)/ {disk = $(NF)} /^gantry \(state on tmpfs\)/ {tmpfs = $(NF)}
    END {printf "ratio gantry/ninja: %s on disk%s (target <= 1.5x)\n", disk, tmpfs ? ", " tmpfs " with state on tmpfs" : ""}' "$work/result.txt"
