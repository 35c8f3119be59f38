#!/usr/bin/env bash
# Build avoidance: a 200-job pipeline whose jobs declare `inputs` (each compresses its own 256 KiB
# source file and passes a digest to the jobs that need it). Measures, side by side with hyperfine:
#   first run (empty state) / unchanged re-run / re-run after changing one input file.
# Target: the unchanged re-run takes under 5% of the first run's time.
set -euo pipefail
source "$(dirname "$0")/common.sh"
python3 - "$work" <<'PY'
import os, random, sys
out = sys.argv[1]
rng = random.Random(7)
os.makedirs(f"{out}/src", exist_ok=True)
words = [''.join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(5000)]
with open(f"{out}/gantry.yml", "w") as f:
    f.write("name: avoidance\njobs:\n")
    for i in range(200):
        with open(f"{out}/src/j{i}.txt", "w") as src:
            text = []
            size = 0
            while size < 256 * 1024:
                w = rng.choice(words)
                text.append(w)
                size += len(w) + 1
            src.write(" ".join(text))
        needs = [] if i < 20 else sorted({f"j{rng.randrange((i // 20 - 1) * 20, (i // 20) * 20)}" for _ in range(2)})
        f.write(f"  j{i}:\n")
        if needs:
            f.write(f"    needs: [{', '.join(needs)}]\n")
        f.write(f"    inputs: [src/j{i}.txt]\n")
        f.write("    outputs: { digest: '${{ steps.c.outputs.digest }}' }\n")
        f.write("    steps:\n      - id: c\n        run: |\n")
        f.write(f"          gzip -9 -c src/j{i}.txt > /dev/null\n")
        f.write(f"          echo \"digest=$(sha256sum src/j{i}.txt | cut -c1-16)\" >> \"$GANTRY_OUTPUT\"\n")
print("200 jobs with inputs written")
PY
cd "$work"
export CI=true GANTRY_HOME="$work/state"
run="$gantry run --file gantry.yml --parallel 2 >/dev/null"
hyperfine --runs "${RUNS:-3}" --export-json "$work/first.json" --prepare "rm -rf $work/state" -n "first run" "$run"
"$gantry" run --file gantry.yml --parallel 2 >/dev/null  # state for the re-runs
hyperfine --warmup 1 --runs "${RUNS:-3}" --export-json "$work/unchanged.json" -n "unchanged re-run" "$run"
hyperfine --runs "${RUNS:-3}" --export-json "$work/changed.json" \
    --prepare "echo \$RANDOM >> $work/src/j5.txt" -n "one input changed" "$run"
"$gantry" run --file gantry.yml --parallel 2 --json 2>/dev/null >"$work/last.json" || true
echo "x" >> src/j5.txt
"$gantry" run --file gantry.yml --parallel 2 --json 2>/dev/null >"$work/changed-run.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
mean = lambda name: json.load(open(f"{w}/{name}.json"))["results"][0]["mean"]
first, unchanged, changed = mean("first"), mean("unchanged"), mean("changed")
ran = [j["name"] for j in json.load(open(f"{w}/changed-run.json"))["jobs"] if j["status"] == "success"]
print(f"first run {first:.3f}s, unchanged re-run {unchanged:.3f}s, one input changed {changed:.3f}s")
print(f"ratio unchanged/first: {unchanged / first * 100:.1f}% (target < 5%)")
print(f"after changing src/j5.txt, {len(ran)} job(s) ran: {', '.join(ran)} (j5 and the jobs whose needs' outputs changed)")
PY
