"""Hostile input against a real node, and hsnode's start-up refusals.

hostile(): a 3-node cluster; n1 is fed on its UDP and TCP ports random
bytes, truncated frames, oversized datagrams, declared lengths near 2^32,
deeply nested payloads with valid checksums, unknown types, wrong-channel
messages, bad checksums, slow clients holding partial frames, more
connections than its table holds, and a large stream.  Each kind of
rejection is checked against the counter core keeps for it (read with
`hsctl --node H:P stats --json`); n1 must keep answering, keep its
membership, and stay under RSS_LIMIT_KIB (VmRSS from /proc/<pid>/status).
memory_budgets_full() then fills both TCP budgets of a node running the
default settings and checks the same bound while it keeps answering;
log_pipe_unread() gives a node a stdout pipe nobody reads.

hsnode_errors(): every start-up refusal exits 1 or 2 with one clear line.
"""
from __future__ import annotations

import ctypes
import os
import random
import select
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import hsreal
from hsreal import check, wait_until

HOSTILE = hsreal.HERE / "hostile.conf"
RSS_LIMIT_KIB = 64 * 1024
FRAME_TCP_PAYLOAD_MAX = 1 << 20
MSG_MEMBERS_REQ = 16
MSG_PING = 1
MSG_ERROR = 8
MSG_HELLO = 9
UNKNOWN_TYPE = 999
HS_ERR_STATE = 21
HS_ERR_VERSION = 16

_xxh = None


def xxh3(data: bytes, seed: int) -> int:
    """XXH3-64 through the system libxxhash (a runtime dependency of hsnode)."""
    global _xxh
    if _xxh is None:
        lib = ctypes.CDLL("libxxhash.so.0")
        _xxh = lib.XXH3_64bits_withSeed
        _xxh.restype = ctypes.c_uint64
        _xxh.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
    return _xxh(data, len(data), seed)


def frame(msg_type: int, payload: bytes, length: int | None = None, good_sum: bool = True) -> bytes:
    """A frame as core/frame.h lays it out; length overrides the declared length."""
    head8 = struct.pack(">BBHI", 1, 0, msg_type, len(payload) if length is None else length)
    checksum = xxh3(payload, int.from_bytes(head8, "big")) if good_sum else 0x0123456789abcdef
    return head8 + struct.pack(">Q", checksum) + payload


def members_req(request_id: int = 7) -> bytes:
    check(0 <= request_id < 24, "request ids here fit one CBOR byte")
    return frame(MSG_MEMBERS_REQ, bytes([0xA1, 0x01, request_id]))


def hello(major: int = 1) -> bytes:
    """The HELLO every TCP connection starts with (docs/wire.md): {1: name,
    2: role (client), 3: proto major, 4: proto minor, 5: incarnation}."""
    name = b"hostile"
    return frame(MSG_HELLO, bytes([0xA5, 0x01, 0x60 | len(name)]) + name +
                 bytes([0x02, 0x00, 0x03, major, 0x04, 0x00, 0x05, 0x00]))


def error_code(payload: bytes) -> int:
    """The code of an ERROR payload the node wrote: {1: code, ...}, code < 24."""
    check(len(payload) >= 3 and payload[1] == 0x01 and payload[2] < 24,
          f"unexpected ERROR payload {payload[:8].hex()}")
    return payload[2]


def deep_payload(depth: int = 1000) -> bytes:
    # {1: 0, 9: [[[...]]]}: unknown key 9 whose value nests past MSG_DEPTH_MAX.
    return bytes([0xA2, 0x01, 0x00, 0x09]) + b"\x81" * depth + b"\x00"


def addr_tuple(addr: str) -> tuple[str, int]:
    host, port = addr.rsplit(":", 1)
    return host, int(port)


