#!/usr/bin/env python3
"""Run every test suite of hyperscale-c and add up the results.

    python3 scripts/run_tests.py [--quick] [--only SUBSTRING] [--no-build] [-j N] [-v] [--list]

Suites, in order (names in brackets, for --only):
  [build]       `ninja -k 0 test-deps` (skipped with --no-build, as `ninja test` does):
                1 test.
  [freshness]   `python3 configure.py --check`: the committed build.ninja must be
                what configure.py writes by default.  1 test.
  [tidy:NAME]   static checks (docs/design/tidy.md): tidy:check runs
                scripts/tidy.py (line length, function length, banned calls;
                1 test per (file, rule)); tidy:self-test its own tests (1 per
                case); tidy:asserts scripts/assert_count.py (core assertion
                density against its threshold: 1 test); tidy:asserts-self-test.
  [unit:NAME]   every tests/unit/test_*.c -> build/debug/tests/test_* (CMocka,
                ASan+UBSan); every test case counts.
  [replay:NAME] every fuzz/fuzz_*.c -> build/replay/fuzz_* run over
                fuzz/corpus/fuzz_*/: 1 test per target.
  [sim:NAME]    suites from tests/sim_suites.py, if it exists.
  [real:NAME]   suites from tests/real/suites.py, if it exists.

Suite-file interface (tests/sim_suites.py, tests/real/suites.py):

    def suites(root, quick=False) -> list[tuple[str, Callable[[], tuple[int, int, list[str]]]]]

`root` is the repository root as a pathlib.Path (the working directory is
also the root).  `quick` is optional in the signature; it is True under
--quick (the environment variable HS_TEST_QUICK is then also "1").  Each
callable runs one suite and returns (passed, failed, detail_lines); the
runner prints detail_lines (tail) when failed > 0 or with -v.  An exception
in suites() or in a callable counts as one failure.  Suite files should
apply their own timeouts to any process they start.

A suite whose feature does not exist yet (no sources, no suite file) prints
`SKIP <suite>: <reason>` and counts nothing.  Sources without their binary
count as a failure.  The last line of the output is always
`N passed, N failed`; the exit status is 1 when anything failed.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import importlib.util
import inspect
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAIL_LINES = 40
UNIT_TIMEOUT_S = 600
REPLAY_TIMEOUT_S = 600


class Result:
    def __init__(self, name: str, passed: int = 0, failed: int = 0,
                 failed_names: list[str] | None = None, detail: list[str] | None = None,
                 skip: str | None = None) -> None:
        self.name = name
        self.passed = passed
        self.failed = failed
        self.failed_names = failed_names or []
        self.detail = detail or []
        self.skip = skip
        self.elapsed = 0.0


def _tail(text_or_lines, n: int = TAIL_LINES) -> list[str]:
    lines = text_or_lines.splitlines() if isinstance(text_or_lines, str) else list(text_or_lines)
    if len(lines) > n:
        return [f"... ({len(lines) - n} earlier lines not shown)"] + lines[-n:]
    return lines


def _stem(path: Path) -> str:
    return path.name[:-2] if path.name.endswith(".c") else path.name


def _sources(pattern: str) -> list[Path]:
    return sorted(p for p in ROOT.glob(pattern) if p.is_file() and not p.name.startswith("."))


def _run_capture(cmd: list[str], timeout: float, env: dict | None = None):
    """Run cmd with stdout+stderr merged.  Returns (rc or None on timeout, output)."""
    try:
        r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout, env=env)
        return r.returncode, r.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out + f"\n(timed out after {timeout:.0f} s)"
    except OSError as e:
        return -1, f"cannot run {cmd[0]}: {e}"


def _sanitizer_env() -> dict:
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:strict_string_checks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


# --------------------------------------------------------------------------
# build and freshness

def run_build() -> Result:
    res = Result("build")
    if not (ROOT / "build.ninja").exists():
        res.failed, res.detail = 1, ["build.ninja is missing: run `python3 configure.py`"]
        return res
    if not shutil.which("ninja"):
        res.failed, res.detail = 1, ["ninja not found (apt package ninja-build): "
                                     "run `python3 configure.py --install-deps`"]
        return res
    print("== build: ninja -k 0 test-deps", flush=True)
    lines: list[str] = []
    proc = subprocess.Popen(["ninja", "-k", "0", "test-deps"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        print(line, flush=True)
        lines.append(line)
    rc = proc.wait()
    if rc == 0:
        res.passed = 1
    else:
        res.failed = 1
        res.failed_names = [l[len("FAILED: "):].strip() for l in lines if l.startswith("FAILED: ")]
        res.detail = ["ninja failed; the suites below run with whatever was built"]
    return res


def run_freshness() -> Result:
    res = Result("freshness")
    rc, out = _run_capture([sys.executable, "configure.py", "--check"], timeout=120)
    if rc != 0:
        res.failed, res.failed_names = 1, ["build.ninja is stale"]
        res.detail = _tail(out)
        return res
    # In CI the README command has just regenerated build.ninja, so also make
    # sure the committed copy is the same file.
    if shutil.which("git") and _git_ok(["rev-parse", "--verify", "-q", "HEAD"]) \
            and _git_ok(["ls-files", "--error-unmatch", "build.ninja"]):
        if not _git_ok(["diff", "--quiet", "HEAD", "--", "build.ninja"]):
            msg = ("build.ninja differs from the committed one: commit the regenerated "
                   "build.ninja")
            if os.environ.get("CI"):
                res.failed, res.failed_names, res.detail = 1, ["committed build.ninja is stale"], [msg]
                return res
            res.detail = ["note: " + msg]
    res.passed = 1
    return res


def tidy_suites() -> tuple[list, str | None]:
    """The static checks of scripts/tidy.py and scripts/assert_count.py, run
    in-process: each module's suite_* function returns (passed, failed,
    detail_lines) like a suite-file callable."""
    scripts = [("tidy", "scripts/tidy.py", [("check", "suite_check"),
                                            ("self-test", "suite_self_test")]),
               ("asserts", "scripts/assert_count.py", [("asserts", "suite_asserts"),
                                                       ("asserts-self-test", "suite_self_test")])]
    out = []
    for modname, rel, entries in scripts:
        for name, fn_name in entries:
            full = f"tidy:{name}"

            def run(modname=modname, rel=rel, fn_name=fn_name, full=full) -> Result:
                def call():
                    mod = _load_script(modname, rel)
                    return getattr(mod, fn_name)(ROOT)
                return run_callable(full, call)
            out.append((full, run))
    return out, None


def _load_script(modname: str, rel: str):
    """Imports scripts/<rel> (cached in sys.modules under hs_script_<modname>)."""
    key = f"hs_script_{modname}"
    if key in sys.modules:
        return sys.modules[key]
    path = ROOT / rel
    spec = importlib.util.spec_from_file_location(key, path)
    assert spec and spec.loader, f"cannot load {rel}"
    mod = importlib.util.module_from_spec(spec)
    sys.modules[key] = mod  # dataclasses look their module up while it loads
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[key]
        raise
    finally:
        sys.path.remove(str(path.parent))
    return mod


def _git_ok(args: list[str]) -> bool:
    try:
        return subprocess.run(["git"] + args, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


# --------------------------------------------------------------------------
# CMocka unit tests

def parse_cmocka(output: str, rc: int | None) -> tuple[int, int, list[str]]:
    """Count test cases from CMocka's default output (stdout+stderr merged).

    A case passes on `[       OK ] name` and fails on `[  FAILED  ] name`
    right after its `[ RUN      ] name`; the repeated FAILED lines of the
    closing summary are ignored.  A case left running (crash, abort) is a
    failure, and so is a nonzero exit with no failed case."""
    passed, failed = 0, 0
    names: list[str] = []
    current = None
    for line in output.splitlines():
        line = line.rstrip()
        if line.startswith("[ RUN      ] "):
            if current is not None:  # previous case never finished
                failed += 1
                names.append(current)
            current = line[13:].strip()
        elif line.startswith("[       OK ] ") and current is not None:
            passed += 1
            current = None
        elif line.startswith("[  FAILED  ] ") and current is not None:
            failed += 1
            names.append(line[13:].strip())
            current = None
        elif line.startswith("[  SKIPPED ] ") and current is not None:
            current = None
        elif line.startswith("[  ERROR   ] ") and current is not None \
                and line[13:].strip() == current:
            failed += 1
            names.append(current)
            current = None
    if current is not None:
        failed += 1
        names.append(f"{current} (did not finish: crashed?)")
    if rc is None:
        if not names:
            failed += 1
        names.append("(timed out)")
    elif rc != 0 and failed == 0:
        failed += 1
        names.append(f"(exit status {rc}{_signal_name(rc)})")
    return passed, failed, names


def _signal_name(rc: int) -> str:
    if rc < 0:
        try:
            import signal
            return f", {signal.Signals(-rc).name}"
        except ValueError:
            return ""
    return ""


def unit_suites() -> tuple[list, str | None]:
    srcs = _sources("tests/unit/test_*.c")
    if not srcs:
        return [], "no tests/unit/test_*.c yet"
    out = []
    for s in srcs:
        name = _stem(s)
        out.append((f"unit:{name}", lambda name=name: run_unit(name)))
    return out, None


def run_unit(name: str) -> Result:
    res = Result(f"unit:{name}")
    binary = ROOT / "build/debug/tests" / name
    if not binary.exists():
        res.failed, res.failed_names = 1, [f"{name} (not built)"]
        res.detail = [f"missing {binary.relative_to(ROOT)}: tests/unit/{name}.c did not build, "
                      f"or build.ninja is stale (python3 configure.py)"]
        return res
    rc, out = _run_capture([str(binary)], UNIT_TIMEOUT_S, env=_sanitizer_env())
    res.passed, res.failed, res.failed_names = parse_cmocka(out, rc)
    res.detail = _tail(out)
    return res


# --------------------------------------------------------------------------
# fuzz corpus replay

def replay_suites() -> tuple[list, str | None]:
    srcs = _sources("fuzz/fuzz_*.c")
    if not srcs:
        return [], "no fuzz/fuzz_*.c targets yet"
    return [(f"replay:{_stem(s)}", lambda t=_stem(s): run_replay(t)) for s in srcs], None


def run_replay(target: str) -> Result:
    res = Result(f"replay:{target}")
    binary = ROOT / "build/replay" / target
    corpus = ROOT / "fuzz/corpus" / target
    if not binary.exists():
        why = ("fuzz/replay_main.c is missing" if not (ROOT / "fuzz/replay_main.c").exists()
               else f"fuzz/{target}.c did not build, or build.ninja is stale")
        res.failed, res.failed_names = 1, [f"{target} (not built)"]
        res.detail = [f"missing build/replay/{target}: {why}"]
        return res
    if not corpus.is_dir() or not any(p for p in corpus.iterdir() if not p.name.startswith(".")):
        res.failed, res.failed_names = 1, [f"{target} (no corpus)"]
        res.detail = [f"fuzz/corpus/{target}/ is missing or empty: every target needs seeds"]
        return res
    rc, out = _run_capture([str(binary), str(corpus.relative_to(ROOT))], REPLAY_TIMEOUT_S,
                           env=_sanitizer_env())
    if rc == 0:
        res.passed = 1
    else:
        res.failed = 1
        res.failed_names = [f"{target} (exit {rc}{_signal_name(rc) if rc else ''})"
                            if rc is not None else f"{target} (timed out)"]
    res.detail = _tail(out)
    return res


# --------------------------------------------------------------------------
# suite files (tests/sim_suites.py, tests/real/suites.py)

def file_suites(prefix: str, rel: str, feature_dir: str | None, quick: bool):
    path = ROOT / rel
    if not path.exists():
        if feature_dir:
            d = ROOT / feature_dir
            stuff = [p for p in d.glob("*") if p.suffix in (".py", ".c", ".sh")] if d.is_dir() else []
            if stuff:
                return [(f"{prefix}:load", lambda: Result(
                    f"{prefix}:load", failed=1, failed_names=[f"{rel} missing"],
                    detail=[f"{feature_dir}/ has test files but no {rel}"]))], None
        return [], f"no {rel} yet"
    try:
        spec = importlib.util.spec_from_file_location(f"hs_{prefix}_suites", path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.parent))
        try:
            spec.loader.exec_module(mod)
        finally:
            sys.path.remove(str(path.parent))
        fn = mod.suites
        params = inspect.signature(fn).parameters
        takes_quick = "quick" in params or any(
            p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values())
        listed = fn(ROOT, quick=quick) if takes_quick else fn(ROOT)
        listed = list(listed)
    except Exception:  # noqa: BLE001 - a broken suite file is a test failure
        tb = traceback.format_exc()
        return [(f"{prefix}:load", lambda: Result(
            f"{prefix}:load", failed=1, failed_names=[f"{rel} failed to load"],
            detail=_tail(tb)))], None
    if not listed:
        return [], f"{rel} lists no suites"
    out = []
    for item in listed:
        try:
            name, fn = item
        except (TypeError, ValueError):
            out.append((f"{prefix}:?", lambda item=item: Result(
                f"{prefix}:?", failed=1, failed_names=["bad suite entry"],
                detail=[f"{rel}: expected (name, callable), got {item!r}"])))
            continue
        full = f"{prefix}:{name}"
        out.append((full, lambda fn=fn, full=full: run_callable(full, fn)))
    return out, None


def run_callable(name: str, fn) -> Result:
    res = Result(name)
    try:
        ret = fn()
        passed, failed, detail = ret
        res.passed, res.failed = int(passed), int(failed)
        res.detail = [str(x) for x in (detail or [])]
        if res.failed:
            res.failed_names = [name]
    except Exception:  # noqa: BLE001
        res.failed += 1
        res.failed_names = [f"{name} (raised)"]
        res.detail = _tail(traceback.format_exc())
    return res


# --------------------------------------------------------------------------

def print_result(res: Result, verbose: bool) -> None:
    if res.skip is not None:
        print(f"SKIP {res.name}: {res.skip}", flush=True)
        return
    status = "FAIL" if res.failed else "PASS"
    print(f"{status} {res.name:<40} {res.passed:>4} passed, {res.failed:>3} failed"
          f"  ({res.elapsed:.1f} s)", flush=True)
    if res.failed:
        for n in res.failed_names:
            print(f"     failed: {n}")
    if res.detail and (res.failed or verbose or res.detail[0].startswith("note:")):
        lines = res.detail if (res.failed or verbose) else res.detail[:1]
        for line in lines:
            print(f"     | {line}")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="let suites shrink their work")
    ap.add_argument("--only", metavar="SUBSTRING", action="append", default=[],
                    help="run only suites whose name contains SUBSTRING (repeatable)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run ninja first (used by `ninja test`)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2,
                    help="parallel unit/replay binaries")
    ap.add_argument("-v", "--verbose", action="store_true", help="show output of passing suites")
    ap.add_argument("--list", action="store_true", help="list suite names and exit")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    if args.quick:
        os.environ["HS_TEST_QUICK"] = "1"

    def wanted(name: str) -> bool:
        return not args.only or any(s in name for s in args.only)

    results: list[Result] = []
    start_all = time.monotonic()

    if not args.no_build and not args.list:
        t0 = time.monotonic()
        r = run_build()
        r.elapsed = time.monotonic() - t0
        results.append(r)
        print_result(r, args.verbose)

    # Static suites: (group, [(name, fn)], skip reason)
    groups = [("freshness", [("freshness", run_freshness)], None)]
    groups.append(("tidy",) + tidy_suites())
    groups.append(("unit",) + unit_suites())
    groups.append(("replay",) + replay_suites())
    groups.append(("sim",) + file_suites("sim", "tests/sim_suites.py", None, args.quick))
    groups.append(("real",) + file_suites("real", "tests/real/suites.py", "tests/real",
                                          args.quick))

    if args.list:
        for group, items, skip in groups:
            if skip:
                print(f"SKIP {group}: {skip}")
            for name, _ in items:
                print(name)
        return 0

    for group, items, skip in groups:
        if skip is not None:
            if wanted(group):
                r = Result(group, skip=skip)
                print_result(r, args.verbose)
            continue
        items = [(n, f) for n, f in items if wanted(n)]
        if not items:
            continue
        if group in ("unit", "replay") and args.jobs > 1:
            # Independent binaries: run in parallel, print in order.
            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
                def timed(fn):
                    t0 = time.monotonic()
                    r = fn()
                    r.elapsed = time.monotonic() - t0
                    return r
                futures = [pool.submit(timed, fn) for _, fn in items]
                for fut in futures:
                    r = fut.result()
                    results.append(r)
                    print_result(r, args.verbose)
        else:
            for name, fn in items:
                t0 = time.monotonic()
                r = fn()
                r.elapsed = time.monotonic() - t0
                results.append(r)
                print_result(r, args.verbose)

    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    bad = [r for r in results if r.failed]
    print(f"== {len(results)} suite(s) in {time.monotonic() - start_all:.1f} s"
          + (f"; failing: {', '.join(r.name for r in bad)}" if bad else ""))
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
