#!/usr/bin/env bash
# 1,000 no-op jobs in a layered DAG with fan-in/fan-out: gantry --parallel 2 versus make -j2 and ninja -j2,
# side by side with hyperfine. Prints the gantry/ninja ratio (target: within 1.5x).
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
commands=(
    -n "gantry (state on disk)" "GANTRY_HOME=$work/state $gantry run --file gantry.yml --parallel 2 >/dev/null"
)
[ -n "$shm" ] && commands+=(
    -n "gantry (state on tmpfs)" "GANTRY_HOME=$shm/state $gantry run --file gantry.yml --parallel 2 >/dev/null"
)
commands+=(
    -n "make -j2" "make -j2 -s -f Makefile all"
    -n "ninja -j2" "ninja -j2 -f build.ninja >/dev/null"
)
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json "$work/result.json" \
    --prepare "rm -rf $work/state ${shm:+$shm/state}" "${commands[@]}"
python3 - "$work/result.json" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
ninja = results["ninja -j2"]
for name, mean in results.items():
    print(f"{name:26s} {mean:7.3f}s  {mean / ninja:5.2f}x ninja")
print(f"ratio gantry/ninja: {results['gantry (state on disk)'] / ninja:.2f}x on disk"
      + (f", {results['gantry (state on tmpfs)'] / ninja:.2f}x with state on tmpfs" if 'gantry (state on tmpfs)' in results else "")
      + " (target <= 1.5x)")
PY
