"""Operator-facing defects and counters (issue 6 items 9 and 10), called
from tests/real/suites.py.

start_refusals():
  - a node whose data directory is on a full file system (a 64 KiB tmpfs,
    mounted in a private mount namespace: `unshare -m`, plus `-r` when not
    root) exits 1 at once with one clear line instead of retrying its
    metadata write forever, and leaves the file system as it found it (no
    data directory, lock or meta file; an existing empty data directory
    stays empty);
  - a refusal after the data directory was opened (TCP port in use) leaves
    no data directory behind either;
  - core keeps no mutable globals: the clang-built core library (not LTO, so
    its object files carry real sections) has no symbol in .data or .bss.

Every process has a timeout; nothing outlives the test.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import hsreal
from hsreal import check


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A shell script run in a private mount namespace: mount a 64 KiB tmpfs,
# fill it, start hsnode on it, report its exit status and what is left.
_FULL_FS = r'''
set -u
mnt="$1"; hsnode="$2"; port="$3"
mount -t tmpfs -o size=64k tmpfs "$mnt" || exit 90
mkdir "$mnt/empty"
dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
timeout 20 "$hsnode" --name n1 --listen "127.0.0.1:$port" --data-dir "$mnt/new" 2>"$mnt/../new.err" >/dev/null
echo "new=$?"
timeout 20 "$hsnode" --name n1 --listen "127.0.0.1:$port" --data-dir "$mnt/empty" 2>"$mnt/../empty.err" >/dev/null
echo "empty=$?"
echo "top=$(ls -A "$mnt" | tr '\n' ' ')"
echo "inside=$(ls -A "$mnt/empty" | tr '\n' ' ')"
'''


def _in_mount_namespace(script: str, *args: str) -> subprocess.CompletedProcess:
    ns = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    return subprocess.run([*ns, "sh", "-c", script, "sh", *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def full_data_dir() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="hs-nospace-"))
    try:
        (tmp / "mnt").mkdir()
        r = _in_mount_namespace(_FULL_FS, str(tmp / "mnt"), str(hsreal.bin_dir() / "hsnode"),
                                str(_free_port()))
        check(r.returncode != 90 and shutil.which("unshare") is not None,
              f"cannot mount a tmpfs in a private mount namespace: {r.stderr.strip()}")
        got = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
        for case in ("new", "empty"):
            err = (tmp / f"{case}.err").read_text().strip()
            check(got.get(case) == "1",
                  f"data dir {case} on a full file system: exit {got.get(case)}, want 1 "
                  f"(124 = still running after 20 s: retrying forever) {err!r}")
            check(err.startswith("hsnode: data directory ") and "No space left on device" in err
                  and "refusing to start" in err, f"unclear message: {err!r}")
        check(got.get("top", "").split() == ["empty", "fill"],
              f"a refused start left entries behind: {got.get('top')!r}")
        check(got.get("inside", "").split() == [],
              f"a refused start left entries in the existing directory: {got.get('inside')!r}")
        return (tmp / "new.err").read_text().strip()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def port_refusal_leaves_nothing() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="hs-refusal-"))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        r = subprocess.run([str(hsreal.bin_dir() / "hsnode"), "--name", "n1", "--listen",
                            f"127.0.0.1:{busy}", "--data-dir", str(tmp / "d")],
                           capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        check(r.returncode == 1 and "port in use" in r.stderr,
              f"port in use: exit {r.returncode} ({r.stderr.strip()})")
        left = sorted(p.name for p in (tmp / "d").iterdir()) if (tmp / "d").exists() else None
        check(left is None, f"the refused start left its data directory with {left}")
        return "no data directory left"
    finally:
        s.close()
        shutil.rmtree(tmp, ignore_errors=True)


def core_has_no_mutable_globals() -> str:
    lib = hsreal.ROOT / "build" / "alt" / "lib" / "libhs_core.a"
    check(lib.exists(), f"{lib} is missing (ninja build/alt/bin/hsim)")
    r = subprocess.run(["objdump", "-t", str(lib)], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"objdump failed: {r.stderr.strip()}")
    writable = []
    obj = ""
    for line in r.stdout.splitlines():
        if line.endswith(":     file format elf64-x86-64"):
            obj = line.split(":")[0]
        fields = line.split()
        # "addr flags... section size name": a data object in a writable section
        if len(fields) >= 5 and fields[-3] in (".data", ".bss", ".tbss", ".tdata") \
                and " O " in line:
            writable.append(f"{obj}:{fields[-1]}")
    check(not writable, f"mutable globals in core: {writable}")
    return "no .data or .bss objects"


def start_refusals() -> tuple[int, int, list[str]]:
    from suites import _run

    return _run([
        ("full data directory: exit 1 at once, nothing left", full_data_dir),
        ("port in use: no data directory left", port_refusal_leaves_nothing),
        ("core has no mutable globals", core_has_no_mutable_globals),
    ])
