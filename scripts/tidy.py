#!/usr/bin/env python3
"""Tidy check for hyperscale-c: line length, function length, banned calls.

    python3 scripts/tidy.py              check the tree, print file:line: rule
    python3 scripts/tidy.py FILE...      check only these files (paths from the root)
    python3 scripts/tidy.py --self-test  run the checker's own tests

Rules (docs/design/tidy.md):
  line-length     every .c/.h file under CHECKED_DIRS: at most LINE_COLUMNS_MAX
                  columns per line (a tab advances to the next multiple of 8).
  function-length .c/.h files under core/: at most FUNCTION_LINES_MAX lines per
                  function definition, counted from the first line of its
                  signature (the return type) to its closing brace, inclusive.
  banned-call     .c/.h files under core/: no call of a name in BANNED (clock,
                  randomness, sockets, files, threads, sleeping, environment,
                  stream output, process exit), except the (file, function,
                  name) triples in ALLOWED, each with its reason.

Tests counted by scripts/run_tests.py: one test per (file, rule) pair checked
(suite tidy:check) and one per self-test case (suite tidy:self-test).  The
last output line is `N passed, N failed`.

The C reader here is shared with scripts/assert_count.py: it blanks comments,
string and character literals and preprocessor directives (keeping every
newline, so line numbers hold), then finds function definitions at file
scope by brace matching on what is left.
"""
from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECKED_DIRS = ("core", "io_sim", "sim", "io_real", "fuzz", "tests", "bench")
CORE_DIR = "core"
LINE_COLUMNS_MAX = 100
FUNCTION_LINES_MAX = 70
TAB_WIDTH = 8

# Names that core/ must not call, by reason.  A name ending in "*" is a prefix.
BANNED_GROUPS = {
    "clock": ["clock_gettime", "clock_getres", "gettimeofday", "time", "clock", "timespec_get",
              "localtime", "gmtime", "mktime"],
    "randomness": ["rand", "rand_r", "random", "srand", "srandom", "drand48", "lrand48",
                   "getrandom", "getentropy", "arc4random*"],
    "sockets": ["socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
                "send", "recv", "sendto", "recvfrom", "sendmsg", "recvmsg", "setsockopt",
                "getsockopt", "shutdown", "epoll_*", "poll", "ppoll", "select", "pselect",
                "getaddrinfo"],
    "files": ["open", "openat", "creat", "fopen", "fdopen", "freopen", "fclose", "fread",
              "read", "write", "pread", "pwrite", "readv", "writev", "close", "fsync",
              "fdatasync", "sync_file_range", "ftruncate", "truncate", "lseek", "unlink",
              "unlinkat", "rename", "renameat", "mkdir", "rmdir", "opendir", "readdir",
              "closedir", "stat", "fstat", "lstat", "mmap", "ioctl", "fcntl"],
    "threads": ["pthread_*", "thrd_*", "mtx_*", "cnd_*", "fork", "vfork", "signal",
                "sigaction", "raise", "kill"],
    "sleeping": ["sleep", "usleep", "nanosleep", "clock_nanosleep"],
    "environment": ["getenv", "secure_getenv", "setenv", "putenv", "system", "popen"],
    # Stream output and unbounded formatting.  snprintf/vsnprintf stay allowed:
    # they only write into a caller's buffer (event rendering, addresses).
    "printf": ["printf", "fprintf", "dprintf", "vprintf", "vfprintf", "vdprintf", "sprintf",
               "vsprintf", "puts", "fputs", "putchar", "fputc", "putc", "fwrite", "fflush",
               "perror"],
    "exit": ["exit", "_exit", "_Exit", "abort", "quick_exit"],
    # Core allocates through the host's replaceable heap (core/base/alloc.h),
    # so the simulator can fail allocations; only alloc.c's libc heap calls libc.
    "allocation": ["malloc", "calloc", "realloc", "reallocarray", "aligned_alloc",
                   "posix_memalign", "memalign", "valloc", "free", "strdup", "strndup"],
}

