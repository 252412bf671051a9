#!/usr/bin/env python3
"""Simulator throughput of main beside an older commit, in one run.

    python3 scripts/throughput_beside.py [--base cf1c6cc] [--seeds 5] [--reps 3]

Builds the base commit's release hsim in a scratch worktree (build/beside),
then runs `hsim run --seed S --nodes 5 --faults default --time 3600 --json`
for seeds 1..N, base and this tree interleaved run by run, REPS times, and
prints the median, range and per-seed best of events per second for each,
their ratios, and the load average before and after (docs/benchmarks.md)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sh(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def build_base(commit: str) -> Path:
    work = ROOT / "build" / "beside"
    if not work.exists():
        sh(["git", "worktree", "add", "-f", "--detach", str(work), commit], ROOT)
    sh(["git", "checkout", "-q", "--detach", commit], work)
    sh([sys.executable, "configure.py"], work)
    sh(["ninja", "build/bin/hsim"], work)
    return work / "build" / "bin" / "hsim"


def rate(hsim: Path, seed: int) -> int:
    out = sh([str(hsim), "run", "--seed", str(seed), "--nodes", "5", "--faults", "default",
              "--time", "3600", "--json"], ROOT)
    return int(float(json.loads(out)["events_per_sec"]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="cf1c6cc")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    sh(["ninja", "build/bin/hsim"], ROOT)
    bins = {"base": build_base(a.base), "main": ROOT / "build" / "bin" / "hsim"}
    load_before = os.getloadavg()[0]
    got = {"base": [], "main": []}
    best = {"base": {}, "main": {}}
    for _ in range(a.reps):
        for seed in range(1, a.seeds + 1):
            for name, hsim in bins.items():
                v = rate(hsim, seed)
                got[name].append(v)
                best[name][seed] = max(best[name].get(seed, 0), v)
    load_after = os.getloadavg()[0]
    med = {}
    for name in bins:
        v = got[name]
        med[name] = (statistics.median(v), statistics.median(best[name].values()))
        print(f"{name:5} median {med[name][0]:>12,.0f}  range {min(v):,} .. {max(v):,}  "
              f"per-seed best median {med[name][1]:>12,.0f}")
    print(f"ratio main/base: {med['main'][0] / med['base'][0]:.2f} (all), "
          f"{med['main'][1] / med['base'][1]:.2f} (best); "
          f"load {load_before:.2f} before, {load_after:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
