"""Real-cluster tests on loopback (called by scripts/run_tests.py).

Suites, each returning (passed, failed, detail_lines):
  kill_restart   5 nodes; SIGKILL one; every other node declares it dead
                 within core's detection bound (hsctl bounds, computed by
                 swim_detection_bound_ns); it restarts and every node sees it
                 alive again at a higher incarnation.
  hostile        a node fed garbage, truncated and oversized frames, lengths
                 near 2^32, deep nesting, unknown types, wrong channels, too
                 many and slow connections and a large stream on UDP and TCP
                 keeps serving and keeping membership, stays under its RSS
                 bound, and counts each rejection; a node with the default
                 TCP budgets, both filled, stays under 64 MiB and answers.
  scenario       tests/real/scenarios/kill_restart.txt through
                 tests/real/scenario.py: the membership transitions extracted
                 from the nodes' logs have the expected shape.
  hsnode_errors  every bad flag, unreadable config, port in use, unwritable
                 or locked data directory, corrupt or foreign metadata exits
                 non-zero with a clear line.
  config_docs    docs/hsnode.conf.example is exactly what `hsnode
                 --print-config` prints (so it cannot drift), loads as the
                 defaults, every key in it is a flag in --help, and a config
                 file and the same settings as flags give the same bounds.
  start_refusals a full data directory refused at once and left as found;
                 no partial state after a refusal; no mutable globals in core
                 (tests/real/ops.py).
  operator_counters  idle connections cannot lock others out (per-source
                 cap, eviction, first-frame timeout); hsctl stats and
                 /metrics carry the same core, per-type and host counters
                 on a real cluster (tests/real/ops.py).
  hsctl_cli      hsctl usage errors, pid-file safety of stop-node, and
                 scripts/demo.sh refusing to run without its binaries.
  json_ids       64-bit ids are JSON strings: in hsnode's JSON log lines
                 (conn, seq, op, timer, version, idle_ns, rng_seed) and in
                 `hsctl bounds --json` (*_ns); 32-bit values (incarnation,
                 inc, ceiling) and counts stay numbers.
  version        `hsnode --version` and `hsctl --version` (release and
                 debug builds) print the version, the git commit, the
                 compiler and the protocol version (tests/version_check.py).

The only timing assertion is the protocol bound the issue names; every
other wait has a generous timeout and asserts behaviour.
"""
from __future__ import annotations

import json
import subprocess
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hsreal  # noqa: E402
import hostile  # noqa: E402
import ops  # noqa: E402
import hsctl_cli  # noqa: E402
import scenario  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import version_check  # noqa: E402

FAST = hsreal.HERE / "fast.conf"


def _run(checks) -> tuple[int, int, list[str]]:
    """Runs a list of (name, fn) checks; a check passes if fn returns."""
    passed, failed, detail = 0, 0, []
    for name, fn in checks:
        try:
            note = fn()
            passed += 1
            detail.append(f"ok   {name}{': ' + note if note else ''}")
        except Exception as e:  # noqa: BLE001 - a failing check must not stop the others
            failed += 1
            detail.append(f"FAIL {name}: {e}")
            if not isinstance(e, hsreal.TestFailure):
                detail.extend(traceback.format_exc().splitlines()[-6:])
    return passed, failed, detail


# --------------------------------------------------------------------------
# kill_restart

