"""hsctl's usage errors, its pid-file safety, and scripts/demo.sh's refusal
to run half a demo (called from tests/real/suites.py).

hsctl_cli():
  - usage errors exit 2 with one clear line: --nodes above the maximum,
    `cluster` without a command, a broken SWIM rule in `bounds`, and
    `bounds` sizes it cannot compute (0, above 2^32, beyond members_cap + 1);
  - `cluster stop-node` signals a pid from a pid file only when the process
    carries both --name <node> and --data-dir D/<node>: a decoy with the
    right name but another data directory survives, one with both is
    stopped;
  - scripts/demo.sh exits 1 naming the missing binary, before running
    anything, when hsim or hsctl is absent.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import hsreal
from hsreal import check

FAST = hsreal.HERE / "fast.conf"


def _usage(needle: str, *args: str) -> str:
    r = hsreal.hsctl(*args, check_rc=False)
    line = r.stderr.splitlines()[0] if r.stderr else ""
    check(r.returncode == 2, f"hsctl {' '.join(args)}: exit {r.returncode}, want 2 ({line})")
    check(line.startswith("hsctl: ") and needle in line, f"unclear message: {line!r}")
    check("  " not in line, f"double space in {line!r}")
    return line


def _bounds_at_cap() -> str:
    r = hsreal.hsctl("bounds", "--nodes", "4096", "--json", "--", "--members-cap", "4095",
                     "--probe-interval-ms", "600000", "--reconnect-interval-ms", "86400000",
                     "--dead-retention-ms", "604800000", "--gossip-max-age-ms", "86400000",
                     "--suspicion-mult", "100")
    b = hsreal.parse_bounds(r.stdout)
    check(0 < b["detection_bound_ns"] < b["convergence_bound_ns"] < 2**64,
          f"bounds at the largest settings: {b}")
    return f"convergence {b['convergence_bound_ms']} ms"


def _decoy(name: str, data_dir: str) -> subprocess.Popen:
    """A process whose command line carries --name and --data-dir."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--name", name,
                             "--data-dir", data_dir], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pid_file_safety() -> str:
    decoys: list[subprocess.Popen] = []
    with hsreal.Cluster(1, FAST) as cl:
        pid_file = cl.dir / "n1.pid"
        real_pid = pid_file.read_text()
        try:
            wrong = _decoy("n1", str(cl.dir / "elsewhere" / "n1"))
            decoys.append(wrong)
            pid_file.write_text(f"{wrong.pid}\n")
            r = hsreal.hsctl("cluster", "stop-node", "--dir", str(cl.dir), "--node", "n1",
                             check_rc=False)
            check(r.returncode == 1 and "not running" in r.stderr,
                  f"stop-node on a decoy pid: exit {r.returncode} ({r.stderr.strip()})")
            check(wrong.poll() is None, "a process with another --data-dir was signalled")
            right = _decoy("n1", str(cl.dir / "n1"))
            decoys.append(right)
            pid_file.write_text(f"{right.pid}\n")
            hsreal.hsctl("cluster", "stop-node", "--dir", str(cl.dir), "--node", "n1")
            check(right.wait(10) == -signal.SIGTERM, "the matching process was not stopped")
        finally:
            for d in decoys:
                if d.poll() is None:
                    d.kill()
                    d.wait()
            pid_file.write_text(real_pid)  # so the cluster's own n1 is stopped
    return "name-only match left alone; name + data dir stopped"


def _demo(bin_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HS_DEMO_BIN=str(bin_dir))
    return subprocess.run(["bash", str(hsreal.ROOT / "scripts" / "demo.sh")], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def demo_refuses_half() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="hs-demo-test-"))
    try:
        notes = []
        # Nothing built; then hsim and hsnode (stand-ins that say when they
        # run) without hsctl.
        for present, missing in [((), "hsim"), (("hsim", "hsnode"), "hsctl")]:
            for name in present:
                (tmp / name).write_text(f"#!/bin/sh\necho {name} ran\n")
                (tmp / name).chmod(0o755)
            r = _demo(tmp)
            check(r.returncode == 1, f"demo without {missing}: exit {r.returncode}, want 1")
            check(f"{tmp / missing} is missing" in r.stderr, f"unclear message: {r.stderr!r}")
            check(r.stdout == "", f"demo ran a part without {missing}: {r.stdout!r}")
            notes.append(r.stderr.strip())
        return "; ".join(notes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def hsctl_cli() -> tuple[int, int, list[str]]:
    from suites import _run

    tmp = tempfile.mkdtemp(prefix="hs-cli-")
    checks = [
        ("cluster up --nodes 1000: usage error",
         lambda: _usage("--nodes 1000 is above the maximum of 64", "cluster", "up", "--dir",
                        tmp, "--nodes", "1000")),
        ("cluster without a command", lambda: _usage("cluster needs a command", "cluster")),
        ("cluster down without --dir", lambda: _usage("cluster down needs --dir D", "cluster",
                                                      "down")),
        ("bounds names the broken SWIM rule",
         lambda: _usage("dead_retention_ms must exceed gossip_max_age_ms", "bounds", "--nodes",
                        "5", "--", "--gossip-max-age-ms", "200000")),
        ("bounds --nodes 0 refused",
         lambda: _usage("--nodes: invalid count '0'", "bounds", "--nodes", "0")),
        ("bounds --nodes above 2^32 refused",
         lambda: _usage("--nodes: invalid count", "bounds", "--nodes", "99999999999")),
        ("bounds beyond members_cap + 1 refused",
         lambda: _usage("cannot compute the bounds for --nodes 1026: more nodes than "
                        "members_cap + 1", "bounds", "--nodes", "1026")),
        ("bounds --nodes 2^32-1 refused",
         lambda: _usage("cannot compute the bounds for --nodes 4294967295", "bounds",
                        "--nodes", "4294967295", "--", "--members-cap", "4095")),
        ("bounds at members_cap + 1 computed", _bounds_at_cap),
        ("stop-node checks --name and --data-dir before signalling", pid_file_safety),
        ("demo.sh fails without hsim or hsctl", demo_refuses_half),
    ]
    try:
        return _run(checks)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
