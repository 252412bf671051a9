#!/usr/bin/env python3
"""Mutation testing of core/: how many small plausible bugs do the checks kill?

    python3 scripts/mutate.py FILE... [--kill sim|whole] [--sample N] [--seed S]
                              [--only ID[,ID]] [--list] [--json OUT] [--keep DIR]

FILE is a core/ source file (core/member/swim.c ...).  The script lists every
mutant of each file (operators below), optionally keeps a seeded sample of N
per file, and for each one: copies the tree once into a scratch directory
(--keep DIR, default /tmp/hs-mutate), writes the mutated file there, rebuilds
only what the kill command needs, runs the kill command, and restores the file.

A mutant is
  killed      the kill command failed (a violation, a crash, a timeout, a
              required coverage probe no longer hit, a failing test);
  survived    the kill command passed: either an equivalent mutant (the
              program means the same) or a hole in the checks, which
              docs/verification.md must explain or close;
  stillborn   it does not compile (-Werror): not counted.

The score is killed / (killed + survived), per file and in all.

Kill commands (--kill):
  sim    the simulator alone: the sweeps of the test run (`hsim sweep` of
         seeds 1..2000 default, 1..1000 heavy, 1..100 without faults, 1..200
         with drawn SWIM settings, 1..200 of an hour at 5 nodes, each
         stopping at the first failure), the
         required coverage probes over those sweeps, and the two scale runs
         (1,024 nodes safety-only, 128 nodes whole run).
  quick  100 default seeds only, no probe requirement: the self-test's
         (suite sim:mutate_selftest).
  rest   the part of whole after the sim command, alone (for the survivors
         of an earlier sim run: --resume merges the two with --report).
  whole  the sim command, then for its survivors the rest of the test run:
         `ninja test-deps` and `scripts/run_tests.py --no-build --only ...`
         over every unit (ASan/UBSan), replay, sim and real suite except
         WHOLE_SKIP (the sweeps the sim command ran, and the command-line
         self-tests of hsim and the fuzz script).

Operators (one change per mutant, on code only: comments, strings and
preprocessor lines are never touched; neither are assertions (HS_ASSERT...)
nor the module self-checks (functions named *_check*), which are the checks
themselves):
  relational   < <= > >= each to its neighbour (< to <=, <= to <, ...)
  equality     == to != and != to ==
  logic        && to || and || to &&; a leading ! removed from a condition
  off-by-one   `+ 1` and `- 1` removed; integer literal 0 to 1 and 1 to 0 in
               comparisons
  arithmetic   + to -, - to +, * to / (binary, spaced operators only)
  bool-return  return true <-> return false
  delete-call  a statement that is a lone call `name(...);` removed

--resume JSON (repeatable) skips the mutants those result files hold;
--report prints, from them alone, per file the score of the simulator
alone and of the whole test run.

The last line is `score P% (K killed, S survived, B stillborn)`; survivors
are listed with file:line, operator and the changed line.  Exit status 0
unless the script itself failed.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import tidy  # noqa: E402  (the shared C reader)

HSIM = "build/bin/hsim"
BUILD_TIMEOUT_S = 300
SWEEP_TIMEOUT_S = 300
WHOLE_TIMEOUT_S = 1800

SIM_SWEEPS = [
    ["--seeds", "1..2000"],
    ["--seeds", "1..1000", "--faults", "heavy"],
    ["--seeds", "1..100", "--faults", "none"],
    ["--seeds", "1..200", "--swim-draw", "1"],
    ["--seeds", "1..200", "--nodes", "5", "--time", "3600"],
]
# The self-test's kill command (suite sim:mutate_selftest): seconds, not minutes.
QUICK_SWEEPS = [["--seeds", "1..100"]]
SIM_RUNS = [
    ["run", "--seed", "1", "--nodes", "1024", "--faults", "default", "--time", "20",
     "--safety-only", "--json"],
    ["run", "--seed", "2", "--nodes", "128", "--faults", "default", "--time", "60", "--json"],
]


# Suites the whole kill command leaves out: the sim command ran these
# sweeps already; the last three test hsim's command line, the fuzz script
# (planted crashes, fixed-time fuzzing) and this script itself, not core's
# behaviour.
WHOLE_SKIP = {"sim:sweep_default", "sim:sweep_heavy", "sim:sweep_none", "sim:sweep_long",
              "sim:probes",
              "sim:scale", "sim:fuzz_script", "sim:sweep_live", "sim:mutate_selftest"}


@dataclass
class Mutant:
    file: str
    line: int
    col: int
    op: str
    old: str
    new: str
    function: str

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}:{self.line}:{self.col}:{self.op}"


# (operator class, pattern over blanked code, replacement function)
def _sub(repl: str):
    return lambda m: repl


_BINARY = r"(?<=[\w\)\]]) {op} (?=[\w\(!~\-])"
PATTERNS = [
    ("relational", re.compile(r"(?<=[\w\)\]] )<(?= [\w\(!~\-])"), _sub("<=")),
    ("relational", re.compile(r"(?<=[\w\)\]] )<=(?= )"), _sub("<")),
    ("relational", re.compile(r"(?<=[\w\)\]] )>(?= [\w\(!~\-])"), _sub(">=")),
    ("relational", re.compile(r"(?<=[\w\)\]] )>=(?= )"), _sub(">")),
    ("equality", re.compile(r"(?<= )==(?= )"), _sub("!=")),
    ("equality", re.compile(r"(?<= )!=(?= )"), _sub("==")),
    ("logic", re.compile(r"(?<= )&&(?= )"), _sub("||")),
    ("logic", re.compile(r"(?<= )\|\|(?= )"), _sub("&&")),
    ("logic", re.compile(r"(?<=\()!(?=[\w\(])"), _sub("")),
    ("off-by-one", re.compile(r" \+ 1\b(?!\.)"), _sub("")),
    ("off-by-one", re.compile(r" - 1\b(?!\.)"), _sub("")),
    ("off-by-one", re.compile(r"(?<=[=<>] )0(?=[\s\);])"), _sub("1")),
    ("off-by-one", re.compile(r"(?<=[=<>] )1(?=[\s\);])"), _sub("0")),
    ("arithmetic", re.compile(r"(?<=[\w\)\]]) \+ (?=[\w\(])"), _sub(" - ")),
    ("arithmetic", re.compile(r"(?<=[\w\)\]]) - (?=[\w\(])"), _sub(" + ")),
    ("arithmetic", re.compile(r"(?<=[\w\)\]]) \* (?=[\w\(])"), _sub(" / ")),
    ("bool-return", re.compile(r"(?<=return )true(?=;)"), _sub("false")),
    ("bool-return", re.compile(r"(?<=return )false(?=;)"), _sub("true")),
]
_CALL_STMT = re.compile(r"^(\s*)([A-Za-z_]\w*)\s*\((.*)\);\s*$")
_SKIP_LINE = re.compile(r"\bHS_(ASSERT|ASSERT_MSG|ASSERT_IMPLIES|STATIC_ASSERT|UNREACHABLE)\b"
                        r"|\b_Static_assert\b|\bHS_PROBE\b")
_CONTROL = {"if", "for", "while", "switch", "return", "sizeof", "HS_UNUSED"}


def _balanced(s: str) -> bool:
    depth = 0
    for c in s:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0


def mutants_of(path: str, text: str) -> list[Mutant]:
    cf = tidy.CFile(text)
    raw_lines = text.split("\n")
    code_lines = cf.code.split("\n")
    out: list[Mutant] = []
    for fn in cf.functions:
        if "_check" in fn.name or fn.name.startswith("check_"):
            continue
        for ln in range(fn.brace_line + 1, fn.end_line):
            code, raw = code_lines[ln - 1], raw_lines[ln - 1]
            if not code.strip() or _SKIP_LINE.search(raw):
                continue
            for op, pat, repl in PATTERNS:
                for m in pat.finditer(code):
                    new = raw[:m.start()] + repl(m) + raw[m.end():]
                    out.append(Mutant(path, ln, m.start() + 1, op, raw, new, fn.name))
            cm = _CALL_STMT.match(code)
            if cm and cm.group(2) not in _CONTROL and _balanced(cm.group(3)):
                out.append(Mutant(path, ln, len(cm.group(1)) + 1, "delete-call", raw,
                                  cm.group(1) + ";", fn.name))
    return out


def _run(cmd: list[str], cwd: Path, timeout: int) -> tuple[int, str]:
    """Runs cmd in its own process group, so that a timeout (a mutant that
    hangs the simulator) kills the sweep's forked workers too, not only the
    sweep: orphaned workers of a hung mutant would spin on and load every
    later measurement on the machine."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return -1, (out or "") + f"\n(timeout after {timeout} s)"
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)  # interrupted: leave no workers behind
        p.wait()
        raise


