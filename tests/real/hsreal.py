"""Helpers for the loopback tests of real hsnode processes.

Every process a test starts is stopped in a `finally`, even when the test
fails: clusters through `hsctl cluster down` and then SIGKILL of any pid
still named in a pid file, single processes through their Popen handle.
Ports are never fixed: `hsctl cluster up` picks free loopback ports.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


class TestFailure(Exception):
    """An assertion of a real-cluster test failed."""


def check(cond: bool, what: str) -> None:
    if not cond:
        raise TestFailure(what)


def bin_dir() -> Path:
    """build/bin (release) unless HS_REAL_BIN names another directory."""
    return Path(os.environ.get("HS_REAL_BIN", ROOT / "build" / "bin"))


def binaries_present() -> str | None:
    for name in ("hsnode", "hsctl"):
        if not (bin_dir() / name).exists():
            return f"{bin_dir() / name} is missing (build with: ninja)"
    return None


def hsctl(*args: str, timeout: float = 60, check_rc: bool = True) -> subprocess.CompletedProcess:
    cmd = [str(bin_dir() / "hsctl"), *args]
    env = dict(os.environ, HSNODE=str(bin_dir() / "hsnode"))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                       timeout=timeout, env=env, text=True)
    if check_rc and r.returncode != 0:
        raise TestFailure(f"{' '.join(cmd[1:])} exited {r.returncode}: {r.stderr.strip()}")
    return r


def members(addr: str, timeout: float = 5) -> dict | None:
    """One node's view as {"node":..,"members":[..]}, or None if it does not answer."""
    r = hsctl("--node", addr, "members", "--json", timeout=timeout, check_rc=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


def stats(addr: str) -> dict:
    r = hsctl("--node", addr, "stats", "--json")
    return json.loads(r.stdout)["counters"]


def parse_bounds(text: str) -> dict:
    """`hsctl bounds --json`, with its 64-bit nanosecond strings as ints
    (check()s that they are strings of digits: JSON numbers would round)."""
    b = json.loads(text)
    for key in ("detection_bound_ns", "convergence_bound_ns"):
        check(isinstance(b.get(key), str) and b[key].isdigit(),
              f"hsctl bounds --json: {key} is {b.get(key)!r}, want a string of digits")
        b[key] = int(b[key])
    return b


def bounds(nodes: int, config: Path) -> dict:
    return parse_bounds(hsctl("bounds", "--nodes", str(nodes), "--config", str(config),
                              "--json").stdout)


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise TestFailure(f"no VmRSS for pid {pid}")


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, IndexError):
        return False


def wait_until(pred, timeout: float, what: str, interval: float = 0.05):
    """Polls pred() until it returns a truthy value; fails after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise TestFailure(f"timed out after {timeout:.1f} s waiting for {what}")


class Cluster:
    """A `hsctl cluster up` cluster in a fresh temporary directory."""

    def __init__(self, nodes: int, config: Path, keep: Path | None = None):
        self.nodes = nodes
        self.config = config
        self.dir = keep if keep is not None else Path(tempfile.mkdtemp(prefix="hs-real-"))
        self.keep = keep is not None
        self.addrs: dict[str, str] = {}

    def __enter__(self) -> "Cluster":
        try:
            hsctl("cluster", "up", "--dir", str(self.dir), "--nodes", str(self.nodes),
                  "--config", str(self.config), timeout=120)
            info = json.loads((self.dir / "cluster.json").read_text())
            self.addrs = {n["name"]: n["addr"] for n in info["nodes"]}
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def pid(self, name: str) -> int | None:
        try:
            return int((self.dir / f"{name}.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        pid = self.pid(name)
        check(pid is not None, f"{name} has no pid file")
        os.kill(pid, sig)
        wait_until(lambda: not pid_alive(pid), 10, f"{name} (pid {pid}) to exit")

    def restart(self, name: str) -> None:
        hsctl("cluster", "start-node", "--dir", str(self.dir), "--node", name, timeout=30)

    def log_lines(self, name: str) -> list[dict]:
        out = []
        path = self.dir / f"{name}.log"
        if not path.exists():
            return out
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
        return out

    def close(self) -> None:
        """Stops everything; never raises."""
        try:
            if (self.dir / "cluster.json").exists():
                hsctl("cluster", "down", "--dir", str(self.dir), timeout=60, check_rc=False)
        except Exception:
            pass
        for pid_file in self.dir.glob("*.pid"):
            try:
                pid = int(pid_file.read_text())
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"hsnode" in cmdline:
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def view_states(view: dict | None) -> dict[str, tuple[str, int]]:
    if view is None:
        return {}
    return {m["name"]: (m["state"], m["incarnation"]) for m in view["members"]}