def connect(addr: str, timeout: float = 5) -> socket.socket:
    s = socket.create_connection(addr_tuple(addr), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_peer(s: socket.socket, timeout: float) -> bool:
    """True once the node closed the connection (EOF or reset)."""
    s.settimeout(timeout)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def read_frame(s: socket.socket, timeout: float = 5) -> tuple[int, bytes]:
    s.settimeout(timeout)
    buf = b""
    while len(buf) < 16:
        chunk = s.recv(16 - len(buf))
        check(bool(chunk), "connection closed before a reply")
        buf += chunk
    _, _, msg_type, length = struct.unpack(">BBHI", buf[:8])
    body = b""
    while len(body) < length:
        chunk = s.recv(length - len(body))
        check(bool(chunk), "connection closed inside a reply")
        body += chunk
    return msg_type, body


class Probe:
    """Counters and RSS of the node under attack, with deltas."""

    def __init__(self, cl: hsreal.Cluster, name: str):
        self.addr = cl.addrs[name]
        self.pid = cl.pid(name)
        self.base = hsreal.stats(self.addr)
        self.rss_max = hsreal.vm_rss_kib(self.pid)

    def delta(self, counter: str) -> int:
        return hsreal.stats(self.addr)[counter] - self.base[counter]

    def wait_delta(self, counter: str, at_least: int, what: str) -> int:
        wait_until(lambda: self.delta(counter) >= at_least, 15, f"{counter} += {at_least} ({what})")
        return self.delta(counter)

    def sample_rss(self) -> int:
        self.rss_max = max(self.rss_max, hsreal.vm_rss_kib(self.pid))
        check(self.rss_max <= RSS_LIMIT_KIB, f"VmRSS {self.rss_max} KiB > {RSS_LIMIT_KIB} KiB")
        return self.rss_max

    def rebase(self) -> None:
        self.base = hsreal.stats(self.addr)


# --------------------------------------------------------------------------
# UDP

def udp_attack(p: Probe) -> str:
    rng = random.Random(1)
    target = addr_tuple(p.addr)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sends = [
            ("oversized datagram", frame(MSG_PING, bytes(59000)), "frames_rejected"),
            ("truncated frame", frame(MSG_PING, bytes(100))[:40], "frames_rejected"),
            ("length near 2^32", frame(MSG_PING, b"", length=0xFFFFFFF0), "frames_rejected"),
            ("bad checksum", frame(MSG_PING, b"\xa0", good_sum=False), "frames_rejected"),
            ("deep nesting", frame(MSG_PING, deep_payload()), "msgs_rejected"),
            ("unknown type", frame(UNKNOWN_TYPE, b"\xa0"), "unknown_type"),
            ("members_req on udp", members_req(), "wrong_channel"),
        ]
        for what, data, counter in sends:
            p.rebase()
            u.sendto(data, target)
            p.wait_delta(counter, 1, f"udp {what}")
        p.rebase()
        for _ in range(500):
            u.sendto(bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 1400))), target)
        # Loopback may drop some of a burst; most must arrive and each one
        # that arrives is rejected (random bytes never form a valid frame).
        got = p.wait_delta("frames_rejected", 100, "udp random bytes")
    finally:
        u.close()
    p.sample_rss()
    return f"7 kinds counted; {got} of 500 random datagrams rejected"


# --------------------------------------------------------------------------
# TCP

def tcp_bad_streams(p: Probe) -> str:
    """Each poisoned stream is closed by the host and counted by core."""
    cases = [
        ("random bytes", b"\xff" + os.urandom(300)),
        ("length near 2^32", frame(MSG_MEMBERS_REQ, b"", length=0xFFFFFFF0)),
        ("reserved flag", b"\x01\x01" + frame(MSG_MEMBERS_REQ, b"\xa0")[2:]),
    ]
    for what, data in cases:
        p.rebase()
        s = connect(p.addr)
        try:
            s.sendall(data)
            check(closed_by_peer(s, 5), f"tcp {what}: the node kept the connection")
        finally:
            s.close()
        p.wait_delta("tcp_conns_rejected", 1, f"tcp {what}")
    # A frame whose checksum fails: core rejects it and asks for the close.
    p.rebase()
    s = connect(p.addr)
    try:
        s.sendall(frame(MSG_MEMBERS_REQ, bytes([0xA1, 0x01, 0x01]), good_sum=False))
        check(closed_by_peer(s, 5), "bad checksum: the node kept the connection")
    finally:
        s.close()
    p.wait_delta("frames_rejected", 1, "tcp bad checksum")
    return "random, 2^32 length, reserved flag, bad checksum: closed and counted"