def kill_restart() -> tuple[int, int, list[str]]:
    b = hsreal.bounds(5, FAST)
    bound_s = b["detection_bound_ns"] / 1e9
    converge_s = b["convergence_bound_ns"] / 1e9

    def run():
        with hsreal.Cluster(5, FAST) as cl:
            old_inc = hsreal.view_states(hsreal.members(cl.addrs["n1"]))["n3"][1]
            observers = ["n1", "n2", "n4", "n5"]
            seen: dict[str, float] = {}
            t0 = hsreal.time.monotonic()
            cl.kill("n3")

            def all_dead():
                for o in observers:
                    state = hsreal.view_states(hsreal.members(cl.addrs[o])).get("n3", ("",))[0]
                    if o not in seen and state == "dead":
                        seen[o] = hsreal.time.monotonic() - t0
                return len(seen) == len(observers)

            # Wait past the bound so a late detection is reported as such.
            hsreal.wait_until(all_dead, bound_s + 5, "every live node to declare n3 dead")
            worst = max(seen.values())
            hsreal.check(worst <= bound_s,
                         f"n3 declared dead after {worst:.2f} s > bound {bound_s:.2f} s")
            cl.restart("n3")

            def rejoined():
                for o in ["n1", "n2", "n3", "n4", "n5"]:
                    states = hsreal.view_states(hsreal.members(cl.addrs[o]))
                    if len(states) != 5 or any(st != "alive" for st, _ in states.values()):
                        return False
                    if states["n3"][1] <= old_inc:
                        return False
                return True

            hsreal.wait_until(rejoined, converge_s, "n3 alive at a higher incarnation everywhere")
            inc = hsreal.view_states(hsreal.members(cl.addrs["n1"]))["n3"][1]
            return (f"dead in every view after {worst * 1000:.0f} ms (bound "
                    f"{bound_s * 1000:.0f} ms); rejoined at incarnation {inc} > {old_inc}")

    return _run([("SIGKILL n3 of 5: dead within bound, restart rejoins higher", run)])


# --------------------------------------------------------------------------
# scenario

def scenario_suite() -> tuple[int, int, list[str]]:
    rows: list[dict] = []

    def run():
        sc = scenario.Scenario(hsreal.HERE / "scenarios" / "kill_restart.txt")
        rows.extend(scenario.Runner(sc, FAST, None).run())
        return f"{len(rows)} transitions"

    def shape():
        hsreal.check(bool(rows), "no transitions extracted")
        for o in ("n1", "n2"):
            mine = [(r["from"], r["to"]) for r in rows if r["observer"] == o and r["member"] == "n3"]
            hsreal.check(bool(mine), f"{o} recorded no transition of n3")
            dead_at = next((i for i, (_, to) in enumerate(mine) if to == "dead"), None)
            hsreal.check(dead_at is not None, f"{o} never saw n3 dead: {mine}")
            hsreal.check(("dead", "alive") in mine[dead_at:], f"{o} never saw n3 come back: {mine}")
            hsreal.check(mine[-1][1] == "alive", f"{o} ends with n3 {mine[-1][1]}")
        for r in rows:
            hsreal.check(set(r) == {"observer", "member", "from", "to"}, f"bad row {r}")
        return "each observer: n3 ... -> dead, then dead -> alive"

    passed, failed, detail = _run([("scenario kill_restart runs", run),
                                   ("transitions have the expected shape", shape)])
    detail += [f"  {r}" for r in rows[:40]]
    return passed, failed, detail


# --------------------------------------------------------------------------
# sim_vs_real: one scenario file, two worlds, the same transitions

