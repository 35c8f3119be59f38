#!/usr/bin/env bash
# Vulnerability matching at scale: a COMPONENTS (default 5,000) component CycloneDX SBOM against
# RECORDS (default 200,000) generated OSV records. Reports the import time separately, then the scan
# time and peak RSS of `gantry scan vulns`, next to `grep -c` over the same SBOM as a floor.
# Targets: scan under 2 s and under 300 MB.
set -euo pipefail
source "$(dirname "$0")/common.sh"
components="${COMPONENTS:-5000}"
records="${RECORDS:-200000}"
cd "$work"
export GANTRY_HOME="$work/.gantry"
python3 - "$components" "$records" <<'PY'
import json, os, random, sys
components, records = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(11)
os.makedirs("osv", exist_ok=True)
packages = [f"pkg-{i}" for i in range(records // 4)]
for i in range(records):
    name = packages[i % len(packages)]
    major = rng.randrange(1, 5)
    record = {
        "id": f"GHSA-bench-{i:07d}", "modified": "2026-11-01T00:00:00Z", "aliases": [f"CVE-2099-{i:07d}"],
        "summary": f"generated advisory {i}",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": f"{major}.0.0"}, {"fixed": f"{major}.{rng.randrange(1, 9)}.0"}]}]}],
    }
    with open(f"osv/{record['id']}.json", "w") as f:
        json.dump(record, f)
bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
    {"type": "library", "name": packages[i % len(packages)], "version": f"{rng.randrange(1, 5)}.{rng.randrange(0, 9)}.0",
     "purl": f"pkg:pypi/{packages[i % len(packages)]}@{rng.randrange(1, 5)}.{rng.randrange(0, 9)}.0"} for i in range(components)]}
json.dump(bom, open("sbom.json", "w"))
print(f"{records} OSV records, {components} components")
PY
now() { python3 -c 'import time; print(time.time())'; }
start=$(now)
"$gantry" vulndb import osv >/dev/null
import_time=$(python3 -c "print($(now) - $start)")
/usr/bin/time -f "%e %M" -o time.txt "$gantry" scan vulns sbom.json --json >scan.json || true
read -r scan_time rss_kb < <(tail -n 1 time.txt)
findings=$(python3 -c 'import json; print(len(json.load(open("scan.json"))["findings"]))')
echo "import of $records records: ${import_time:0:6}s"
echo "scan of $components components: ${scan_time}s, peak RSS $((rss_kb / 1024)) MiB, $findings findings (targets: < 2 s, < 300 MB)"