def tcp_explicit_errors(p: Probe) -> str:
    """Valid frames core cannot use get an ERROR reply and a counter."""
    for what, data, counter in [
        ("unknown type", frame(UNKNOWN_TYPE, b"\xa0"), "unknown_type"),
        ("deep nesting", frame(MSG_MEMBERS_REQ, deep_payload()), "msgs_rejected"),
        ("1 MiB garbage payload", frame(MSG_MEMBERS_REQ, os.urandom(FRAME_TCP_PAYLOAD_MAX)),
         "msgs_rejected"),
    ]:
        p.rebase()
        s = connect(p.addr)
        try:
            s.sendall(data)
            msg_type, _ = read_frame(s)
            check(msg_type == MSG_ERROR, f"tcp {what}: reply type {msg_type}, want ERROR")
        finally:
            s.close()
        p.wait_delta(counter, 1, f"tcp {what}")
        p.sample_rss()
    # A request before HELLO, and a HELLO of another protocol major.
    for what, data, counter, code in [
        ("request before HELLO", members_req(), "hello_missing", HS_ERR_STATE),
        ("HELLO of major 2", hello(2) + members_req(), "hello_refused", HS_ERR_VERSION),
    ]:
        p.rebase()
        s = connect(p.addr)
        try:
            s.sendall(data)
            msg_type, payload = read_frame(s)
            check(msg_type == MSG_ERROR, f"tcp {what}: reply type {msg_type}, want ERROR")
            got = error_code(payload)
            check(got == code, f"tcp {what}: ERROR code {got}, want {code}")
        finally:
            s.close()
        p.wait_delta(counter, 1, f"tcp {what}")
    # With HELLO first the same request is answered: HELLO, then the reply.
    s = connect(p.addr)
    try:
        s.sendall(hello() + members_req())
        types = [read_frame(s)[0], read_frame(s)[0]]
        check(types == [MSG_HELLO, 17], f"tcp HELLO + request: replies {types}")
    finally:
        s.close()
    return ("unknown type, deep nesting, 1 MiB garbage, no HELLO, HELLO of major 2: "
            "ERROR replies, counted")


def tcp_slow_clients(p: Probe, count: int = 200) -> str:
    """Clients holding half a header: served around, then timed out."""
    p.rebase()
    socks = []
    try:
        for _ in range(count):
            s = connect(p.addr)
            s.sendall(members_req()[:8])
            socks.append(s)
        p.sample_rss()
        view = hsreal.members(p.addr)
        check(view is not None and len(view["members"]) == 3, "n1 stops serving under slow clients")
        for s in socks:
            check(closed_by_peer(s, 10), "a slow client was never closed")
    finally:
        for s in socks:
            s.close()
    got = p.wait_delta("tcp_conns_rejected", count, "slow clients timed out")
    return f"{count} slow clients held while n1 answered, then closed ({got} rejections)"