def _last_json(out: str):
    for line in reversed(out.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def kill_sim(work: Path, sweeps=None, runs=None, probes=True) -> str | None:
    """Runs the simulator's kill command; returns why the mutant died, or None."""
    hits: dict = {}
    required: set = set()
    for flags in SIM_SWEEPS if sweeps is None else sweeps:
        cmd = [HSIM, "sweep", "--json", "--max-failures", "1"] + flags
        rc, out = _run(cmd, work, SWEEP_TIMEOUT_S)
        res = _last_json(out)
        if rc != 0 or res is None:
            cause = ""
            if res and res.get("failures"):
                f0 = res["failures"][0]
                cause = f" seed {f0.get('seed')}: {(f0.get('detail') or f0.get('outcome'))[:120]}"
            elif rc == -1:
                cause = " (timeout)"
            return f"sweep {' '.join(flags)}: exit {rc}{cause}"
        for name, count in res.get("probes", {}).items():
            hits[name] = hits.get(name, 0) + count
        required |= set(res.get("probes_required_missed", []))
    missed = sorted(k for k in required if hits.get(k, 0) == 0)
    if missed and probes:
        return "required probes never hit: " + ", ".join(missed)
    for args in SIM_RUNS if runs is None else runs:
        rc, out = _run([HSIM] + args, work, SWEEP_TIMEOUT_S)
        res = _last_json(out)
        if rc != 0 or not res or res.get("passed") is not True:
            return f"scale run {' '.join(args[1:5])}: exit {rc}"
    return None


def whole_suites(work: Path) -> list[str]:
    """The test run's suites that can see a core mutant and that the sim
    kill command has not already run: not the static checks (a mutant is
    not a style change), not the sweeps the sim command ran, not the
    command-line self-tests that plant their own crashes (WHOLE_SKIP)."""
    rc, out = _run([sys.executable, "scripts/run_tests.py", "--list"], work, 120)
    names = [ln.strip() for ln in out.splitlines() if ln.strip()]
    return [n for n in names if n.split(":")[0] in ("unit", "replay", "sim", "real")
            and n not in WHOLE_SKIP]


def kill_whole(work: Path) -> str | None:
    """The rest of the test run, for a mutant the simulator missed."""
    rc, out = _run(["ninja", "-k", "0", "test-deps"], work, BUILD_TIMEOUT_S * 2)
    if rc != 0:
        return "test build failed: " + out.strip().splitlines()[-1][:200]
    only = [a for n in whole_suites(work) for a in ("--only", n)]
    rc, out = _run([sys.executable, "scripts/run_tests.py", "--no-build"] + only, work,
                   WHOLE_TIMEOUT_S)
    if rc != 0:
        failed = [ln.strip() for ln in out.splitlines() if ln.startswith("FAIL")]
        return "test run: " + ("; ".join(failed[:4]) or f"exit {rc}")
    return None


def _sync_tree(work: Path) -> None:
    """Brings an existing scratch tree up to date with the repository,
    keeping its build: only files whose bytes differ are copied (with a new
    mtime, so ninja rebuilds exactly what changed)."""
    skip = {"build", ".git", "__pycache__"}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in skip]
        rel = Path(dirpath).relative_to(ROOT)
        for name in filenames:
            src = Path(dirpath) / name
            dst = work / rel / name
            data = src.read_bytes()
            if not dst.exists() or dst.read_bytes() != data:
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(data)
                shutil.copymode(src, dst)


