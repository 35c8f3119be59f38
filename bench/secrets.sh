#!/usr/bin/env bash
# Secret scanning over a generated SIZE_MB (default 300) MB tree of mixed files (source code, JSON,
# YAML, logs, lockfiles) with a few secrets sprinkled in: `gantry scan secrets` versus `grep -rEIi`
# with the same rule patterns as one alternation (LC_ALL=C, grep's fastest mode).
# Target: gantry <= 1.0x grep's time. Then detect-secrets (PyPI) on a tenth of the tree, side by side.
set -euo pipefail
source "$(dirname "$0")/common.sh"
size_mb="${SIZE_MB:-300}"
repo="$PWD"
cd "$work"
python3 - tree "$size_mb" <<'PY'
import os, random, string, sys
root, size_mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
words = ["return", "value", "config", "server", "request", "handler", "result", "index", "user", "cache",
         "session", "import", "function", "const", "let", "print", "error", "status", "count", "items"]
def line(kind):
    if kind == "py":
        return f"    {rng.choice(words)}_{rng.randrange(999)} = {rng.choice(words)}({rng.randrange(10**6)})\n"
    if kind == "js":
        return f"const {rng.choice(words)}{rng.randrange(99)} = await fetch('/api/{rng.choice(words)}/{rng.randrange(10**4)}');\n"
    if kind == "json":
        return f'  "{rng.choice(words)}": "{"".join(rng.choices(string.ascii_letters, k=24))}",\n'
    if kind == "yaml":
        return f"  {rng.choice(words)}: {rng.choice(words)}-{rng.randrange(10**5)}\n"
    return f"2026-11-23T12:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z INFO {rng.choice(words)} {rng.choice(words)} took {rng.randrange(999)}ms id={rng.getrandbits(64):016x}\n"
secret = "gh" + "p_" + "".join(rng.choices(string.ascii_letters + string.digits, k=36))
total, index = 0, 0
kinds = ["py", "js", "json", "yaml", "log"]
while total < size_mb * 1_000_000:
    kind = kinds[index % len(kinds)]
    path = f"{root}/d{index % 50}/file{index}.{kind}"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    body = "".join(line(kind) for _ in range(rng.randrange(500, 3000)))
    if index % 97 == 0:
        body += f"token = \"{secret}\"\n"
    with open(path, "w") as f:
        f.write(body)
    total += len(body)
    index += 1
print(f"{total / 1e6:.0f} MB in {index} files")
PY
pattern='(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}|ghp_[0-9a-zA-Z]{36}|github_pat_[0-9a-zA-Z_]{82}|(gho|ghu|ghs|ghr)_[0-9a-zA-Z]{36}|glpat-[0-9a-zA-Z_-]{20}|xox[bpe]-[0-9]{10,13}-[0-9a-zA-Z-]+|xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+|hooks\.slack\.com/(services|workflows|triggers)/[A-Za-z0-9+/]{43,56}|(sk|rk)_(live|prod)_[a-zA-Z0-9]{10,99}|AIza[0-9A-Za-z_-]{35}|-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY|eyJ[a-zA-Z0-9_-]{14,}\.eyJ[a-zA-Z0-9_-]{14,}\.[a-zA-Z0-9_-]{10,}|npm_[a-zA-Z0-9]{36}|pypi-AgEIcHlwaS5vcmc[0-9a-zA-Z_-]{50,}|(password|passwd|pwd|secret|token|api_?key|access_?key|auth_?key|private_?key|credentials?)[a-zA-Z0-9_.-]{0,30}["'"'"']?[[:space:]]*(=|:)[[:space:]]*["'"'"']?[^[:space:]"'"'"';,]{10,}'
printf '%s\n' "$pattern" > pattern.txt
hyperfine --warmup 1 --runs "${RUNS:-3}" --export-json "$work/result.json" -i \
    -n gantry "$gantry scan secrets tree >/dev/null" \
    -n "grep -rEIi" "LC_ALL=C grep -rEIi -n -f pattern.txt tree >/dev/null"
echo "gantry findings: $("$gantry" scan secrets tree --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))'), grep lines: $(LC_ALL=C grep -rEIi -f pattern.txt tree | wc -l)"
python3 - "$work/result.json" "$size_mb" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
size = int(sys.argv[2])
g, r = results["gantry"], results["grep -rEIi"]
print(f"gantry {g:.2f}s ({size / g:.0f} MB/s), grep -rEIi {r:.2f}s ({size / r:.0f} MB/s)")
print(f"ratio gantry/grep: {g / r:.2f}x (target <= 1.0x)")
PY

# detect-secrets (PyPI) side by side, on a tenth of the tree (it is far slower): one run each.
detect_secrets="$repo/.build/python-tools/bin/detect-secrets"
[ -x "$detect_secrets" ] || (cd "$repo" && ./scripts/python-tools >/dev/null)
mkdir -p subset
for index in 0 1 2 3 4; do cp -r "tree/d$index" subset/; done
subset_mb="$(du -sm subset | cut -f1)"
hyperfine --runs 1 --export-json "$work/detect.json" -i \
    -n gantry "$gantry scan secrets subset >/dev/null" \
    -n detect-secrets "$detect_secrets scan --all-files subset >/dev/null" >/dev/null
python3 - "$work/detect.json" "$subset_mb" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
size = int(sys.argv[2])
g, d = results["gantry"], results["detect-secrets"]
print(f"on {size} MB: gantry {g:.2f}s, detect-secrets 1.5 {d:.2f}s: detect-secrets takes {d / g:.0f}x as long")
PY
