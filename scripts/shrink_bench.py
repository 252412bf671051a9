#!/usr/bin/env python3
"""How well does `hsim shrink` shrink failures made by planted bugs?

    python3 scripts/shrink_bench.py [--count N] [--seed S] [--files F,...] [--json OUT]
                                    [--keep DIR] [--budget-s S] [--from JSON]

Plants mutants from scripts/mutate.py (a seeded shuffle of every mutant of
--files, default the membership and metadata files) one at a time in a
scratch copy of the tree (--keep DIR, default /tmp/hs-shrink-bench),
rebuilds hsim, and finds a failing run with a short sweep (seeds 1..300 of
the default profile, then 1..200 heavy, stopping at the first failure).
Each mutant that fails is shrunk with `hsim shrink --seed N ... --no-test
--json`; the first --count (default 25) shrinks are recorded: events before
and after, the ratio, runs and CPU seconds, and whether the shrunk replay
command still fails with the same signature (checked by running it).  A
mutant whose run fails within its first IMMEDIATE_EVENTS inputs (a crash
while the nodes start: nothing to shrink) is listed apart, not counted.

--from JSON shrinks again the sample an earlier run recorded (its --json):
the same mutants, seeds and profile flags, without the search, so that a
changed shrinker is measured on exactly the runs it was measured on before.

The last lines are the median ratio, the smallest ratio, the largest CPU
time and `N shrinks, M within target` (the issue's target: median ratio of
at least 10, each shrink within 600 CPU seconds).
"""
from __future__ import annotations

import argparse
import json
import random
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import mutate  # noqa: E402

DEFAULT_FILES = ["core/member/swim.c", "core/member/swim_table.c", "core/store/meta.c"]
# A run failing within its first inputs (a crash while the nodes start)
# has nothing to shrink: counted apart, not in the ratio.
IMMEDIATE_EVENTS = 100
FIND = [["--seeds", "1..300"], ["--seeds", "1..200", "--faults", "heavy"]]


def find_failure(work: Path):
    """The first failing seed and its profile flags, or None."""
    for flags in FIND:
        cmd = [mutate.HSIM, "sweep", "--json", "--max-failures", "1"] + flags
        rc, out = mutate._run(cmd, work, 300)
        res = mutate._last_json(out)
        if rc != 0 and res and res.get("failures"):
            extra = [f for f in flags if f != flags[1] and f != "--seeds"]
            return res["failures"][0]["seed"], extra, res["failures"][0].get("detail", "")
    return None


def shrink_one(work: Path, seed: str, extra: list, budget_s: int) -> dict:
    cmd = [mutate.HSIM, "shrink", "--seed", seed, "--no-test", "--json",
           "--budget-s", str(budget_s)] + extra
    t0 = time.monotonic()
    rc, out = mutate._run(cmd, work, budget_s * 2 + 60)
    res = mutate._last_json(out) or {}
    res["wall_s"] = round(time.monotonic() - t0, 1)
    res["exit"] = rc
    if rc == 0 and res.get("replay"):
        # The shrunk command must still fail the same way.
        argv = shlex.split(res["replay"]) + ["--json"]
        proc = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=300)
        rrc, rout = proc.returncode, proc.stdout
        rj = mutate._last_json(rout) or {}
        viol = rj.get("violations") or [{}]
        got = viol[0].get("invariant") if rj.get("outcome") != "crashed" else "crashed"
        want = res.get("signature") if res.get("failure") != "crashed" else "crashed"
        res["replay_fails_same"] = rrc != 0 and (got == want or got == "crashed" == want)
    return res


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="hsim shrink on planted bugs")
    ap.add_argument("--count", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", default=",".join(DEFAULT_FILES))
    ap.add_argument("--json", metavar="OUT")
    ap.add_argument("--keep", default="/tmp/hs-shrink-bench")
    ap.add_argument("--budget-s", type=int, default=600)
    ap.add_argument("--from", dest="from_json", metavar="JSON",
                    help="shrink the mutants and seeds of an earlier run's --json again")
    args = ap.parse_args(argv)

    pool = []
    for f in args.files.split(","):
        pool += mutate.mutants_of(f, (ROOT / f).read_text())
    random.Random(args.seed).shuffle(pool)
    earlier = {}
    if args.from_json:
        earlier = {r["mutant"]: r for r in json.loads(Path(args.from_json).read_text())}
        pool = [m for m in pool if m.id in earlier]
        missing = sorted(set(earlier) - {m.id for m in pool})
        if missing:
            raise SystemExit(f"shrink_bench: mutants of {args.from_json} not in --files "
                             f"(or the files changed): {', '.join(missing)}")
    work = Path(args.keep)
    mutate.prepare(work)
    rows = []
    immediate = []
    for m in pool:
        if len(rows) >= args.count:
            break
        target = work / m.file
        original = target.read_text()
        lines = original.split("\n")
        lines[m.line - 1] = m.new
        target.write_text("\n".join(lines))
        try:
            rc, _ = mutate._run(["ninja", mutate.HSIM], work, mutate.BUILD_TIMEOUT_S)
            if rc == 0 and m.id in earlier:
                e = earlier[m.id]
                found = (e["seed"], e["flags"], e["found"])
            else:
                found = find_failure(work) if rc == 0 else None
            if found is None:
                continue
            seed, extra, detail = found
            res = shrink_one(work, seed, extra, args.budget_s)
            if (res.get("events_first") or 0) < IMMEDIATE_EVENTS:
                immediate.append(m.id)
                print(f"(immediate) {m.id}: fails at input {res.get('events_first')}: "
                      f"{res.get('signature')}", flush=True)
                continue
            row = {"mutant": m.id, "change": m.new.strip(), "seed": seed, "flags": extra,
                   "found": detail[:160]} | res
            rows.append(row)
            print(f"[{len(rows)}/{args.count}] {m.id}: seed {seed} {' '.join(extra)}: "
                  f"events {res.get('events_whole')} (whole) {res.get('events_first')} (to the "
                  f"failure) -> {res.get('events')} ({res.get('ratio_whole')}x, "
                  f"{res.get('ratio')}x), {res.get('runs')} runs, {res.get('cpu_s')} s CPU, "
                  f"replay fails same: {res.get('replay_fails_same')}  [{res.get('signature')}]",
                  flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
        finally:
            target.write_text(original)
    ratios = [r["ratio"] for r in rows if isinstance(r.get("ratio"), (int, float))]
    wholes = [r["ratio_whole"] for r in rows if isinstance(r.get("ratio_whole"), (int, float))]
    cpus = [r["cpu_s"] for r in rows if isinstance(r.get("cpu_s"), (int, float))]
    same = sum(1 for r in rows if r.get("replay_fails_same"))
    if not ratios:
        print("no shrinks")
        return 1
    ok = sum(1 for r in rows if r.get("cpu_s", 1e9) <= 600 and r.get("replay_fails_same"))
    print(f"whole failing run vs shrunk run (to its failure): median "
          f"{statistics.median(wholes):.1f}x, smallest {min(wholes):.1f}x")
    print(f"up to the failure, both: median ratio {statistics.median(ratios):.1f}x, "
          f"smallest {min(ratios):.1f}x, "
          f"largest {max(ratios):.1f}x; CPU per shrink median {statistics.median(cpus):.1f} s, "
          f"largest {max(cpus):.1f} s; replays failing the same way {same}/{len(rows)}")
    print(f"{len(immediate)} mutants failing within {IMMEDIATE_EVENTS} inputs left out: "
          + ", ".join(immediate))
    print(f"{len(rows)} shrinks, {ok} within target")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
