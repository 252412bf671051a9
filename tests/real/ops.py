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
import time
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
for d in new empty; do
    timeout 20 "$hsnode" --name n1 --listen "127.0.0.1:$port" --data-dir "$mnt/$d" \
        2>"$mnt/../$d.err" >/dev/null
    echo "$d=$?"
done
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


# The mutable globals core may hold, by design: the replaceable heap
# (core/base/alloc.c, as cowsql/raft's raft_heap) and the assertion hook
# (core/base/base.c), process properties set by the host before any node
# exists.  Neither holds run state.
CORE_GLOBALS_ALLOWED = {"alloc.o:current_heap", "base.o:assert_hook_fn",
                        "base.o:assert_hook_ctx"}


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
    extra = sorted(set(writable) - CORE_GLOBALS_ALLOWED)
    check(not extra, f"mutable globals in core: {extra}")
    return f"no .data or .bss objects but {sorted(set(writable))}"


def start_refusals() -> tuple[int, int, list[str]]:
    from suites import _run

    return _run([
        ("full data directory: exit 1 at once, nothing left", full_data_dir),
        ("port in use: no data directory left", port_refusal_leaves_nothing),
        ("core has no mutable globals", core_has_no_mutable_globals),
    ])


# --------------------------------------------------------------------------
# Idle TCP connections cannot lock others out (item 9a)