# (file, enclosing function, name) -> why core may make this call there.
ALLOWED = {
    ("core/base/base.c", "hs_assert_fail", "fprintf"):
        "the assertion-failure path: the message is all that makes the abort diagnosable",
    ("core/base/base.c", "hs_assert_fail", "fflush"):
        "the assertion-failure path: the message must reach stderr before abort",
    ("core/base/base.c", "hs_assert_fail", "abort"):
        "the assertion-failure path: a broken invariant stops the process",
    ("core/base/alloc.c", "libc_malloc", "malloc"): "the default heap is libc's",
    ("core/base/alloc.c", "libc_calloc", "calloc"): "the default heap is libc's",
    ("core/base/alloc.c", "libc_aligned", "aligned_alloc"): "the default heap is libc's",
    ("core/base/alloc.c", "libc_free", "free"): "the default heap is libc's",
}


# Violations present when the check arrived, in files other helpers of issue 6
# own: (file, rule) -> (most violations tolerated, why).  Waived violations
# are printed as a note and count neither as passed nor as failed; one more
# than the number tolerated fails the whole (file, rule) test.  Fix the lines
# and delete the entry: this list must only shrink.
WAIVED = {
}


# --------------------------------------------------------------------------
# the C reader


def blank_c(text: str) -> str:
    """Returns text with comments, string/char literal contents and
    preprocessor directives replaced by spaces; newlines are kept, so every
    offset and line number still matches the input.  Quotes stay, so a
    literal still separates tokens."""
    out = list(text)
    n = len(text)
    i = 0
    line_start = True  # only whitespace since the last newline (outside comments)
    in_directive = False

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            if in_directive and not _continued(text, i):
                in_directive = False
            line_start = True
            i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            # A // comment ending in a backslash continues onto the next line.
            while end < n and _continued(text, end):
                nxt = text.find("\n", end + 1)
                end = n if nxt < 0 else nxt
            blank(i, end)
            i = end
            continue
        if in_directive:
            if c in "\"'":
                end = _literal_end(text, i)
                blank(i, end)
                i = end
                continue
            if c != "\\":
                out[i] = " "
            elif i + 1 < n and text[i + 1] == "\n":
                out[i] = " "
            i += 1
            continue
        if c == "#" and line_start:
            in_directive = True
            out[i] = " "
            i += 1
            continue
        if c in "\"'":
            end = _literal_end(text, i)
            closed = end - 1 > i and text[end - 1] == c
            blank(i + 1, end - 1 if closed else end)
            i = end
            line_start = False
            continue
        if not c.isspace():
            line_start = False
        i += 1
    return "".join(out)


def _continued(text: str, newline_at: int) -> bool:
    """True when the newline at newline_at is escaped by a backslash."""
    k = newline_at - 1
    if k >= 0 and text[k] == "\r":
        k -= 1
    return k >= 0 and text[k] == "\\"


def _literal_end(text: str, start: int) -> int:
    """Offset just past the string or char literal opening at start (an
    unterminated literal ends at the end of its line)."""
    quote = text[start]
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == quote:
            return i + 1
        if c == "\n":
            return i
        i += 1
    return n


@dataclass
class Function:
    name: str
    start_line: int   # first line of the signature (1-based)
    brace_line: int   # line of the opening brace
    end_line: int     # line of the closing brace
    body_start: int   # offset just past the opening brace
    body_end: int     # offset of the closing brace

    @property
    def lines(self) -> int:
        return self.end_line - self.start_line + 1


_IDENT = re.compile(r"[A-Za-z_]\w*")
_ATTRIBUTE_TAIL = re.compile(r"(__attribute__|__asm__|asm)\s*$")
_NOT_FUNCTION_NAMES = {"if", "for", "while", "switch", "return", "sizeof", "__attribute__",
                       "_Alignas", "_Static_assert", "__asm__", "asm"}


