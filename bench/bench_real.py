#!/usr/bin/env python3
"""Benchmarks of the real node on loopback (figures for docs/real-io.md).

    python3 bench/bench_real.py [--bin build/bin] [--flooder build/bench/bench_real_flood]
                                [--flood-seconds 20] [--rate 100000] [--conns 1000] [--reps 5]

1. convergence: `hsctl cluster up --nodes 5` reports how long after the last
   node started every node saw all five alive (polled every 50 ms); repeated
   for the default 1000 ms probe period and for 200 ms, reported in probe
   periods.
2. flood: a 5-node cluster; n1 holds 1,000 idle TCP connections while
   build/bench/bench_real_flood sends it 100,000 garbage datagrams per second;
   n1's VmRSS is sampled every 0.5 s and the views of n1 and n2 are checked
   every second (all five alive).  Prints one JSON line per part.

A benchmark, not a test: it records figures and does not assert them.
"""
from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "real"))
import hsreal  # noqa: E402


def convergence(reps: int) -> dict:
    out = {}
    for probe in (1000, 200):
        times = []
        for _ in range(reps):
            d = Path(tempfile.mkdtemp(prefix="hs-bench-"))
            try:
                r = hsreal.hsctl("cluster", "up", "--dir", str(d), "--nodes", "5", "--",
                                 "--probe-interval-ms", str(probe),
                                 "--probe-timeout-ms", str(probe // 2), timeout=120)
                m = re.search(r"(\d+) ms after the last start", r.stdout)
                times.append(int(m.group(1)))
            finally:
                hsreal.hsctl("cluster", "down", "--dir", str(d), check_rc=False)
                subprocess.run(["rm", "-rf", str(d)], check=False)
        out[f"probe_{probe}ms"] = {
            "converge_ms": times,
            "max_periods": round(max(times) / probe, 2),
            "median_ms": sorted(times)[len(times) // 2],
        }
    return {"bench": "real_convergence_5_nodes", **out}


def all_alive(addr: str) -> bool:
    v = hsreal.members(addr)
    return v is not None and len(v["members"]) == 5 and all(
        m["state"] == "alive" for m in v["members"])


def flood(seconds: int, rate: int, conns: int, flooder: Path) -> dict:
    d = Path(tempfile.mkdtemp(prefix="hs-bench-"))
    socks = []
    try:
        hsreal.hsctl("cluster", "up", "--dir", str(d), "--nodes", "5", timeout=120)
        info = json.loads((d / "cluster.json").read_text())
        addrs = {n["name"]: n["addr"] for n in info["nodes"]}
        pid = int((d / "n1.pid").read_text())
        host, port = addrs["n1"].split(":")
        rss_idle = hsreal.vm_rss_kib(pid)
        for _ in range(conns):
            socks.append(socket.create_connection((host, int(port))))
        time.sleep(0.5)
        rss_conns = hsreal.vm_rss_kib(pid)
        before = hsreal.stats(addrs["n1"])
        proc = subprocess.Popen([str(flooder), addrs["n1"], str(rate), str(seconds)],
                                stdout=subprocess.PIPE, text=True)
        rss_max, checks, good = rss_conns, 0, 0
        t_end = time.monotonic() + seconds
        next_view = time.monotonic()
        while time.monotonic() < t_end:
            rss_max = max(rss_max, hsreal.vm_rss_kib(pid))
            if time.monotonic() >= next_view:
                checks += 2
                good += all_alive(addrs["n1"]) + all_alive(addrs["n2"])
                next_view += 1.0
            time.sleep(0.5)
        flood_out = json.loads(proc.communicate(timeout=30)[0].strip().splitlines()[-1])
        after = hsreal.stats(addrs["n1"])
        held = sum(1 for s in socks if s.fileno() >= 0)
        return {
            "bench": "real_flood_1000_idle_tcp",
            "idle_tcp_connections": held,
            "udp_rate_asked": rate,
            "udp_sent_per_sec": flood_out["sent_per_sec"],
            "frames_rx_per_sec": round((after["frames_rx"] - before["frames_rx"]) / seconds),
            "frames_rejected": after["frames_rejected"] - before["frames_rejected"],
            "rss_kib_idle": rss_idle,
            "rss_kib_with_conns": rss_conns,
            "rss_kib_max_during_flood": rss_max,
            "membership_checks_all_alive": f"{good}/{checks}",
            "seconds": seconds,
        }
    finally:
        for s in socks:
            s.close()
        hsreal.hsctl("cluster", "down", "--dir", str(d), check_rc=False)
        subprocess.run(["rm", "-rf", str(d)], check=False)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", type=Path)
    ap.add_argument("--flood-seconds", type=int, default=20)
    ap.add_argument("--rate", type=int, default=100000)
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--flooder", type=Path, default=ROOT / "build" / "bench" / "bench_real_flood")
    a = ap.parse_args()
    if a.bin:
        import os
        os.environ["HS_REAL_BIN"] = str(a.bin)
    print(json.dumps(convergence(a.reps)), flush=True)
    print(json.dumps(flood(a.flood_seconds, a.rate, a.conns, a.flooder)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
