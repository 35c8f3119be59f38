#!/usr/bin/env bash
# A GitHub Actions workflow run unchanged: 20 jobs in a chain, each with three run: steps (a checkout,
# a command that reads a file, one that writes a step output), against plain bash running the same
# commands in the same order. Prints both wall times, the ratio, Gantry's overhead per job, and the
# processes Gantry starts per step (counted with strace when it is installed). Then the same for a
# GitLab CI file of 20 jobs in 20 stages (two script commands each, echoed as GitLab Runner does).
# Target: gantry <= 1.2x bash + 5 ms per job.
set -euo pipefail
source "$(dirname "$0")/common.sh"
jobs=20
mkdir -p "$work/repo/.github/workflows"
python3 - "$work/repo" "$jobs" <<'PY'
import sys
root, jobs = sys.argv[1], int(sys.argv[2])
with open(f"{root}/data.txt", "w") as f:
    f.write("\n".join(f"line {i}" for i in range(2000)))
steps = [
    "      - uses: actions/checkout@v4\n",
    "      - run: wc -l data.txt\n",
    "      - id: out\n        run: echo \"n=$(( $RANDOM % 7 ))\" >> \"$GITHUB_OUTPUT\"\n",
]
with open(f"{root}/.github/workflows/chain.yml", "w") as f:
    f.write("name: chain\non: push\njobs:\n")
    for i in range(jobs):
        f.write(f"  j{i}:\n    runs-on: ubuntu-latest\n")
        if i:
            f.write(f"    needs: j{i-1}\n")
        f.write("    steps:\n" + "".join(steps))
# The same commands, in the same order, for bash (each run: step in its own bash, as a runner does;
# the checkout, which has nothing to do here, only prints, as in gantry).
with open(f"{root}/plain.sh", "w") as f:
    f.write("set -e\nexport GITHUB_OUTPUT=$(mktemp)\n")
    for i in range(jobs):
        f.write("echo 'actions/checkout: the workspace is the checkout'\n")  # no process, as in gantry
        f.write("bash -c 'wc -l data.txt'\n")
        f.write("bash -c 'echo \"n=$(( $RANDOM % 7 ))\" >> \"$GITHUB_OUTPUT\"'\n")
    f.write("rm -f \"$GITHUB_OUTPUT\"\n")
PY
git -C "$work/repo" init -q -b main
git -C "$work/repo" add .
git -C "$work/repo" -c user.email=b@example.com -c user.name=b commit -q -m bench
cd "$work/repo"
"$gantry" run .github/workflows/chain.yml >/dev/null  # state created once, as in a working repository
hyperfine --warmup 1 --runs 10 --export-json "$work/compat.json" \
    -n gantry "$gantry run .github/workflows/chain.yml --no-cache" \
    -n bash "bash plain.sh" >/dev/null
processes="-"
if command -v strace >/dev/null; then
    strace -f -e trace=execve -o "$work/trace" "$gantry" run .github/workflows/chain.yml --no-cache >/dev/null 2>&1 || true
    processes="$(python3 -c "import sys; print(round(sum(1 for l in open(sys.argv[1]) if 'execve(' in l and '= 0' in l) / ($jobs * 3), 2))" "$work/trace")"
fi
python3 - "$work/compat.json" "$jobs" "$processes" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
jobs, processes = int(sys.argv[2]), sys.argv[3]
g, b = results["gantry"], results["bash"]
print(f"{jobs}-job workflow, 3 run: steps per job (hyperfine, 10 runs):")
print(f"  gantry run  {g * 1000:8.1f} ms")
print(f"  plain bash  {b * 1000:8.1f} ms")
print(f"  ratio {g / b:.2f}x; overhead {(g - b) / jobs * 1000:.1f} ms per job; "
      f"budget 1.2x bash + 5 ms/job = {(1.2 * b + 0.005 * jobs) * 1000:.1f} ms: {'met' if g <= 1.2 * b + 0.005 * jobs else 'missed'}")
print(f"  processes started per step by gantry: {processes}")
PY

# GitLab CI: 20 stages of one job each; each job's script runs in one bash, as GitLab Runner's shell
# executor runs it (commands echoed first).
mkdir -p "$work/gitlab"
python3 - "$work/gitlab" "$jobs" <<'PY'
import sys
root, jobs = sys.argv[1], int(sys.argv[2])
with open(f"{root}/data.txt", "w") as f:
    f.write("\n".join(f"line {i}" for i in range(2000)))
with open(f"{root}/.gitlab-ci.yml", "w") as f:
    f.write("stages: [" + ", ".join(f"s{i}" for i in range(jobs)) + "]\n")
    for i in range(jobs):
        f.write(f"j{i}:\n  stage: s{i}\n  script:\n    - wc -l data.txt\n    - echo \"job $CI_JOB_NAME\"\n")
with open(f"{root}/plain.sh", "w") as f:
    f.write("set -e\n")
    for i in range(jobs):
        f.write(f"CI_JOB_NAME=j{i} bash -eo pipefail -c 'printf \"%s\\n\" \"$ wc -l data.txt\"; wc -l data.txt; "
                "printf \"%s\\n\" \"$ echo job\"; echo \"job $CI_JOB_NAME\"'\n")
PY
git -C "$work/gitlab" init -q -b main
git -C "$work/gitlab" add .
git -C "$work/gitlab" -c user.email=b@example.com -c user.name=b commit -q -m bench
cd "$work/gitlab"
"$gantry" run >/dev/null
hyperfine --warmup 1 --runs 10 --export-json "$work/gitlab.json" \
    -n gantry "$gantry run --no-cache" \
    -n bash "bash plain.sh" >/dev/null
python3 - "$work/gitlab.json" "$jobs" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
jobs = int(sys.argv[2])
g, b = results["gantry"], results["bash"]
print(f"{jobs}-stage GitLab CI file, one 2-command script per job (hyperfine, 10 runs):")
print(f"  gantry run  {g * 1000:8.1f} ms")
print(f"  plain bash  {b * 1000:8.1f} ms")
print(f"  ratio {g / b:.2f}x; overhead {(g - b) / jobs * 1000:.1f} ms per job; "
      f"budget 1.2x bash + 5 ms/job = {(1.2 * b + 0.005 * jobs) * 1000:.1f} ms: {'met' if g <= 1.2 * b + 0.005 * jobs else 'missed'}")
PY