class CFile:
    """A C source read once: raw lines, blanked code, function definitions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.code = blank_c(text)
        self._line_starts = [0]
        for m in re.finditer("\n", text):
            self._line_starts.append(m.end())
        self.functions, self.unbalanced = self._find_functions()

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def function_at(self, offset: int) -> Function | None:
        for f in self.functions:
            if f.body_start <= offset < f.body_end:
                return f
        return None

    def file_scope_spans(self) -> list[tuple[int, int]]:
        """Offsets of code outside every function body."""
        spans, at = [], 0
        for f in self.functions:
            spans.append((at, f.body_start))
            at = f.body_end
        spans.append((at, len(self.code)))
        return spans

    def _find_functions(self) -> tuple[list[Function], bool]:
        code = self.code
        functions: list[Function] = []
        depth = 0
        header_start = 0      # where the current file-scope declaration began
        open_at = -1          # offset of the '{' of the function being read
        open_header = 0
        for i, c in enumerate(code):
            if c == "{":
                if depth == 0:
                    name = _function_name(code[header_start:i])
                    open_at = i if name is not None else -1
                    open_name = name
                    open_header = header_start
                depth += 1
            elif c == "}":
                depth -= 1
                if depth < 0:
                    return functions, True
                if depth == 0:
                    if open_at >= 0:
                        start = _first_code(code, open_header, open_at)
                        functions.append(Function(
                            name=open_name, start_line=self.line_of(start),
                            brace_line=self.line_of(open_at), end_line=self.line_of(i),
                            body_start=open_at + 1, body_end=i))
                    open_at = -1
                    header_start = i + 1
            elif c == ";" and depth == 0:
                header_start = i + 1
        return functions, depth != 0


def _first_code(code: str, a: int, b: int) -> int:
    for k in range(a, b):
        if not code[k].isspace():
            return k
    return b


def _function_name(header: str) -> str | None:
    """The name being defined when header (the file-scope text before a '{')
    is a function signature, else None (struct, enum, initializer...)."""
    h = header.rstrip()
    # Trailing attributes: `void f(void) __attribute__((cold)) {`.
    while h.endswith(")"):
        open_at = _matching_open(h, len(h) - 1)
        if open_at is None:
            return None
        before = h[:open_at].rstrip()
        if _ATTRIBUTE_TAIL.search(before):
            h = _ATTRIBUTE_TAIL.sub("", before).rstrip()
            continue
        m = re.search(r"([A-Za-z_]\w*)$", before)
        if m is None or m.group(1) in _NOT_FUNCTION_NAMES:
            return None
        if "=" in _outside_parens(before):
            return None  # an initializer such as `x = f(y) {` cannot be a definition
        return m.group(1)
    return None


def _matching_open(s: str, close_at: int) -> int | None:
    depth = 0
    for k in range(close_at, -1, -1):
        if s[k] == ")":
            depth += 1
        elif s[k] == "(":
            depth -= 1
            if depth == 0:
                return k
    return None


def _outside_parens(s: str) -> str:
    depth, kept = 0, []
    for c in s:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0:
            kept.append(c)
    return "".join(kept)


# --------------------------------------------------------------------------
# the rules


@dataclass
class Violation:
    path: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.detail}"


def _banned_table() -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact, prefixes = {}, []
    for group, names in BANNED_GROUPS.items():
        for name in names:
            if name.endswith("*"):
                prefixes.append((name[:-1], group))
            else:
                exact[name] = group
    return exact, prefixes


_BANNED_EXACT, _BANNED_PREFIXES = _banned_table()
_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(")


def banned_group(name: str) -> str | None:
    if name in _BANNED_EXACT:
        return _BANNED_EXACT[name]
    for prefix, group in _BANNED_PREFIXES:
        if name.startswith(prefix):
            return group
    return None


def columns(line: str) -> int:
    col = 0
    for c in line:
        col = (col // TAB_WIDTH + 1) * TAB_WIDTH if c == "\t" else col + 1
    return col


def check_line_length(path: str, cf: CFile) -> list[Violation]:
    out = []
    for no, line in enumerate(cf.text.split("\n"), start=1):
        width = columns(line.rstrip("\r"))
        if width > LINE_COLUMNS_MAX:
            out.append(Violation(path, no, "line-length",
                                 f"{width} columns (max {LINE_COLUMNS_MAX})"))
    return out


def check_function_length(path: str, cf: CFile) -> list[Violation]:
    out = []
    if cf.unbalanced:
        out.append(Violation(path, 1, "function-length",
                             "unbalanced braces: cannot find the functions"))
    for f in cf.functions:
        if f.lines > FUNCTION_LINES_MAX:
            out.append(Violation(path, f.start_line, "function-length",
                                 f"{f.name} is {f.lines} lines (max {FUNCTION_LINES_MAX})"))
    return out


def check_banned_calls(path: str, cf: CFile) -> list[Violation]:
    out = []
    for m in _CALL.finditer(cf.code):
        name = m.group(1)
        group = banned_group(name)
        if group is None:
            continue
        # `->read(` is a call through a struct member, not of libc's read.
        before = cf.code[:m.start()].rstrip()
        if before.endswith("->"):
            continue
        f = cf.function_at(m.start())
        if f is not None and f.name == name:
            continue  # cannot happen in real code; keeps a definition from flagging itself
        if (path, f.name if f else None, name) in ALLOWED:
            continue
        where = f" in {f.name}" if f else ""
        out.append(Violation(path, cf.line_of(m.start()), f"banned-call ({group})",
                             f"{name}(){where}"))
    return out


RULES_ALL = (("line-length", check_line_length),)
RULES_CORE = (("line-length", check_line_length), ("function-length", check_function_length),
              ("banned-call", check_banned_calls))


def rules_for(path: str):
    return RULES_CORE if path.split("/", 1)[0] == CORE_DIR else RULES_ALL


def checked_files(root: Path) -> list[str]:
    out = []
    for d in CHECKED_DIRS:
        base = root / d
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if p.is_file() and p.suffix in (".c", ".h") and not p.name.startswith("."):
                out.append(p.relative_to(root).as_posix())
    return out


def check_tree(root: Path, paths: list[str] | None = None, waived: dict | None = None):
    """(tests passed, tests failed, violations, waived notes): one test per
    (file, rule); a (file, rule) whose violations are all waived counts as
    neither."""
    waived = WAIVED if waived is None else waived
    passed, failed, violations, notes = 0, 0, [], []
    for rel in paths if paths is not None else checked_files(root):
        text = (root / rel).read_text(encoding="utf-8", errors="replace")
        cf = CFile(text)
        for rule_name, rule in rules_for(rel):
            found = rule(rel, cf)
            tolerated, why = waived.get((rel, rule_name), (0, ""))
            if not found:
                passed += 1
            elif len(found) <= tolerated:
                notes.append(f"waived {len(found)}/{tolerated} {rule_name} in {rel} ({why})")
                notes.extend(f"  waived {v}" for v in found)
            else:
                failed += 1
                violations.extend(found)
    return passed, failed, violations, notes


# --------------------------------------------------------------------------
# self-test: the checker's own tests, one test per case


def _func(name: str, body_lines: int, sig: str | None = None) -> str:
    """A function of exactly body_lines + 3 lines (signature, '{', body, '}')."""
    sig = sig or f"int {name}(int x)"
    body = "".join(f"    x += {k};\n" for k in range(body_lines))
    return f"{sig}\n{{\n{body}}}\n"


def _lengths(text: str) -> dict[str, int]:
    return {f.name: f.lines for f in CFile(text).functions}


def _banned(text: str, path: str = "core/x/x.c") -> list[str]:
    return [f"{v.line}:{v.detail.split('(')[0]}" for v in check_banned_calls(path, CFile(text))]


def self_tests():
    """[(name, callable raising AssertionError on failure)]."""
    cases = []

    def case(fn):
        cases.append((fn.__name__, fn))
        return fn

    @case
    def function_of_70_lines_passes():
        text = _func("f", 67)
        assert _lengths(text) == {"f": 70}, _lengths(text)
        assert check_function_length("core/a.c", CFile(text)) == []

    @case
    def function_of_71_lines_fails():
        text = "/* top */\n\n" + _func("g", 68)
        v = check_function_length("core/a.c", CFile(text))
        assert [(x.line, x.rule) for x in v] == [(3, "function-length")], v
        assert "g is 71 lines" in v[0].detail, v[0].detail

    @case
    def length_counts_from_multiline_signature():
        text = "static hs_status\nlong_name(int a,\n          int b)\n{\n    return a;\n}\n"
        fs = CFile(text).functions
        assert [(f.name, f.start_line, f.brace_line, f.end_line) for f in fs] == \
            [("long_name", 1, 4, 6)], fs

    @case
    def braces_in_strings_and_chars_do_not_confuse():
        text = ('const char *s(void)\n{\n    return "}{ \\" }";\n}\n'
                "char c(void)\n{\n    if (1) { return '}'; }\n    return '\\'';\n}\n"
                "int d(void)\n{\n    return 1;\n}\n")
        assert _lengths(text) == {"s": 4, "c": 5, "d": 4}, _lengths(text)

    @case
    def braces_in_comments_and_directives_do_not_confuse():
        text = ("/* { */\n#define OPEN {\n#define MULTI(x) \\\n    { x; }\n"
                "int f(void) // }\n{\n    /* } } */\n    return 0;\n}\n")
        cf = CFile(text)
        assert not cf.unbalanced
        assert _lengths(text) == {"f": 5}, _lengths(text)

    @case
    def initializers_and_types_are_not_functions():
        text = ("typedef struct {\n    int a;\n} t;\n"
                "static const int tab[] = {\n    1, 2,\n};\n"
                "enum e { A, B };\nstruct s { int x; };\n"
                "static const t z = {.a = (1)};\n"
                "struct s *make(void)\n{\n    return 0;\n}\n"
                "__attribute__((constructor)) static void ctor(void)\n{\n}\n"
                "void cold(void) __attribute__((cold));\n"
                "void cold(void) __attribute__((cold))\n{\n}\n")
        assert _lengths(text) == {"make": 4, "ctor": 3, "cold": 3}, _lengths(text)

    @case
    def banned_call_in_comment_or_string_does_not_count():
        text = ('/* time(NULL) */\nint f(void)\n{\n    // rand();\n'
                '    log_text("socket(x) and getenv(y)");\n    return 0;\n}\n')
        assert _banned(text) == [], _banned(text)

    @case
    def banned_calls_are_found_with_their_line():
        text = ("int f(void)\n{\n    int t = time (0);\n    x = pthread_create(a);\n"
                "    epoll_wait(e);\n    return rand();\n}\n")
        assert _banned(text) == ["3:time", "4:pthread_create", "5:epoll_wait", "6:rand"], \
            _banned(text)

    @case
    def similar_names_and_members_are_not_banned():
        text = ("int f(io *io)\n{\n    int time = 0;\n    io->read(io);\n    io.send(1);\n"
                "    my_read(1);\n    reader(2);\n    snprintf(b, 4, \"x\");\n"
                "    return time + sizeof(time);\n}\n")
        assert _banned(text) == [], _banned(text)

    @case
    def printf_allowed_only_in_the_assertion_path():
        text = ("void hs_assert_fail(const char *e)\n{\n    fprintf(stderr, \"%s\", e);\n"
                "    abort();\n}\nvoid other(void)\n{\n    fprintf(stderr, \"x\");\n}\n")
        assert _banned(text, "core/base/base.c") == ["8:fprintf"], \
            _banned(text, "core/base/base.c")
        assert _banned(text, "core/base/ring.c") == ["3:fprintf", "4:abort", "8:fprintf"]

    @case
    def allocation_goes_through_the_heap():
        text = ("void *libc_malloc(void *c, size_t n)\n{\n    return malloc(n);\n}\n"
                "void g(void)\n{\n    p = calloc(1, 2);\n    free(p);\n"
                "    q = hs_calloc(1, 2);\n    hs_free(q);\n    r->free(r);\n}\n")
        assert _banned(text, "core/base/alloc.c") == ["7:calloc", "8:free"], \
            _banned(text, "core/base/alloc.c")
        assert _banned(text) == ["3:malloc", "7:calloc", "8:free"], _banned(text)

    @case
    def line_of_100_columns_passes_101_fails():
        text = "x" * 100 + "\n" + "y" * 101 + "\n\t" + "z" * 92 + "\n\t" + "w" * 93 + "\n"
        v = check_line_length("io_sim/a.c", CFile(text))
        assert [(x.line, x.detail) for x in v] == \
            [(2, "101 columns (max 100)"), (4, "101 columns (max 100)")], v

    @case
    def only_core_gets_the_core_rules():
        assert [r for r, _ in rules_for("core/base/ring.c")] == \
            ["line-length", "function-length", "banned-call"]
        assert [r for r, _ in rules_for("io_real/loop.c")] == ["line-length"]

    @case
    def unbalanced_braces_are_reported():
        v = check_function_length("core/a.c", CFile("int f(void)\n{\n    {\n}\n"))
        assert [x.detail for x in v] == ["unbalanced braces: cannot find the functions"], v

    @case
    def tree_check_counts_one_test_per_file_and_rule():
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "core/base").mkdir(parents=True)
            (root / "sim").mkdir()
            (root / "core/base/ok.c").write_text(_func("ok", 3))
            (root / "core/base/bad.c").write_text(_func("bad", 80) + "int g(void)\n{\n"
                                                  "    return getenv(\"X\") != 0;\n}\n")
            (root / "sim/long.c").write_text("/*" + "x" * 120 + "*/\n")
            (root / "sim/notes.txt").write_text("x" * 200)
            passed, failed, v, notes = check_tree(root, waived={})
            assert (passed, failed) == (4, 3), (passed, failed, v)
            assert sorted(str(x).split(":")[0] + ":" + x.rule for x in v) == [
                "core/base/bad.c:banned-call (environment)",
                "core/base/bad.c:function-length", "sim/long.c:line-length"], v
            assert notes == []

    @case
    def waivers_tolerate_only_their_count():
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "sim").mkdir()
            (root / "sim/long.c").write_text(("/*" + "x" * 120 + "*/\n") * 2)
            passed, failed, v, notes = check_tree(
                root, waived={("sim/long.c", "line-length"): (2, "test")})
            assert (passed, failed, v) == (0, 0, []) and len(notes) == 3, (passed, failed, notes)
            passed, failed, v, notes = check_tree(
                root, waived={("sim/long.c", "line-length"): (1, "test")})
            assert (passed, failed, len(v), notes) == (0, 1, 2, []), (passed, failed, v, notes)

    return cases


def run_cases(cases) -> tuple[int, int, list[str]]:
    """Runs (name, fn) self-test cases: an AssertionError fails one case.
    Shared with scripts/assert_count.py."""
    passed, failed, lines = 0, 0, []
    for name, fn in cases:
        try:
            fn()
            passed += 1
            lines.append(f"ok   {name}")
        except AssertionError as exc:
            failed += 1
            lines.append(f"FAIL {name}: {exc}")
    return passed, failed, lines


def run_self_tests() -> tuple[int, int, list[str]]:
    return run_cases(self_tests())


# --------------------------------------------------------------------------
# entry points for scripts/run_tests.py


def suite_check(root: Path = ROOT) -> tuple[int, int, list[str]]:
    passed, failed, violations, notes = check_tree(root)
    lines = [str(v) for v in violations]
    if notes:
        # run_tests.py shows a passing suite's first detail line when it is a note.
        count = sum(1 for n in notes if not n.startswith("  "))
        lines = [f"note: {count} (file, rule) pair(s) with waived violations "
                 f"(scripts/tidy.py WAIVED; -v lists them)"] + lines + notes
    return passed, failed, lines


def suite_self_test(root: Path = ROOT) -> tuple[int, int, list[str]]:
    return run_self_tests()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--self-test"]:
        passed, failed, lines = run_self_tests()
    elif argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    else:
        passed, failed, violations, notes = check_tree(ROOT, argv or None)
        lines = notes + [str(v) for v in violations]
    for line in lines:
        print(line)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