def _tree_digest(work: Path) -> str:
    """A digest of every source the tests read (docs left out)."""
    import hashlib
    h = hashlib.sha256()
    for p in sorted(work.rglob("*")):
        rel = p.relative_to(work)
        if p.is_file() and rel.parts[0] not in ("build", "docs", ".git") and \
                "__pycache__" not in rel.parts and rel.name != ".rest_baseline":
            h.update(str(rel).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def prepare(work: Path, kill: str = "sim") -> None:
    if (work / "build").is_dir():
        _sync_tree(work)
    else:
        if work.exists():
            shutil.rmtree(work)
        ignore = shutil.ignore_patterns("build", ".git", "__pycache__")
        shutil.copytree(ROOT, work, ignore=ignore, symlinks=True)
    if kill == "rest":
        # The rest of the test run must pass on the unmutated tree, or every
        # mutant would look killed; checked once per source state.
        digest = _tree_digest(work)
        mark = work / ".rest_baseline"
        if mark.exists() and mark.read_text() == digest:
            return
        why = kill_whole(work)
        if why is not None:
            raise SystemExit(f"mutate: the unmutated tree fails the rest of the test run: {why}")
        mark.write_text(digest)
        return
    rc, out = _run(["ninja", HSIM], work, BUILD_TIMEOUT_S)
    if rc != 0:
        raise SystemExit("mutate: the unmutated tree does not build:\n" + out[-2000:])
    why = kill_sim(work, QUICK_SWEEPS, [], probes=False) if kill == "quick" else kill_sim(work)
    if why is not None:
        raise SystemExit(f"mutate: the unmutated tree fails the kill command: {why}")


def try_mutant(work: Path, m: Mutant, kill: str) -> tuple[str, str]:
    target = work / m.file
    original = target.read_text()
    lines = original.split("\n")
    assert lines[m.line - 1] == m.old, f"{m.id}: the source changed"
    lines[m.line - 1] = m.new
    target.write_text("\n".join(lines))
    try:
        rc, out = _run(["ninja", HSIM], work, BUILD_TIMEOUT_S)
        if rc != 0:
            return "stillborn", ""
        if kill == "quick":
            why = kill_sim(work, QUICK_SWEEPS, [], probes=False)
        else:
            why = kill_sim(work) if kill in ("sim", "whole") else None
        if why is None and kill in ("whole", "rest"):
            why = kill_whole(work)
            if why is not None:
                return "killed", "whole: " + why
        return ("killed", why) if why is not None else ("survived", "")
    finally:
        target.write_text(original)
        # The restored file is older than the mutant's objects by mtime only
        # when the clock is coarse; touch it so ninja rebuilds it next time.
        os.utime(target)


def select(all_mutants: list[Mutant], sample: int, seed: int) -> list[Mutant]:
    if sample <= 0 or len(all_mutants) <= sample:
        return all_mutants
    rng = random.Random(f"{seed}:{all_mutants[0].file}")
    picked = rng.sample(range(len(all_mutants)), sample)
    return [all_mutants[i] for i in sorted(picked)]


def report_both(results: list[dict]) -> list[str]:
    """Scores of the simulator alone and of the whole test run, per file,
    from results of --kill sim, rest and whole runs merged: a mutant is
    killed by the simulator when a sim or whole run's sim command killed it
    (why not starting "whole:"), and by the whole run when anything did."""
    by_id: dict = {}
    for r in results:
        prev = by_id.get(r["id"])
        if prev is None or r["status"] == "killed":
            if prev is not None and prev["status"] == "survived" and not r["why"].startswith(
                    "whole:"):
                r = dict(r, why="whole: " + r["why"])  # a rest run killed a sim survivor
            by_id[r["id"]] = r
    lines = []
    files: dict = {}
    for r in by_id.values():
        files.setdefault(r["file"], []).append(r)
    for f, rs in sorted(files.items()) + [("all", list(by_id.values()))]:
        live = [r for r in rs if r["status"] != "stillborn"]
        sim_k = sum(1 for r in live if r["status"] == "killed" and not r["why"].startswith("whole:"))
        all_k = sum(1 for r in live if r["status"] == "killed")
        n = len(live)
        if n:
            lines.append(f"{f}: {n} mutants, simulator alone {100.0 * sim_k / n:.1f}% "
                         f"({sim_k}), whole test run {100.0 * all_k / n:.1f}% ({all_k}), "
                         f"{len(rs) - n} stillborn")
    return lines


def report(results: list[dict]) -> list[str]:
    lines = []
    by_file: dict = {}
    for r in results:
        by_file.setdefault(r["file"], []).append(r)
    for f, rs in list(by_file.items()) + [("all", results)]:
        k = sum(r["status"] == "killed" for r in rs)
        s = sum(r["status"] == "survived" for r in rs)
        b = sum(r["status"] == "stillborn" for r in rs)
        pct = 100.0 * k / (k + s) if k + s else 100.0
        lines.append(f"score {f}: {pct:.1f}% ({k} killed, {s} survived, {b} stillborn)")
    return lines


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="mutation testing of core/ files")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--kill", choices=["sim", "rest", "whole", "quick"], default="sim")
    ap.add_argument("--resume", metavar="JSON", action="append", default=[],
                    help="results of earlier runs: their mutants are not run again")
    ap.add_argument("--report", action="store_true",
                    help="only print the scores of the --resume files")
    ap.add_argument("--sample", type=int, default=0, help="mutants kept per file (0: all)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the sample")
    ap.add_argument("--only", default="", help="comma-separated mutant ids")
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument("--json", metavar="OUT", help="write every result as JSON")
    ap.add_argument("--keep", metavar="DIR", default="/tmp/hs-mutate")
    args = ap.parse_args(argv)

    chosen: list[Mutant] = []
    for f in args.files:
        if not f.startswith("core/") or not (ROOT / f).is_file():
            ap.error(f"{f}: not a file under core/")
        chosen += select(mutants_of(f, (ROOT / f).read_text()), args.sample, args.seed)
    if args.only:
        ids = set(args.only.split(","))
        chosen = [m for m in chosen if m.id in ids]
    earlier: list = []
    for f in args.resume:
        earlier += json.loads(Path(f).read_text())
    if args.report:
        for line in report_both(earlier):
            print(line)
        return 0
    done = {r["id"] for r in earlier}
    chosen = [m for m in chosen if m.id not in done]
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.function}: {m.new.strip()}")
        print(f"{len(chosen)} mutants")
        return 0
    work = Path(args.keep)
    print(f"mutate: {len(chosen)} mutants, kill command '{args.kill}', scratch tree {work}",
          flush=True)
    prepare(work, args.kill)
    results = []
    t0 = time.monotonic()
    for i, m in enumerate(chosen, 1):
        t = time.monotonic()
        status, why = try_mutant(work, m, args.kill)
        rec = asdict(m) | {"id": m.id, "status": status, "why": why,
                           "seconds": round(time.monotonic() - t, 1)}
        results.append(rec)
        print(f"[{i}/{len(chosen)}] {status:9} {m.id} {m.function}: {m.new.strip()}"
              + (f"  <- {why}" if why else ""), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(f"mutate: {time.monotonic() - t0:.0f} s")
    survivors = [r for r in results if r["status"] == "survived"]
    if survivors:
        print("survivors:")
        for r in survivors:
            print(f"  {r['file']}:{r['line']} {r['op']} in {r['function']}: "
                  f"{r['old'].strip()}  =>  {r['new'].strip()}")
    for line in report(results):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
