#!/usr/bin/env bash
# Log throughput: one step prints SIZE_MB (default 500) MB of text while 100 secrets are registered.
# Gantry splits lines, masks every secret form, writes JSONL and the console (to /dev/null); the peer
# is `cat` of the same file into a file. Prints the throughput ratio (target >= 0.3x of cat) and
# gantry's peak RSS from /usr/bin/time -v (target < 64 MB).
set -euo pipefail
source "$(dirname "$0")/common.sh"
size_mb="${SIZE_MB:-500}"
python3 - "$work" "$size_mb" <<'PY'
import random, sys
work, size_mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(3)
alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
secrets = ["".join(rng.choice(alphabet) for _ in range(rng.randint(16, 40))) for _ in range(100)]
with open(f"{work}/secrets.env", "w") as f:
    for i, s in enumerate(secrets):
        f.write(f"SECRET_{i}={s}\n")
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10))) for _ in range(2000)]
# One 1 MiB block of log-like lines (a few containing secrets), repeated.
lines, size = [], 0
while size < 1 << 20:
    line = f"2026-11-23T12:00:00Z INFO step {rng.randint(0, 99999)}: " + " ".join(rng.choice(words) for _ in range(rng.randint(4, 16)))
    if rng.random() < 0.01:
        line += " token=" + rng.choice(secrets)
    lines.append(line)
    size += len(line) + 1
block = ("\n".join(lines) + "\n").encode()
with open(f"{work}/big.txt", "wb") as f:
    for _ in range(size_mb):
        f.write(block)
with open(f"{work}/gantry.yml", "w") as f:
    f.write("jobs:\n  print:\n    steps:\n      - run: cat big.txt\n")
print(f"{size_mb} MiB of output, 100 secrets")
PY
cd "$work"
export CI=true GANTRY_HOME="$work/state"
cat big.txt > /dev/null  # warm the page cache for both
hyperfine --runs "${RUNS:-3}" --export-json "$work/result.json" --prepare "rm -rf $work/state $work/copy.txt" \
    -n cat "cat big.txt > copy.txt" \
    -n gantry "$gantry run --file gantry.yml --secrets-file secrets.env > /dev/null"
rm -rf "$work/state"
/usr/bin/time -v "$gantry" run --file gantry.yml --secrets-file secrets.env >/dev/null 2>"$work/time.txt"
leaks=$(grep -c -F -f <(cut -d= -f2 secrets.env) state/logs/*/print.jsonl || true)
masked=$(grep -o '\*\*\*' state/logs/*/print.jsonl | wc -l)
python3 - "$work" "$size_mb" "$leaks" "$masked" <<'PY'
import json, re, sys
work, size_mb, leaks, masked = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
results = {r["command"]: r["mean"] for r in json.load(open(f"{work}/result.json"))["results"]}
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{work}/time.txt").read()).group(1))
print(f"cat {results['cat']:.2f}s ({size_mb / results['cat']:.0f} MiB/s), gantry {results['gantry']:.2f}s ({size_mb / results['gantry']:.0f} MiB/s)")
print(f"throughput gantry/cat: {results['cat'] / results['gantry']:.2f}x (target >= 0.3x)")
print(f"gantry peak RSS: {rss_kb / 1024:.1f} MiB (target < 64 MiB); secrets masked: {masked}, leaked: {leaks}")
PY
