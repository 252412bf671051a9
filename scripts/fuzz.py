#!/usr/bin/env python3
"""Run every libFuzzer target for a while, without touching the committed
corpora, and collect what they find in one folder.

    python3 scripts/fuzz.py [--time S] [--rss-limit-mb M] [--targets T[,T]]
                            [--crashes DIR] [--scratch DIR] [--no-build]

For each target fuzz/fuzz_<name>.c (`ninja fuzz` builds build/fuzz/<target>
with clang + libFuzzer + ASan + UBSan):

  1. the scratch corpus build/fuzz-scratch/<target>/ is seeded with every
     file of the committed fuzz/corpus/<target>/ it lacks (it keeps what
     earlier runs found); libFuzzer writes new inputs only into its first
     corpus directory, the scratch one, so fuzz/corpus/ is never written;
  2. build/fuzz/<target> runs on it with the target's dictionary
     (fuzz/<target>.dict), -max_total_time=S, -rss_limit_mb=M and
     -artifact_prefix=<crashes>/<target>/ (default build/fuzz-crashes/);
  3. every artifact (crash-*, leak-*, oom-*, timeout-*, slow-unit-*) in that
     folder is listed with the command that replays it without libFuzzer:
     `build/replay/<target> <file>`.

Promote an input into the committed corpus by hand (after minimising it
with `build/fuzz/<target> -minimize_crash=1 ...` or merging with
`-merge=1 fuzz/corpus/<target> build/fuzz-scratch/<target>`).

Exit status: 0 no target found anything, 1 some artifact was written or a
target could not run, 2 usage error.  The last line is
`fuzz: N targets, E executions, A artifacts`.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACT_KINDS = ("crash-", "leak-", "oom-", "timeout-", "slow-unit-")


def targets(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "fuzz").glob("fuzz_*.c"))


def seed_scratch(root: Path, target: str, scratch: Path) -> tuple[int, int]:
    """Copies the committed seeds the scratch corpus lacks; (copied, total)."""
    scratch.mkdir(parents=True, exist_ok=True)
    committed = root / "fuzz" / "corpus" / target
    copied = 0
    for f in sorted(committed.rglob("*")) if committed.is_dir() else []:
        if f.is_file() and not f.name.startswith("."):
            # Subdirectories (fuzz_msg/<type>/) flatten into one directory:
            # libFuzzer reads one level.
            dest = scratch / (f.relative_to(committed).as_posix().replace("/", "__"))
            if not dest.exists():
                shutil.copyfile(f, dest)
                copied += 1
    return copied, sum(1 for p in scratch.iterdir() if p.is_file())


def artifacts(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.startswith(ARTIFACT_KINDS))


def fuzz_one(root: Path, target: str, seconds: int, rss_mb: int, scratch: Path,
             crashes: Path) -> dict:
    binary = root / "build" / "fuzz" / target
    result = {"target": target, "executions": 0, "new_inputs": 0, "artifacts": [], "error": None}
    if not binary.exists():
        result["error"] = f"{binary.relative_to(root)} is not built (ninja fuzz)"
        return result
    copied, before = seed_scratch(root, target, scratch)
    crashes.mkdir(parents=True, exist_ok=True)
    old = set(artifacts(crashes))
    cmd = [str(binary), str(scratch), f"-max_total_time={seconds}", f"-rss_limit_mb={rss_mb}",
           f"-artifact_prefix={crashes}/", "-print_final_stats=1"]
    dictionary = root / "fuzz" / f"{target}.dict"
    if dictionary.exists():
        cmd.append(f"-dict={dictionary}")
    shown = scratch.relative_to(root) if scratch.is_relative_to(root) else scratch
    print(f"fuzz: {target}: {before} inputs in {shown} ({copied} seeds copied), "
          f"{seconds} s", flush=True)
    try:
        proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", timeout=seconds + 120)
        out, rc = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out, rc = (exc.stdout or ""), None
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
    result["executions"] = int(m.group(1)) if m else 0
    result["new_inputs"] = sum(1 for p in scratch.iterdir() if p.is_file()) - before
    result["artifacts"] = [p for p in artifacts(crashes) if p not in old]
    if rc != 0 and not result["artifacts"]:
        tail = "\n".join(out.strip().splitlines()[-5:])
        result["error"] = f"exit {rc} without an artifact:\n{tail}"
    elif result["artifacts"]:
        reason = re.search(r"==\d+==ERROR: (.*)|ERROR: libFuzzer: (.*)", out)
        result["reason"] = next((g for g in reason.groups() if g), "") if reason else ""
    return result


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time", type=int, default=60, help="seconds per target (default 60)")
    ap.add_argument("--rss-limit-mb", type=int, default=512,
                    help="libFuzzer -rss_limit_mb per target (default 512)")
    ap.add_argument("--targets", default="", help="comma-separated targets (default: all)")
    ap.add_argument("--crashes", default="build/fuzz-crashes",
                    help="folder for artifacts, one subfolder per target")
    ap.add_argument("--scratch", default="build/fuzz-scratch",
                    help="scratch corpora, one subfolder per target")
    ap.add_argument("--no-build", action="store_true", help="do not run `ninja fuzz` first")
    args = ap.parse_args(argv)
    every = targets(ROOT)
    chosen = [t for t in args.targets.split(",") if t] or every
    unknown = [t for t in chosen if t not in every]
    if unknown or args.time < 1 or args.rss_limit_mb < 1:
        print(f"fuzz: unknown targets {unknown} (have {', '.join(every)})" if unknown
              else "fuzz: --time and --rss-limit-mb must be >= 1", file=sys.stderr)
        return 2
    if not args.no_build:
        need = [f"build/fuzz/{t}" for t in chosen] + [f"build/replay/{t}" for t in chosen]
        print(f"fuzz: ninja {' '.join(need)}", flush=True)
        if subprocess.run(["ninja"] + need, cwd=ROOT).returncode != 0:
            print("fuzz: the fuzz build failed (it needs clang and libclang-rt-14-dev: "
                  "python3 configure.py --install-deps)", file=sys.stderr)
            return 1
    crashes_root = (ROOT / args.crashes).resolve()
    scratch_root = (ROOT / args.scratch).resolve()
    results = [fuzz_one(ROOT, t, args.time, args.rss_limit_mb, scratch_root / t,
                        crashes_root / t) for t in chosen]
    found = 0
    for r in results:
        line = (f"fuzz: {r['target']}: {r['executions']} executions, {r['new_inputs']} new "
                f"inputs, {len(r['artifacts'])} artifacts")
        print(line if r["error"] is None else f"{line}; ERROR {r['error']}")
        for a in r["artifacts"]:
            found += 1
            rel = a.relative_to(ROOT) if a.is_relative_to(ROOT) else a
            print(f"  {a.name.split('-')[0]}: {rel}  {r.get('reason', '')}".rstrip())
            print(f"  replay: build/replay/{r['target']} {rel}")
    errors = sum(1 for r in results if r["error"] is not None)
    total = sum(r["executions"] for r in results)
    print(f"fuzz: {len(results)} targets, {total} executions, {found} artifacts"
          f"{f', {errors} targets did not run' if errors else ''}")
    return 1 if found or errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
