#!/usr/bin/env bash
# Promotion cost versus artifact size in one store: promoting a 1 KiB and a SIZE_MB (default 1024) MiB
# artifact (signed, with SBOM and provenance) from dev to staging, pointer moves only (no deploy
# driver). Every promotion re-checks blobs, signatures, the SBOM seal, requires and rejections.
# Target: big/small <= 1.2x (a promotion is O(1) in the artifact's size).
set -euo pipefail
source "$(dirname "$0")/common.sh"
size_mb="${SIZE_MB:-1024}"
cd "$work"
export GANTRY_HOME="$work/.gantry" GANTRY_ACTOR=bench
mkdir -p small big
head -c 1024 /dev/urandom > small/blob.bin
python3 - big "$size_mb" <<'PY'
import os, sys
root, size_mb = sys.argv[1], int(sys.argv[2])
block = os.urandom(1 << 20)
for i in range(size_mb):
    with open(f"{root}/part{i:05d}.bin", "wb") as f:
        f.write(block[(i * 7919) % (1 << 19):] + block[:(i * 7919) % (1 << 19)])
PY
cat > gantry.yml <<'YML'
jobs:
  noop:
    steps: [{ run: "true" }]
environments:
  dev: {}
  staging:
    requires: dev
YML
"$gantry" keys generate >/dev/null
small="$("$gantry" artifact pack small --name small --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')"
big="$("$gantry" artifact pack big --name big --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')"
sleep 3  # leave the racy window, so a verified layer can be remembered
now() { python3 -c 'import time; print(time.time())'; }
first_start=$(now)
"$gantry" promote big --to dev --digest "$big" >/dev/null
first=$(python3 -c "print($(now) - $first_start)")
"$gantry" promote small --to dev --digest "$small" >/dev/null
hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json "$work/result.json" \
    -n small "$gantry promote small --to staging --digest $small >/dev/null" \
    -n big "$gantry promote big --to staging --digest $big >/dev/null"
python3 - "$work/result.json" "$size_mb" "$first" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
size, first = int(sys.argv[2]), float(sys.argv[3])
s, b = results["small"], results["big"]
print(f"first promotion of the {size} MiB artifact (hashes its layer once): {first:.2f}s")
print(f"promote 1 KiB: {s * 1000:.0f} ms, promote {size} MiB: {b * 1000:.0f} ms")
print(f"ratio big/small: {b / s:.2f}x (target <= 1.2x)")
PY