def sim_transitions(path: Path) -> list[dict]:
    """The simulator half: `hsim scenario FILE --config fast.conf`."""
    hsim = hsreal.ROOT / "build" / "bin" / "hsim"
    r = subprocess.run([str(hsim), "scenario", str(path), "--config", str(FAST)],
                       capture_output=True, text=True, timeout=120)
    hsreal.check(r.returncode == 0, f"hsim scenario exited {r.returncode}: {r.stderr.strip()}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def sim_vs_real() -> tuple[int, int, list[str]]:
    """Each scenario under tests/real/scenarios/ runs in the simulator and
    against real processes; each observer's ordered member_state
    transitions must be identical."""
    detail_rows: list[str] = []
    checks = []
    for path in sorted((hsreal.HERE / "scenarios").glob("*.txt")):
        def compare(path=path):
            simulated = sim_transitions(path)
            real = scenario.Runner(scenario.Scenario(path), FAST, None).run()
            hsreal.check(bool(simulated), "the simulator recorded no transitions")
            if simulated != real:
                detail_rows.append(f"  {path.name} simulator:")
                detail_rows.extend(f"    {r}" for r in simulated)
                detail_rows.append(f"  {path.name} real:")
                detail_rows.extend(f"    {r}" for r in real)
                raise hsreal.TestFailure(f"{path.name}: transitions differ (listed below)")
            return f"{len(real)} transitions identical"
        checks.append((f"{path.name}: simulator == real", compare))
    passed, failed, detail = _run(checks)
    return passed, failed, detail + detail_rows


# --------------------------------------------------------------------------
# config_docs

EXAMPLE = hsreal.ROOT / "docs" / "hsnode.conf.example"


def config_docs() -> tuple[int, int, list[str]]:
    hsnode = str(hsreal.bin_dir() / "hsnode")

    def run(*args: str) -> str:
        r = subprocess.run([hsnode, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        hsreal.check(r.returncode == 0, f"hsnode {' '.join(args)}: exit {r.returncode}")
        return r.stdout

    def same_as_binary():
        printed = run("--print-config")
        committed = EXAMPLE.read_text()
        if printed != committed:
            import difflib
            diff = list(difflib.unified_diff(committed.splitlines(), printed.splitlines(),
                                             "docs/hsnode.conf.example", "hsnode --print-config",
                                             lineterm="", n=0))
            raise hsreal.TestFailure("docs/hsnode.conf.example differs from hsnode "
                                     "--print-config (regenerate it): " + " | ".join(diff[:8]))
        return f"{len(committed.splitlines())} lines"

    def help_lists_every_key():
        text = run("--help")
        keys = [line.lstrip("# ").split(" =")[0] for line in EXAMPLE.read_text().splitlines()
                if " =" in line]
        for key in keys:
            flag = key.replace("_", "-")
            hsreal.check(f"--{flag} " in text or f"-{flag} " in text,
                         f"--help does not list {key}")
        facts = [line for line in text.splitlines() if line.strip().startswith("(")]
        hsreal.check(len(facts) == len(keys) and
                     all("default" in f or "required" in f for f in facts),
                     "--help omits a default")
        return f"{len(keys)} keys"

    def example_loads_as_defaults():
        with_file = hsreal.bounds(5, EXAMPLE)
        r = hsreal.hsctl("bounds", "--nodes", "5", "--json")
        plain = hsreal.parse_bounds(r.stdout)
        hsreal.check(with_file == plain, f"example file {with_file} != defaults {plain}")

    def file_and_flags_agree():
        flags = []
        for line in FAST.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = (part.strip() for part in line.split("=", 1))
                flags += [f"--swim-{key.replace('_', '-')}", value]
        r = hsreal.hsctl("bounds", "--nodes", "5", "--json", "--", *flags)
        hsreal.check(hsreal.parse_bounds(r.stdout) == hsreal.bounds(5, FAST),
                     "flags and the config file give different bounds")

    return _run([
        ("example file is what hsnode --print-config prints", same_as_binary),
        ("--help lists every key with its default", help_lists_every_key),
        ("example file loads as the defaults", example_loads_as_defaults),
        ("config file and flags agree", file_and_flags_agree),
    ])


# Fields that hold 64-bit values: core's HS_EVF_ID64 fields and the host's
# rng_seed.  32-bit ones (incarnation, inc, ceiling) stay numbers.
ID64_FIELDS = {"conn", "by_conn", "seq", "op", "timer", "version", "idle_ns", "rng_seed"}
NUMBER_FIELDS = {"incarnation", "inc", "ceiling", "members_cap", "pid", "steps"}


def json_ids() -> tuple[int, int, list[str]]:
    import tempfile

    def logs():
        with tempfile.TemporaryDirectory(prefix="hs-json-ids-") as d:
            hsreal.hsctl("cluster", "up", "--dir", d, "--nodes", "2", "--config", str(FAST),
                         "--", "--log-level", "debug", timeout=60)
            try:  # control requests over TCP: hello_bound, control_request, conn_closed
                for what in ("members", "stats"):
                    hsreal.hsctl("--cluster", d, what, "--json", timeout=30)
            finally:
                hsreal.hsctl("cluster", "down", "--dir", d, timeout=60, check_rc=False)
            recs = []
            for log in sorted(Path(d).glob("*.log")):
                recs += [json.loads(line) for line in log.read_text().splitlines()
                         if line.startswith("{")]
            return recs

    def ids_are_strings():
        recs = logs()
        seen, bad = {}, []
        for r in recs:
            for k, v in r.items():
                if k in ID64_FIELDS:
                    seen[k] = seen.get(k, 0) + 1
                    if not (isinstance(v, str) and v.isdigit()):
                        bad.append(f"{r['event']}.{k}={v!r}")
                elif k in NUMBER_FIELDS and not isinstance(v, int):
                    bad.append(f"{r['event']}.{k}={v!r} (a 32-bit value, want a number)")
        hsreal.check(not bad, f"{len(bad)} fields of the wrong JSON type: {bad[:8]}")
        need = {"conn", "seq", "version", "rng_seed"}
        hsreal.check(need <= set(seen), f"log lines carry only {sorted(seen)} of {sorted(need)}")
        return ", ".join(f"{k} x{n}" for k, n in sorted(seen.items()))

    def bounds_ns_are_strings():
        r = hsreal.hsctl("bounds", "--nodes", "4096", "--json", "--", "--members-cap", "4095",
                         "--probe-interval-ms", "600000", "--reconnect-interval-ms", "86400000",
                         "--dead-retention-ms", "604800000", "--gossip-max-age-ms", "86400000",
                         "--suspicion-mult", "100")
        raw = json.loads(r.stdout)
        b = hsreal.parse_bounds(r.stdout)  # checks the strings
        hsreal.check(b["convergence_bound_ns"] > 2**53 and isinstance(raw["nodes"], int),
                     f"the largest bound {b['convergence_bound_ns']} should pass 2^53 ns")
        return f"convergence_bound_ns \"{raw['convergence_bound_ns']}\" (> 2^53)"

    return _run([("hsnode JSON logs: 64-bit ids as strings", ids_are_strings),
                 ("hsctl bounds --json: nanoseconds as strings", bounds_ns_are_strings)])


def version_suite() -> tuple[int, int, list[str]]:
    def one(path: Path, prog: str):
        def run():
            bad = version_check.problems(hsreal.ROOT, path, prog, "gcc")
            hsreal.check(not bad, "; ".join(bad))
        return run

    checks = []
    for build in ("build/bin", "build/debug/bin"):
        for prog in ("hsnode", "hsctl"):
            path = hsreal.ROOT / build / prog
            if path.exists():
                checks.append((f"{build}/{prog} --version", one(path, prog)))
    if not checks:
        return 0, 1, ["no hsnode or hsctl built"]
    return _run(checks)


def suites(root, quick=False):
    missing = hsreal.binaries_present()
    if missing:
        def skipped():
            return 0, 1, [missing]
        return [("binaries", skipped)]
    return [
        ("hsnode_errors", hostile.hsnode_errors),
        ("config_docs", config_docs),
        ("hsctl_cli", hsctl_cli.hsctl_cli),
        ("version", version_suite),
        ("json_ids", json_ids),
        ("start_refusals", ops.start_refusals),
        ("operator_counters", ops.operator_counters),
        ("kill_restart", kill_restart),
        ("hostile", hostile.hostile),
        ("scenario", scenario_suite),
        ("sim_vs_real", sim_vs_real),
    ]


if __name__ == "__main__":
    total_p = total_f = 0
    for name, fn in suites(hsreal.ROOT):
        p, f, d = fn()
        total_p += p
        total_f += f
        print(f"== real:{name}: {p} passed, {f} failed")
        for line in d:
            print("   " + line)
    print(f"{total_p} passed, {total_f} failed")
    sys.exit(1 if total_f else 0)
