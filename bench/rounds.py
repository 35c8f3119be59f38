#!/usr/bin/env python3
"""Times shell commands side by side, interleaved: every round runs each command once, in turn, so a
noisy neighbour or a drifting clock speed weighs on all of them alike (hyperfine runs all of one
command's runs before the next one's). Prints each command's median, fastest and CPU time, and its
median against the base command's.

    rounds.py --runs N --warmup 1 --base NAME [--prepare SHELL] NAME=SHELL ...

--prepare runs (untimed) before every timed command."""
import argparse, os, statistics, subprocess, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=10)
parser.add_argument("--warmup", type=int, default=1)
parser.add_argument("--base", required=True)
parser.add_argument("--prepare", default="")
parser.add_argument("commands", nargs="+", metavar="NAME=SHELL")
arguments = parser.parse_args()
commands = dict(entry.split("=", 1) for entry in arguments.commands)
if arguments.base not in commands:
    sys.exit(f"rounds.py: --base {arguments.base} is not one of the commands")


def run(shell):
    if arguments.prepare:
        subprocess.run(arguments.prepare, shell=True, check=True)
    started = time.perf_counter()
    process = subprocess.Popen(["bash", "-c", shell], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        sys.exit(f"rounds.py: '{shell}' failed (wait status {status})")
    return elapsed, usage.ru_utime + usage.ru_stime


for _ in range(arguments.warmup):
    for shell in commands.values():
        run(shell)
wall = {name: [] for name in commands}
cpu = {name: [] for name in commands}
for _ in range(arguments.runs):
    for name, shell in commands.items():
        elapsed, used = run(shell)
        wall[name].append(elapsed)
        cpu[name].append(used)
base = statistics.median(wall[arguments.base])
print(f"{arguments.runs} interleaved rounds")
print(f"{'command':26s} {'median':>8s} {'fastest':>8s} {'cpu':>8s}  {'vs ' + arguments.base:>12s}")
for name in commands:
    median = statistics.median(wall[name])
    print(f"{name:26s} {median:7.3f}s {min(wall[name]):7.3f}s {statistics.median(cpu[name]):7.3f}s  {median / base:11.2f}x")
