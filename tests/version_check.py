"""What `hsim --version`, `hsnode --version` and `hsctl --version` must
print (used by tests/sim_suites.py and tests/real/suites.py).

    problems(root, binary, prog, compiler) -> [problem text]

The four lines are the program and HS_VERSION, the git commit the build saw
and whether the tree was clean (`git rev-parse HEAD` now: the test run
builds first, and the header is regenerated on every build), the compiler
(`gcc X.Y.Z` or clang's own __VERSION__) and the wire's protocol version
(MSG_PROTO_MAJOR.MINOR from core/wire/msg.h, FRAME_VERSION from frame.h).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path


def _define(path: Path, name: str) -> str:
    m = re.search(rf"#define {name} (\d+)u?", path.read_text())
    return m.group(1) if m else "?"


def expected_commit(root: Path) -> str:
    try:
        r = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                           text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return r.stdout.strip() if r.returncode == 0 else "unknown"


def problems(root: Path, binary: Path, prog: str, compiler: str) -> list[str]:
    """compiler: "gcc" or "clang", the one that built binary."""
    r = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    lines = r.stdout.splitlines()
    out = []
    if r.returncode != 0 or len(lines) != 4:
        return [f"`{prog} --version` exited {r.returncode} with {len(lines)} lines: {r.stdout!r}"]
    if re.fullmatch(rf"{prog} \d+\.\d+\.\d+", lines[0]) is None:
        out.append(f"{prog}: first line {lines[0]!r}, want '{prog} X.Y.Z'")
    commit = expected_commit(root)
    m = re.fullmatch(r"commit (\S+) \((clean|dirty|unknown)\)", lines[1])
    if m is None or m.group(1) != commit:
        out.append(f"{prog}: {lines[1]!r}, want 'commit {commit} (clean|dirty)'")
    want_cc = r"compiler gcc \d+\.\d+" if compiler == "gcc" else r"compiler .*[Cc]lang .*\d+\.\d+"
    if re.match(want_cc, lines[2]) is None:
        out.append(f"{prog}: {lines[2]!r}, want the {compiler} version")
    wire = root / "core" / "wire"
    proto = (f"protocol {_define(wire / 'msg.h', 'MSG_PROTO_MAJOR')}."
             f"{_define(wire / 'msg.h', 'MSG_PROTO_MINOR')} "
             f"(frame version {_define(wire / 'frame.h', 'FRAME_VERSION')})")
    if lines[3] != proto:
        out.append(f"{prog}: {lines[3]!r}, want {proto!r}")
    return out
