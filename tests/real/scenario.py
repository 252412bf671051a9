#!/usr/bin/env python3
"""Run a membership scenario against real hsnode processes on loopback and
print each observer's ordered membership transitions as JSON lines.

    python3 tests/real/scenario.py FILE [--config CONF] [--keep DIR]

Scenario file format (one command per line; '#' starts a comment line):

    start n1 n2 ... nK   start a cluster of K nodes named n1..nK (in that
                         order; once, first); `hsctl cluster up`
    wait_converged       every running node sees every running node alive
    kill NAME            SIGKILL the node (a crash)
    stop NAME            SIGTERM the node (a graceful leave)
    restart NAME         start the node again from its command file
    wait_dead NAME       every running node sees NAME dead (or left)
    wait_left NAME       every running node sees NAME left
    sleep MS             wait MS milliseconds

Output: after the scenario ran and the cluster stopped, one JSON object per
line, observers in name order and each observer's transitions in the order
its log recorded them:

    {"observer":"n1","member":"n3","from":"alive","to":"suspect"}

The transitions come from the nodes' own `member_state` event records (the
same records the simulator produces), so the simulator half can print the
same lines for the same file and the two outputs can be compared.  A node
that was restarted contributes the transitions of all its lives in order.
Every wait has a timeout derived from core's bounds (`hsctl bounds`) for
the cluster size and config.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hsreal  # noqa: E402

DEFAULT_CONFIG = hsreal.HERE / "fast.conf"


class Scenario:
    def __init__(self, path: Path):
        self.path = path
        self.commands: list[tuple[int, str, list[str]]] = []
        for number, raw in enumerate(path.read_text().splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            word, *rest = line.split()
            self.commands.append((number, word, rest))
        if not self.commands or self.commands[0][1] != "start":
            raise SystemExit(f"{path}: the first command must be 'start n1 .. nK'")
        names = self.commands[0][2]
        if names != [f"n{i}" for i in range(1, len(names) + 1)]:
            raise SystemExit(f"{path}: start must name n1..nK in order, got {names}")
        self.names = names


class Runner:
    def __init__(self, scenario: Scenario, config: Path, keep: Path | None):
        self.sc = scenario
        self.config = config
        self.keep = keep
        self.cluster: hsreal.Cluster | None = None
        self.running: set[str] = set()
        b = hsreal.bounds(len(scenario.names), config)
        self.detect_s = b["detection_bound_ns"] / 1e9
        self.converge_s = b["convergence_bound_ns"] / 1e9

    def views(self) -> dict[str, dict]:
        assert self.cluster is not None
        return {n: hsreal.view_states(hsreal.members(self.cluster.addrs[n]))
                for n in sorted(self.running)}

    def converged(self) -> bool:
        for states in self.views().values():
            for other in self.running:
                if states.get(other, ("",))[0] != "alive":
                    return False
        return True

    def sees(self, name: str, wanted: tuple[str, ...]) -> bool:
        return all(states.get(name, ("",))[0] in wanted for states in self.views().values())

    def step(self, number: int, word: str, args: list[str]) -> None:
        assert self.cluster is not None
        where = f"{self.sc.path}:{number} {word} {' '.join(args)}".strip()
        if word == "wait_converged":
            hsreal.wait_until(self.converged, self.converge_s + 5, where)
        elif word in ("kill", "stop"):
            self.cluster.kill(args[0], signal.SIGKILL if word == "kill" else signal.SIGTERM)
            self.running.discard(args[0])
        elif word == "restart":
            self.cluster.restart(args[0])
            self.running.add(args[0])
        elif word == "wait_dead":
            hsreal.wait_until(lambda: self.sees(args[0], ("dead", "left")), self.detect_s + 5, where)
        elif word == "wait_left":
            hsreal.wait_until(lambda: self.sees(args[0], ("left",)), self.detect_s + 5, where)
        elif word == "sleep":
            hsreal.time.sleep(int(args[0]) / 1000)
        else:
            raise SystemExit(f"{where}: unknown command")

    def run(self) -> list[dict]:
        """Runs the scenario, stops the cluster, returns the transitions."""
        self.cluster = hsreal.Cluster(len(self.sc.names), self.config, keep=self.keep)
        with self.cluster:
            self.running = set(self.sc.names)
            for number, word, args in self.sc.commands[1:]:
                self.step(number, word, args)
            # Read the logs before `cluster down`: the leave at shutdown is
            # not part of the scenario.
            return transitions(self.cluster, self.sc.names)


def transitions(cluster: hsreal.Cluster, names: list[str]) -> list[dict]:
    out = []
    for observer in sorted(names):
        for rec in cluster.log_lines(observer):
            if rec.get("event") == "member_state":
                out.append({"observer": observer, "member": rec["member"],
                            "from": rec["from"], "to": rec["to"]})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                    help="hsnode config file for every node (default tests/real/fast.conf)")
    ap.add_argument("--keep", type=Path, help="use and keep this cluster directory")
    a = ap.parse_args()
    missing = hsreal.binaries_present()
    if missing:
        print(f"scenario: {missing}", file=sys.stderr)
        return 1
    try:
        rows = Runner(Scenario(a.file), a.config, a.keep).run()
    except hsreal.TestFailure as e:
        print(f"scenario: {e}", file=sys.stderr)
        return 1
    for row in rows:
        print(json.dumps(row, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