def tcp_over_cap(p: Probe, cap: int = 256, extra: int = 60) -> str:
    """More connections than the table holds: the excess is refused at once
    (the node accepts and closes them), the rest stay open."""
    p.rebase()
    socks = []
    try:
        for _ in range(cap + extra):
            socks.append(connect(p.addr))
        refused = set()
        deadline = time.monotonic() + 10
        while len(refused) < extra and time.monotonic() < deadline:
            readable, _, _ = select.select([s for s in socks if s not in refused], [], [], 0.2)
            refused.update(s for s in readable if closed_by_peer(s, 0.01))
        p.sample_rss()
        check(len(refused) == extra, f"{len(refused)} connections refused, want {extra}")
    finally:
        for s in socks:
            s.close()
    # The table frees as the held connections close; then stats can connect.
    wait_until(lambda: hsreal.members(p.addr) is not None, 10, "n1 to serve after the flood")
    counted = p.wait_delta("tcp_conns_rejected", extra, "connections over the cap")
    return f"{cap + extra} connections: {len(refused)} refused at once, {counted} counted"


def tcp_large_stream(p: Probe, megabytes: int = 16) -> str:
    """A client streams megabytes of requests and reads no reply."""
    p.rebase()
    one = frame(UNKNOWN_TYPE, b"\xa0")
    chunk = one * (65536 // len(one))
    s = connect(p.addr, timeout=10)
    sent = 0
    try:
        while sent < megabytes << 20:
            try:
                s.sendall(chunk)
            except (socket.timeout, ConnectionResetError, BrokenPipeError):
                break  # back-pressure or the slow-reader close: both are fine
            sent += len(chunk)
            if sent % (4 << 20) < len(chunk):
                p.sample_rss()
    finally:
        s.close()
    frames = p.wait_delta("unknown_type", 1000, "large stream of unknown frames")
    return f"{sent >> 20} MiB streamed, {frames} frames counted, RSS max {p.sample_rss()} KiB"


MSG_STATS_REQ = 18


def _set_small_rcvbuf(s: socket.socket) -> None:
    # Set before connect, so the window stays small: replies pile up in the
    # node, not in this process's kernel buffers.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)


def memory_budgets_full() -> str:
    """A node with the DEFAULT TCP settings: 34 clients each hold a 1 MiB
    frame one byte short (the input budget fills; the excess is refused),
    and 20 clients pipeline STATS_REQ without reading a reply (the output
    budget fills; the excess is closed).  VmRSS must stay under
    RSS_LIMIT_KIB and the node must keep answering members requests."""
    tmp = Path(tempfile.mkdtemp(prefix="hs-mem-"))
    port = _free_port()
    addr = f"127.0.0.1:{port}"
    node = subprocess.Popen([str(hsreal.bin_dir() / "hsnode"), "--name", "m1", "--listen", addr,
                             "--data-dir", str(tmp / "m1"), "--log-level", "error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    socks: list[socket.socket] = []
    try:
        wait_until(lambda: hsreal.members(addr) is not None, 10, "m1 to start")
        rss_max = hsreal.vm_rss_kib(node.pid)
        base = hsreal.stats(addr)["tcp_conns_rejected"]
        partial = frame(UNKNOWN_TYPE, b"", length=FRAME_TCP_PAYLOAD_MAX)[:16] + \
            os.urandom(FRAME_TCP_PAYLOAD_MAX - 1)
        for _ in range(34):
            s = socket.socket()
            _set_small_rcvbuf(s)
            s.settimeout(5)
            s.connect(addr_tuple(addr))
            socks.append(s)
            try:
                s.sendall(partial)
            except OSError:
                pass  # refused: the input budget is full
        blob = frame(MSG_STATS_REQ, bytes([0xA1, 0x01, 0x07])) * 4000
        flood = []
        for _ in range(20):
            s = socket.socket()
            _set_small_rcvbuf(s)
            s.connect(addr_tuple(addr))
            s.sendall(hello())  # bound first: the flood's requests are served
            s.setblocking(False)
            socks.append(s)
            flood.append(s)
        # Push until the output budget has cost a flood connection its
        # place and the others have taken nothing for half a second (the
        # node stopped reading them), 10 s at most.
        live = set(flood)
        last_progress = time.monotonic()
        deadline = last_progress + 10

        def saturated() -> bool:
            return len(live) < len(flood) and time.monotonic() - last_progress >= 0.5

        answered = 0
        next_ask = 0.0
        while live and not saturated() and time.monotonic() < deadline:
            _, writable, _ = select.select([], list(live), [], 0.05)
            for s in writable:
                try:
                    if s.send(blob) > 0:
                        last_progress = time.monotonic()
                except BlockingIOError:
                    pass
                except OSError:
                    live.discard(s)
            rss_max = max(rss_max, hsreal.vm_rss_kib(node.pid))
            if time.monotonic() >= next_ask:
                next_ask = time.monotonic() + 0.5
                check(hsreal.members(addr, timeout=3) is not None,
                      f"no members reply under load (RSS {rss_max} KiB)")
                answered += 1
        # Saturated: both budgets are full now.  Still serving?
        for _ in range(3):
            rss_max = max(rss_max, hsreal.vm_rss_kib(node.pid))
            check(hsreal.members(addr, timeout=3) is not None,
                  f"no members reply with both budgets full (RSS {rss_max} KiB)")
            answered += 1
        rejected = hsreal.stats(addr)["tcp_conns_rejected"] - base
        check(rss_max < RSS_LIMIT_KIB, f"VmRSS {rss_max} KiB >= {RSS_LIMIT_KIB} KiB")
        # 24 MiB holds 23 such frames beside the reserve; 16 MiB of replies
        # at most 4 flood connections at their 4 MiB cap.
        check(rejected >= 11 + 1, f"only {rejected} connections refused: budgets not filled")
        check(len(live) < len(flood), "no flood connection was closed: output budget not full")
        check(node.poll() is None, "m1 exited under load")
        return (f"RSS max {rss_max} KiB < {RSS_LIMIT_KIB} KiB; {rejected} connections refused; "
                f"{len(live)} of {len(flood)} floods held; {answered} members replies")
    finally:
        for s in socks:
            s.close()
        if node.poll() is None:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def log_pipe_unread() -> str:
    """hsnode's stdout is a pipe nobody reads while 20,000 datagrams each
    make a log line: the node still answers at once, and the lines it
    could not queue are counted in one log_dropped line."""
    tmp = Path(tempfile.mkdtemp(prefix="hs-logpipe-"))
    port = _free_port()
    addr = f"127.0.0.1:{port}"
    node = subprocess.Popen([str(hsreal.bin_dir() / "hsnode"), "--name", "l1", "--listen", addr,
                             "--data-dir", str(tmp / "l1"), "--log-level", "debug",
                             "--log-rate", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        wait_until(lambda: hsreal.members(addr) is not None, 10, "l1 to start")
        for _ in range(20000):
            u.sendto(b"garbage" * 10, addr_tuple(addr))
        t0 = time.monotonic()
        check(hsreal.members(addr, timeout=3) is not None, "no members reply: the log blocked")
        took = time.monotonic() - t0
        node.send_signal(signal.SIGTERM)
        out, _ = node.communicate(timeout=15)
        check(node.returncode == 0, f"exit {node.returncode} after SIGTERM")
        lines = out.decode(errors="replace").splitlines()
        dropped = [line for line in lines if " log_dropped count=" in line]
        check(len(dropped) >= 1, "no log_dropped line")
        stop = [line for line in lines if " host_stop " in line]
        check(len(stop) == 1 and "log_dropped=0" not in stop[0], f"stop line: {stop}")
        return f"members answered in {took * 1000:.0f} ms; {dropped[0].split(' warn ')[1]}"
    finally:
        u.close()
        if node.poll() is None:
            node.kill()
            node.communicate()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def hostile() -> tuple[int, int, list[str]]:
    from suites import _run  # the suite runner's check loop

    state: dict = {}

    def up():
        state["cl"] = hsreal.Cluster(3, HOSTILE).__enter__()
        state["probe"] = Probe(state["cl"], "n1")
        return f"RSS at start {state['probe'].rss_max} KiB"

    def still_fine():
        cl, p = state["cl"], state["probe"]
        view = hsreal.view_states(hsreal.members(p.addr))
        check(view and all(st == "alive" for st, _ in view.values()) and len(view) == 3,
              f"n1's view after the attack: {view}")
        other = hsreal.view_states(hsreal.members(cl.addrs["n2"]))
        check(other.get("n1", ("",))[0] == "alive", f"n2 sees n1 as {other.get('n1')}")
        return f"membership intact; RSS max {p.sample_rss()} KiB (limit {RSS_LIMIT_KIB} KiB)"

    checks = [("3-node cluster up", up)]
    for name, fn in [("udp garbage, truncated, oversized, 2^32, deep, unknown, wrong channel",
                      udp_attack),
                     ("tcp poisoned streams closed", tcp_bad_streams),
                     ("tcp explicit error replies", tcp_explicit_errors),
                     ("tcp slow clients", tcp_slow_clients),
                     ("tcp connections over the cap", tcp_over_cap),
                     ("tcp large stream", tcp_large_stream)]:
        checks.append((name, lambda fn=fn: fn(state["probe"]) if "probe" in state else
                       check(False, "no cluster")))
    checks.append(("serving, membership and memory after the attack", still_fine))
    checks.append(("default budgets full: RSS under 64 MiB, members still answered",
                   memory_budgets_full))
    checks.append(("stdout a pipe nobody reads: node not stalled, drops counted",
                   log_pipe_unread))
    try:
        return _run(checks)
    finally:
        if "cl" in state:
            state["cl"].close()


# --------------------------------------------------------------------------
# hsnode start-up refusals

def _hsnode(*args: str, timeout: float = 10) -> subprocess.CompletedProcess:
    return subprocess.run([str(hsreal.bin_dir() / "hsnode"), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                          timeout=timeout)


def _refused(rc: int, needle: str, *args: str) -> str:
    r = _hsnode(*args)
    line = r.stderr.strip()
    check(r.returncode == rc, f"hsnode {' '.join(args)}: exit {r.returncode}, want {rc} ({line})")
    check(line.startswith("hsnode: ") and needle in line, f"unclear message: {line!r}")
    return line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hsnode_errors() -> tuple[int, int, list[str]]:
    from suites import _run

    tmp = Path(tempfile.mkdtemp(prefix="hs-errors-"))
    port = _free_port()
    base = ["--name", "e1", "--listen", f"127.0.0.1:{port}"]
    procs: list[subprocess.Popen] = []

    def port_in_use(kind):
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            s.listen(1)
        busy = s.getsockname()[1]
        try:
            return _refused(1, "port in use", "--name", "e2", "--listen", f"127.0.0.1:{busy}",
                            "--data-dir", str(tmp / "busy"))
        finally:
            s.close()

    def locked():
        node = subprocess.Popen([str(hsreal.bin_dir() / "hsnode"), *base, "--data-dir",
                                 str(tmp / "shared")], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(node)
        wait_until(lambda: hsreal.members(f"127.0.0.1:{port}") is not None, 10, "e1 to start")
        line = _refused(1, "in use by another hsnode", "--name", "e3", "--listen",
                        f"127.0.0.1:{_free_port()}", "--data-dir", str(tmp / "shared"))
        node.send_signal(signal.SIGTERM)
        check(node.wait(10) == 0, "hsnode did not exit 0 after SIGTERM")
        return line

    def corrupt_meta():
        (tmp / "corrupt").mkdir()
        (tmp / "corrupt" / "meta").write_bytes(random.Random(3).randbytes(300))
        return _refused(1, f"data directory {tmp / 'corrupt'}: no valid metadata slot "
                        "(corrupt or not an hsnode file); refusing to start",
                        *base, "--data-dir", str(tmp / "corrupt"))

    def foreign_meta():
        d = str(tmp / "foreign")
        addr = f"127.0.0.1:{_free_port()}"
        node = subprocess.Popen([str(hsreal.bin_dir() / "hsnode"), "--name", "n1", "--listen",
                                 addr, "--data-dir", d], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(node)
        wait_until(lambda: hsreal.members(addr) is not None, 10, "n1 to start")
        node.send_signal(signal.SIGTERM)
        check(node.wait(10) == 0, "n1 did not exit 0 after SIGTERM")
        r = _hsnode("--name", "n2", "--listen", f"127.0.0.1:{_free_port()}", "--data-dir", d)
        line = r.stderr.strip()
        check(r.returncode == 1, f"n2 on n1's directory: exit {r.returncode}, want 1 ({line})")
        check(line == f"hsnode: data directory {d}: its metadata belongs to node n1; refusing "
              "to start (give this node its own --data-dir)", f"unclear message: {line!r}")
        check("node_halted" in r.stdout and "owner=n1" in r.stdout,
              "the node_halted record is not in the log")
        return line

    (tmp / "afile").write_text("not a directory\n")
    checks = [
        ("unknown flag", lambda: _refused(2, "--bogus", *base, "--data-dir", str(tmp), "--bogus", "1")),
        ("bad address", lambda: _refused(2, "listen", "--name", "e", "--listen", "1.2.3:4",
                                         "--data-dir", str(tmp))),
        ("missing value", lambda: _refused(2, "needs a value", "--name")),
        ("missing required", lambda: _refused(2, "--data-dir", *base)),
        ("out of range", lambda: _refused(2, "probe_interval_ms", *base, "--data-dir", str(tmp),
                                          "--probe-interval-ms", "1")),
        ("unreadable config", lambda: _refused(2, "/nonexistent/hs.conf", "--config",
                                               "/nonexistent/hs.conf")),
        ("broken SWIM rule named", lambda: _refused(
            2, "dead_retention_ms must exceed gossip_max_age_ms", *base, "--data-dir", str(tmp),
            "--gossip-max-age-ms", "200000")),
        ("out-of-range key named", lambda: _refused(2, "suspicion_mult", *base, "--data-dir",
                                                    str(tmp), "--suspicion-mult", "0")),
        ("listen 0.0.0.0 refused", lambda: _refused(2, "0.0.0.0:7001 is the wildcard address",
                                                    "--name", "e", "--listen", "0.0.0.0:7001",
                                                    "--data-dir", str(tmp))),
        ("listen broadcast refused", lambda: _refused(
            2, "is the broadcast address", "--name", "e", "--listen", "255.255.255.255:7001",
            "--data-dir", str(tmp))),
        ("listen multicast refused", lambda: _refused(
            2, "is a multicast address", "--name", "e", "--listen", "224.0.0.251:7001",
            "--data-dir", str(tmp))),
        ("join trailing comma refused", lambda: _refused(
            2, "empty address", *base, "--data-dir", str(tmp), "--join", "127.0.0.1:9,")),
        ("join duplicate seed refused", lambda: _refused(
            2, "127.0.0.1:9 listed twice", *base, "--data-dir", str(tmp), "--join",
            "127.0.0.1:9,127.0.0.1:8,127.0.0.1:9")),
        ("tcp port in use", lambda: port_in_use(socket.SOCK_STREAM)),
        ("udp port in use", lambda: port_in_use(socket.SOCK_DGRAM)),
        ("unwritable data dir", lambda: _refused(1, "data directory", *base, "--data-dir",
                                                 str(tmp / "afile" / "sub"))),
        ("data dir locked by a running node; SIGTERM exits 0", locked),
        ("corrupt meta file: exit 1, no valid slot", corrupt_meta),
        ("another node's meta file: exit 1, names the owner", foreign_meta),
    ]
    try:
        return _run(checks)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)
