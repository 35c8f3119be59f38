#!/usr/bin/env bash
# Packing a SIZE_MB (default 1024) MiB tree: `gantry artifact pack` (normalized tar written to the
# store, hashed, fsynced) versus `tar -c | sha256sum` of the same tree. Target: gantry <= 1.3x.
set -euo pipefail
source "$(dirname "$0")/common.sh"
size_mb="${SIZE_MB:-1024}"
mkdir -p "$work/tree"
python3 - "$work/tree" "$size_mb" <<'PY'
import os, sys
root, size_mb = sys.argv[1], int(sys.argv[2])
block = os.urandom(1 << 20)
for i in range(size_mb * 2):  # 512 KiB files in 16 directories
    d = f"{root}/dir{i % 16}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/file{i}.bin", "wb") as f:
        f.write(block[(i * 7919) % (1 << 19):][:1 << 19].ljust(1 << 19, b"x"))
print(f"{size_mb} MiB in {size_mb * 2} files")
PY
cd "$work"
export GANTRY_HOME="$work/state"
hyperfine --warmup 1 --runs "${RUNS:-3}" --export-json "$work/result.json" --prepare "rm -rf $work/state" \
    -n gantry "$gantry artifact pack tree --name bench >/dev/null" \
    -n "tar | sha256sum" "tar -c --sort=name -C tree . | sha256sum >/dev/null"
python3 - "$work/result.json" "$size_mb" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
size = int(sys.argv[2])
g, t = results["gantry"], results["tar | sha256sum"]
print(f"gantry {g:.2f}s ({size / g:.0f} MiB/s), tar | sha256sum {t:.2f}s ({size / t:.0f} MiB/s)")
print(f"ratio gantry/tar: {g / t:.2f}x (target <= 1.3x)")
PY
