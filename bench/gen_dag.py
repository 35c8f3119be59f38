#!/usr/bin/env python3
"""Generates one layered DAG of no-op jobs in three forms: gantry.yml, Makefile, build.ninja.

Layers of WIDTH jobs; every job needs up to FANIN jobs of the layer before (fan-in), and each
job is needed by several of the next (fan-out). Usage: gen_dag.py OUTDIR [JOBS] [WIDTH] [FANIN]
"""
import os
import random
import sys

out = sys.argv[1]
jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
width = int(sys.argv[3]) if len(sys.argv) > 3 else 50
fanin = int(sys.argv[4]) if len(sys.argv) > 4 else 3
rng = random.Random(42)
os.makedirs(out, exist_ok=True)

layers = []
count = 0
while count < jobs:
    size = min(width, jobs - count)
    layers.append([f"j{count + i}" for i in range(size)])
    count += size

needs = {}
for index, layer in enumerate(layers):
    for name in layer:
        needs[name] = [] if index == 0 else sorted(rng.sample(layers[index - 1], min(fanin, len(layers[index - 1]))))

with open(os.path.join(out, "gantry.yml"), "w") as f:
    f.write("name: dag\njobs:\n")
    for name, deps in needs.items():
        f.write(f"  {name}:\n")
        if deps:
            f.write(f"    needs: [{', '.join(deps)}]\n")
        f.write("    steps: [{ run: 'true' }]\n")

with open(os.path.join(out, "Makefile"), "w") as f:
    f.write(f".PHONY: all {' '.join(needs)}\nall: {' '.join(needs)}\n")
    for name, deps in needs.items():
        f.write(f"{name}: {' '.join(deps)}\n\t@true\n")

with open(os.path.join(out, "build.ninja"), "w") as f:
    f.write("rule run\n  command = true\n\n")
    for name, deps in needs.items():
        # Outputs are never created, so every run executes every command.
        f.write(f"build {name}: run" + (f" || {' '.join(deps)}" if deps else "") + "\n")
    f.write(f"build all: phony {' '.join(needs)}\ndefault all\n")
print(f"{len(needs)} jobs in {len(layers)} layers written to {out}")