def _start_node(tmp: Path, name: str, port: int, *flags: str) -> subprocess.Popen:
    return subprocess.Popen([str(hsreal.bin_dir() / "hsnode"), "--name", name, "--listen",
                             f"127.0.0.1:{port}", "--data-dir", str(tmp / name), "--config",
                             str(hsreal.HERE / "fast.conf"), "--log", "json", *flags],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _idle_conns(port: int, source: str, count: int) -> list[socket.socket]:
    """count connections from `source` (a 127/8 address) that send nothing."""
    out = []
    for _ in range(count):
        s = socket.socket()
        s.bind((source, 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        out.append(s)
    return out


def _closed_by_peer(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def idle_flood() -> str:
    """A node with 64 slots, 32 per source and a 1.5 s slow timeout: 100
    idle connections from one address (32 kept, 68 refused), then 100 from
    20 others (the table fills, the oldest idle are evicted); `hsctl members`
    is answered throughout; after the slow timeout every idle connection has
    been closed by the node.  Without the three rules the first 64 idle
    connections hold every slot for the 120 s idle timeout and hsctl is
    refused."""
    tmp = Path(tempfile.mkdtemp(prefix="hs-idle-"))
    port = _free_port()
    node = _start_node(tmp, "i1", port, "--tcp-conns-max", "64", "--tcp-conns-per-source", "32",
                       "--tcp-slow-timeout-ms", "1500")
    socks: list[socket.socket] = []
    addr = f"127.0.0.1:{port}"
    try:
        hsreal.wait_until(lambda: hsreal.members(addr) is not None, 10, "i1 to answer")
        socks += _idle_conns(port, "127.0.0.2", 100)
        hsreal.wait_until(lambda: hsreal.stats(addr).get("host_tcp_refused.source_cap", 0) >= 68,
                          10, "68 connections refused by the per-source cap")
        check(hsreal.members(addr) is not None, "members not answered beside 100 idle conns")
        for k in range(20):
            socks += _idle_conns(port, f"127.0.1.{k + 1}", 5)
        hsreal.wait_until(lambda: hsreal.stats(addr).get("host_tcp_evicted", 0) > 0, 10,
                          "the oldest idle connections evicted")
        check(hsreal.members(addr) is not None, "members not answered with the table full")
        first = hsreal.stats(addr)
        hsreal.wait_until(lambda: all(_closed_by_peer(s) for s in socks), 10,
                          "every idle connection closed by the node")
        st = hsreal.stats(addr)
        slow = st.get("host_tcp_closed.slow_first", 0)
        check(slow > 0, f"no connection closed for sending no frame: {st}")
        check(st.get("tcp_conns_rejected", 0) >= 68, f"core did not count the refusals: {st}")
        check(node.poll() is None, "hsnode exited")
        return (f"refused by source cap {first['host_tcp_refused.source_cap']}, evicted "
                f"{st['host_tcp_evicted']}, closed without a first frame {slow}")
    finally:
        for s in socks:
            s.close()
        _stop(node)
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# hsctl stats and /metrics on a real cluster (item 10)

def _scrape(url: str) -> tuple[int, str, str]:
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def _parse_exposition(text: str) -> dict[str, float]:
    """Samples by 'name{labels}', checking the 0.0.4 shape: every family has
    one HELP and one TYPE counter line before its samples, in one block."""
    samples: dict[str, float] = {}
    typed: set[str] = set()
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            fam = line.split()[2]
            check(fam not in typed, f"family {fam} appears twice")
            current = fam
        elif line.startswith("# TYPE "):
            _, _, fam, kind = line.split()
            check(fam == current and kind == "counter", f"bad TYPE line {line!r}")
            typed.add(fam)
        else:
            key, value = line.rsplit(" ", 1)
            fam = key.split("{", 1)[0]
            check(fam == current and fam in typed, f"sample outside its family block: {line!r}")
            check(fam.endswith("_total"), f"counter without _total: {line!r}")
            samples[key] = float(value)
    return samples


def _metric_key(stats_name: str) -> str:
    fam, _, label = stats_name.partition(".")
    if not label:
        return f"hs_{fam}_total"
    key = "type" if fam.startswith(("rx_", "tx_")) else "op" if fam == "host_io_errors" \
        else "cause"
    return f'hs_{fam}_total{{{key}="{label}"}}'


def _raw_http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def stats_and_metrics() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="hs-metrics-"))
    node = None
    try:
        with hsreal.Cluster(3, hsreal.HERE / "fast.conf") as cl:
            port, mport = _free_port(), _free_port()
            node = _start_node(tmp, "m4", port, "--join", cl.addrs["n1"], "--metrics-listen",
                               f"127.0.0.1:{mport}")
            addr = f"127.0.0.1:{port}"

            def converged():
                states = hsreal.view_states(hsreal.members(addr))
                return len(states) == 4 and all(s == "alive" for s, _ in states.values())
            hsreal.wait_until(converged, 30, "m4 to see 4 members alive")
            def probed():
                got = hsreal.stats(addr)
                return got.get("rx_msgs.ping", 0) > 0 and got.get("tx_msgs.ack", 0) > 0 and \
                    got.get("rx_msgs.ack", 0) > 0
            hsreal.wait_until(probed, 15, "m4 to be probed and to probe", interval=0.2)
            st = hsreal.stats(addr)
            for name in ("rx_msgs.ping", "rx_bytes.ping", "tx_msgs.ping", "tx_bytes.ping",
                         "rx_msgs.ack", "tx_msgs.ack", "rx_msgs.stats_req", "host_tcp_accepted",
                         "host_udp_rx", "host_tcp_refused.table_full",
                         "host_tcp_refused.source_cap", "host_tcp_closed.slow_first",
                         "host_errors", "host_metrics.ok", "host_wakeups",
                         "host_outbox.reserve_taken", "host_outbox.timers_lost"):
                check(name in st, f"hsctl stats lacks {name}: {sorted(st)}")
            check(st["rx_msgs.ping"] > 0 and st["tx_msgs.ping"] > 0, f"no pings counted: {st}")
            check(st["rx_bytes.ping"] >= 16 * st["rx_msgs.ping"], "ping bytes below frame size")
            check(st["host_tcp_accepted"] >= 1 and st["host_udp_rx"] > 0, f"host counters: {st}")
            # A node at its computed limits never outgrows its outbox.
            check(st["host_outbox.reserve_taken"] == 0 and st["host_outbox.timers_lost"] == 0,
                  f"outbox counters: {st}")
            code, ctype, text = _scrape(f"http://127.0.0.1:{mport}/metrics")
            check(code == 200 and ctype.startswith("text/plain; version=0.0.4"),
                  f"/metrics: {code} {ctype}")
            samples = _parse_exposition(text)
            after = hsreal.stats(addr)
            for name, value in st.items():
                key = _metric_key(name)
                check(key in samples, f"/metrics lacks {key} (from hsctl stats {name})")
                if not name.startswith("host_metrics."):
                    check(st[name] <= samples[key] <= after[name],
                          f"{key} = {samples[key]} not between hsctl's {st[name]} and "
                          f"{after[name]}")
            check(after["host_metrics.ok"] == st["host_metrics.ok"] + 1,
                  "the scrape was not counted")
            code, _, _ = _scrape(f"http://127.0.0.1:{mport}/nothing")
            check(code == 404, f"/nothing: {code}, want 404")
            reply = _raw_http(mport, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
            check(reply.startswith(b"HTTP/1.0 400 "), f"POST: {reply[:40]!r}")
            reply = _raw_http(mport, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 5000)
            check(reply.startswith(b"HTTP/1.1 400 "), f"oversized: {reply[:40]!r}")
            final = hsreal.stats(addr)
            check(final["host_metrics.not_found"] == 1 and final["host_metrics.bad_request"] == 2,
                  f"metrics refusals not counted: {final}")
            check(node.poll() is None, "m4 exited")
            return (f"{len(st)} counters in hsctl stats, {len(samples)} samples in /metrics; "
                    f"rx ping {st['rx_msgs.ping']}, tx ack {st['tx_msgs.ack']}")
    finally:
        if node is not None:
            _stop(node)
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# HELLO bindings cannot lock hsctl out (review of main, item 1)

def _hello_conn(port: int, source: str) -> socket.socket:
    import hostile

    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(hostile.hello())
    typ, _ = hostile.read_frame(s)
    check(typ == 9, f"HELLO answered with type {typ}")
    return s


def hello_bindings() -> str:
    """A node with peers_max 16.  (b) 40 connections that say HELLO then
    send a bad-checksum frame: core closes each, and the binding goes with
    it (the host sends no CONN_CLOSED for a close core asked for), so none
    is evicted and `hsctl members` is answered.  (a) 40 idle connections
    that said HELLO: the table fills, each new HELLO evicts the least
    recently active binding and core closes it; hsctl is answered.  Before
    the fix (a fixed 128-entry table refusing HELLO with ERR_FULL when
    full, closes leaving bindings behind) both lock hsctl out."""
    import hostile

    tmp = Path(tempfile.mkdtemp(prefix="hs-peers-"))
    port = _free_port()
    node = _start_node(tmp, "p1", port, "--peers-max", "16", "--tcp-conns-per-source", "8")
    addr = f"127.0.0.1:{port}"
    socks: list[socket.socket] = []
    try:
        hsreal.wait_until(lambda: hsreal.members(addr) is not None, 10, "p1 to answer")
        for i in range(40):
            s = _hello_conn(port, f"127.0.3.{i + 1}")
            s.sendall(hostile.frame(16, bytes([0xA1, 0x01, 0x07]), good_sum=False))
            check(hostile.closed_by_peer(s, 5), "a bad-checksum frame did not close the conn")
            s.close()
        check(hsreal.members(addr) is not None, "members refused after HELLO-then-garbage")
        st = hsreal.stats(addr)
        check(st.get("peers_evicted", 0) == 0,
              f"closed connections left bindings to evict: {st.get('peers_evicted')}")
        check(st.get("hello_refused", 0) == 0, f"HELLO refused: {st.get('hello_refused')}")
        for i in range(40):
            socks.append(_hello_conn(port, f"127.0.4.{i // 4 + 1}"))
        check(hsreal.members(addr) is not None, "members refused beside 40 idle HELLO conns")
        st = hsreal.stats(addr)
        evicted = st.get("peers_evicted", 0)
        check(evicted >= 24, f"only {evicted} bindings evicted for 40 idle HELLOs into 16")
        check(st.get("hello_refused", 0) == 0, f"HELLO refused: {st.get('hello_refused')}")
        closed = sum(1 for s in socks[:20] if hostile.closed_by_peer(s, 2))
        check(closed >= 20, f"only {closed} of the 20 oldest idle HELLO conns closed by core")
        check(node.poll() is None, "hsnode exited")
        return f"40 hello+garbage closed, 40 idle HELLOs: {evicted} evicted, hsctl answered"
    finally:
        for s in socks:
            s.close()
        _stop(node)
        shutil.rmtree(tmp, ignore_errors=True)


def pipelined_send_failed() -> str:
    """One client says HELLO, then pipelines 100,000 members requests and
    reads nothing (a 4 KiB receive buffer), then hangs up: every reply the
    host still holds for it fails.  Every failed
    frame reaches core (host_tcp_send_failed == core's sends_failed, which
    adds each input's frames), no host-made input is dropped
    (no host_io_errors.pending_full), no binding is left behind, and hsctl
    is answered.  Before the fix the pending ring overflowed: 51,151 frames
    failed at the host against 6,208 counted by core."""
    import hostile

    tmp = Path(tempfile.mkdtemp(prefix="hs-pipe-"))
    port = _free_port()
    node = _start_node(tmp, "q1", port)
    addr = f"127.0.0.1:{port}"
    try:
        hsreal.wait_until(lambda: hsreal.members(addr) is not None, 10, "q1 to answer")
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        s.sendall(hostile.hello())
        try:
            s.sendall(hostile.members_req() * 100000)
        except OSError:
            pass  # the node closed it, or stopped reading: both are the point
        time.sleep(2)
        s.close()  # the replies still queued at the host will never be sent
        hsreal.wait_until(lambda: hsreal.stats(addr).get("host_tcp_send_failed", 0) > 0, 20,
                          "the host to report the replies it could not send")
        def settled():
            st = hsreal.stats(addr)
            return st.get("host_tcp_send_failed", 0) == st.get("sends_failed", -1)
        hsreal.wait_until(settled, 10, "core to count every failed frame")
        st = hsreal.stats(addr)
        check(st.get("host_io_errors.pending_full", 0) == 0,
              f"host inputs dropped: {st.get('host_io_errors.pending_full')}")
        check(hsreal.members(addr) is not None, "members refused after the pipelining client")
        check(node.poll() is None, "hsnode exited")
        return (f"{st['host_tcp_send_failed']} frames failed at the host, {st['sends_failed']} "
                f"counted by core, coalesced {st.get('host_send_failed_coalesced', 0)}")
    finally:
        _stop(node)
        shutil.rmtree(tmp, ignore_errors=True)


def operator_counters() -> tuple[int, int, list[str]]:
    from suites import _run

    return _run([
        ("idle connections cannot lock others out", idle_flood),
        ("HELLO bindings cannot lock hsctl out", hello_bindings),
        ("a pipelining client's failed frames all reach core", pipelined_send_failed),
        ("hsctl stats and /metrics carry the same counters", stats_and_metrics),
    ])
