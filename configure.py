#!/usr/bin/env python3
"""Detect the toolchain and write the top-level build.ninja.

    python3 configure.py                  # detect, then write build.ninja (gcc primary)
    python3 configure.py --cc clang       # clang primary, gcc for the alt build
    python3 configure.py --install-deps   # apt-get install whatever is missing first
    python3 configure.py --check          # exit 1 + diff if build.ninja is stale (writes nothing)
    python3 configure.py --compdb         # write compile_commands.json (needs ninja)

build.ninja is committed, so the default output must be byte-identical on
every Debian 12 machine: it holds no absolute paths, no timestamps and no
detected values, only relative paths from sorted globs and fixed flags.
Detection only decides whether we can build, never what is written.
Rerun this script after adding or removing a source file and commit the
regenerated build.ninja (docs/build.md).

Standard library only: this must run on a fresh Debian 12 with nothing but
python3 installed, before ninja exists.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
NINJA_FILE = "build.ninja"

# Debian package for every requirement, in install order.
APT_PACKAGES = [
    "gcc", "clang", "ninja-build", "pkg-config", "libcbor-dev",
    "libxxhash-dev", "libcmocka-dev", "libclang-rt-14-dev", "python3",
]

COMMON_CFLAGS = (
    "-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow "
    "-Wstrict-prototypes -Wmissing-prototypes -Wvla -ffp-contract=off "
    "-fno-strict-aliasing"
)

# Layers and what each may include (docs/design.md, "Layout").  Every
# directory gets -I paths for exactly the layers it may use, so a core file
# that includes an io_real or io_sim header fails to compile, and so does a
# lower core layer that reaches up (base cannot see wire, wire cannot see
# member).  Order matters only for reading.
CORE_LAYERS = {
    "core/base": [],
    "core/wire": ["core/base"],
    "core/step": ["core/base", "core/wire"],
    "core/member": ["core/base", "core/wire", "core/step"],
    "core/store": ["core/base", "core/wire", "core/step"],
    "core/role": ["core/base", "core/wire", "core/step", "core/member", "core/store"],
    "core/node": ["core/base", "core/wire", "core/step", "core/member", "core/store",
                  "core/role"],
}
ALL_CORE = list(CORE_LAYERS)
DIR_INCLUDES = dict(
    {layer: below + [layer] for layer, below in CORE_LAYERS.items()},
    **{
        "io_sim": ALL_CORE + ["io_sim"],
        "sim": ALL_CORE + ["io_sim", "sim"],
        "io_real": ALL_CORE + ["io_real"],
        "fuzz": ALL_CORE + ["io_real", "fuzz"],
        "tests/unit": ALL_CORE + ["io_sim", "sim", "io_real", "fuzz", "tests/unit"],
        "bench": ALL_CORE + ["io_sim", "sim", "io_real", "bench"],
    })


def include_flags(src: str) -> str:
    """The -I flags a source file gets: those of its directory's layer."""
    d = src.rsplit("/", 1)[0]
    if d not in DIR_INCLUDES:
        raise SystemExit(f"configure: {src}: directory {d} has no layer in DIR_INCLUDES")
    return " ".join("-I" + i for i in DIR_INCLUDES[d])
# The mains that print --version include the generated build/gen/hs_version.h
# (scripts/version_h.py, rerun on every build, rewritten only when the
# commit or the tree state changes): build.ninja names no commit.
VERSION_H = "build/gen/hs_version.h"
VERSIONED_MAINS = ("sim/main.c", "io_real/hsnode_main.c", "io_real/hsctl_main.c")
CORE_CFLAGS = "-Wconversion"
RELEASE_CFLAGS = "-O2 -g"
# Link-time optimisation for the primary compiler's release build when it is
# gcc: the step functions call many small cross-module helpers (outbox,
# maps, codec), and LTO removes about a tenth of the simulator's
# instructions (docs/benchmarks.md).  Archives of LTO objects need gcc-ar.
RELEASE_LTO_GCC = "-flto=auto"
DEBUG_CFLAGS = ("-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined "
                "-fno-sanitize-recover=undefined")
DEBUG_LDFLAGS = "-fsanitize=address,undefined"
FUZZ_CFLAGS = ("-O1 -g -fno-omit-frame-pointer "
               "-fsanitize=fuzzer-no-link,address,undefined "
               "-fno-sanitize-recover=undefined")
FUZZ_LDFLAGS = "-fsanitize=fuzzer,address,undefined"
LIBS = "-lcbor -lxxhash -lm"
TEST_LIBS = "-lcmocka"


# --------------------------------------------------------------------------
# Source discovery (sorted, relative, posix paths: the output must not
# depend on the machine or on directory order).

def _glob(pattern: str) -> list[str]:
    found = []
    for p in ROOT.glob(pattern):
        if p.name.startswith(".") or not p.is_file():
            continue
        found.append(p.relative_to(ROOT).as_posix())
    return sorted(found)


class Sources:
    def __init__(self) -> None:
        self.core = _glob("core/*/*.c")
        self.io_sim = _glob("io_sim/*.c")
        sim = _glob("sim/*.c")
        self.sim = [s for s in sim if s != "sim/main.c"]
        self.hsim_main = "sim/main.c" if "sim/main.c" in sim else None
        io_real = _glob("io_real/*.c")
        mains = {"io_real/hsnode_main.c": "hsnode", "io_real/hsctl_main.c": "hsctl"}
        self.io_real = [s for s in io_real if s not in mains]
        self.real_mains = [(mains[s], s) for s in io_real if s in mains]
        tests = _glob("tests/unit/*.c")
        self.unit_tests = [t for t in tests if _stem(t).startswith("test_")]
        self.unit_helpers = [t for t in tests if not _stem(t).startswith("test_")]
        fuzz = _glob("fuzz/*.c")
        self.fuzz_targets = [f for f in fuzz if _stem(f).startswith("fuzz_")]
        self.replay_main = "fuzz/replay_main.c" if "fuzz/replay_main.c" in fuzz else None
        self.corpus_gen = "fuzz/corpus_gen.c" if "fuzz/corpus_gen.c" in fuzz else None
        special = set(self.fuzz_targets) | {"fuzz/replay_main.c", "fuzz/corpus_gen.c"}
        self.fuzz_helpers = [f for f in fuzz if f not in special]
        bench = _glob("bench/*.c")
        self.benches = [b for b in bench if _stem(b).startswith("bench_")]
        self.bench_helpers = [b for b in bench if not _stem(b).startswith("bench_")]

    def summary(self) -> list[str]:
        return [
            f"core/ {len(self.core)}, io_sim/ {len(self.io_sim)}, sim/ {len(self.sim)}"
            f" (+main: {'yes' if self.hsim_main else 'no'}), io_real/ {len(self.io_real)}"
            f" (+mains: {', '.join(n for n, _ in self.real_mains) or 'none'})",
            f"unit tests {len(self.unit_tests)}, fuzz targets {len(self.fuzz_targets)}"
            f" (replay_main: {'yes' if self.replay_main else 'no'},"
            f" corpus_gen: {'yes' if self.corpus_gen else 'no'}), benches {len(self.benches)}",
        ]


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1][:-2]


# --------------------------------------------------------------------------
# build.ninja generation

def _esc(path: str) -> str:
    """Escape a path for a ninja build line."""
    return path.replace("$", "$$").replace(" ", "$ ").replace(":", "$:")


class Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def comment(self, text: str) -> None:
        for t in text.split("\n"):
            self.lines.append(("# " + t).rstrip())

    def var(self, name: str, value: str, indent: bool = False) -> None:
        self.lines.append(f"{'  ' if indent else ''}{name} = {value}".rstrip())

    def rule(self, name: str, **kv: str) -> None:
        self.lines.append(f"rule {name}")
        for k, v in kv.items():
            self.var(k, v, indent=True)
        self.lines.append("")

    def build(self, outs: list[str], rule: str, ins: list[str] | None = None,
              implicit: list[str] | None = None, order_only: list[str] | None = None,
              **kv: str) -> None:
        text = "build " + " ".join(_esc(o) for o in outs) + ": " + rule
        if ins:
            text += " " + " ".join(_esc(i) for i in ins)
        if implicit:
            text += " | " + " ".join(_esc(i) for i in implicit)
        if order_only:
            text += " || " + " ".join(_esc(i) for i in order_only)
        self.lines.append(text)
        for k, v in kv.items():
            self.var(k, v, indent=True)

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


class Config:
    """One build configuration: a compiler, flags and an output directory."""

    def __init__(self, w: Writer, name: str, outdir: str, ar_rule: str = "ar") -> None:
        self.w = w
        self.name = name
        self.outdir = outdir
        self.ar_rule = ar_rule
        self.objs: dict[str, str] = {}
        self.libs: dict[str, list[str]] = {}

    def obj(self, src: str) -> str:
        if src not in self.objs:
            out = f"{self.outdir}/obj/{src[:-2]}.o"
            extra = {"xflags": "$cflags_core"} if src.startswith("core/") else {}
            incs = include_flags(src)
            implicit = None
            if src in VERSIONED_MAINS:
                incs += " -I" + VERSION_H.rsplit("/", 1)[0]
                implicit = [VERSION_H]
            self.w.build([out], f"cc_{self.name}", [src], implicit=implicit, incs=incs,
                         **extra)
            self.objs[src] = out
        return self.objs[src]

    def objs_of(self, srcs: list[str]) -> list[str]:
        return [self.obj(s) for s in srcs]

    def lib(self, name: str, srcs: list[str]) -> list[str]:
        """A static library of srcs; [] when there is nothing to archive."""
        if name not in self.libs:
            self.libs[name] = []
            if srcs:
                out = f"{self.outdir}/lib/libhs_{name}.a"
                self.w.build([out], self.ar_rule, self.objs_of(srcs))
                self.libs[name] = [out]
        return self.libs[name]

    def link(self, out: str, inputs: list[str], test: bool = False) -> str:
        extra = {"xlibs": "$libs_test"} if test else {}
        self.w.build([out], f"link_{self.name}", inputs, **extra)
        return out


def generate(src: Sources, cc: str, configure_args: str) -> str:
    alt_cc = "clang" if cc == "gcc" else "gcc"
    w = Writer()
    w.comment(
        "Generated by configure.py -- do not edit.\n"
        "After adding or removing a source file run `python3 configure.py` and commit\n"
        "this file; `python3 configure.py --check` (run by the test suite) fails when it\n"
        "is stale.  See docs/build.md.")
    w.line()
    w.var("ninja_required_version", "1.10")
    w.var("builddir", "build")
    w.var("configure_args", configure_args)
    w.line()
    w.comment("Compilers: primary (release, debug, replay), alt (second-compiler hsim),\n"
              "fuzz (libFuzzer needs clang).")
    w.var("cc", cc)
    w.var("alt_cc", alt_cc)
    w.var("fuzz_cc", "clang")
    w.line()
    w.var("cflags_common", COMMON_CFLAGS)
    w.var("cflags_core", CORE_CFLAGS)
    lto = cc == "gcc"
    w.var("cflags_release", RELEASE_CFLAGS)
    w.var("cflags_release_primary",
          f"{RELEASE_CFLAGS} {RELEASE_LTO_GCC}" if lto else RELEASE_CFLAGS)
    w.var("cflags_debug", DEBUG_CFLAGS)
    w.var("ldflags_debug", DEBUG_LDFLAGS)
    w.var("cflags_fuzz", FUZZ_CFLAGS)
    w.var("ldflags_fuzz", FUZZ_LDFLAGS)
    w.var("libs", LIBS)
    w.var("libs_test", TEST_LIBS)
    w.line()

    # name: (compiler var, cflags, ldflags)
    configs = [
        ("release", "$cc", "$cflags_release_primary", "$cflags_release_primary" if lto else ""),
        ("debug", "$cc", "$cflags_debug", "$ldflags_debug"),
        ("alt", "$alt_cc", "$cflags_release", ""),
        ("fuzz", "$fuzz_cc", "$cflags_fuzz", "$ldflags_fuzz"),
    ]
    for name, ccv, cflags, _ in configs:
        w.rule(f"cc_{name}",
               command=(f"{ccv} -MMD -MF $out.d $cflags_common {cflags} $xflags $incs "
                        "-c $in -o $out"),
               depfile="$out.d", deps="gcc",
               description=f"CC {name} $in")
    for name, ccv, _, ldflags in configs:
        w.rule(f"link_{name}",
               command=(f"{ccv} {ldflags} -o $out -Wl,--start-group $in -Wl,--end-group "
                        "$libs $xlibs").replace("  ", " "),
               description=f"LINK {name} $out")
    w.rule("ar", command="rm -f $out && ar crs $out $in", description="AR $out")
    if lto:
        w.rule("ar_lto", command="rm -f $out && gcc-ar crs $out $in", description="AR $out")
    w.rule("configure", command="python3 configure.py $configure_args",
           generator="1", description="CONFIGURE build.ninja")
    w.rule("run_tests", command="python3 scripts/run_tests.py --no-build",
           pool="console", description="TEST")
    w.rule("run_demo", command="bash scripts/demo.sh", pool="console", description="DEMO")
    w.rule("run_bench", command="python3 scripts/bench.py", pool="console",
           description="BENCH")
    w.rule("compdb", command="python3 configure.py --compdb", description="COMPDB")
    w.rule("version_h", command="python3 scripts/version_h.py $out", restat="1",
           description="GEN $out")

    w.build([NINJA_FILE], "configure", implicit=["configure.py"])
    w.comment("Always run (its input never exists); restat keeps the old mtime when the\n"
              "text is unchanged, so nothing relinks.")
    w.build(["version_h_always"], "phony")
    w.build([VERSION_H], "version_h", implicit=["version_h_always", "scripts/version_h.py"])
    w.line()

    cfg = {name: Config(w, name, f"build/{name}",
                        "ar_lto" if lto and name == "release" else "ar")
           for name, *_ in configs}
    rel, dbg, alt, fz = cfg["release"], cfg["debug"], cfg["alt"], cfg["fuzz"]

    def libs_for(c: Config, which: list[str]) -> list[str]:
        """Archives in link order (dependents first); the linker group makes
        the order a matter of taste only."""
        table = {"sim": src.sim, "io_sim": src.io_sim, "io_real": src.io_real,
                 "core": src.core}
        out: list[str] = []
        for name in which:
            out += c.lib(name, table[name])
        return out

    sim_libs = ["sim", "io_sim", "core"]
    real_libs = ["io_real", "core"]
    all_libs = ["sim", "io_sim", "io_real", "core"]

    # ---- release: build/bin/{hsim,hsnode,hsctl}, benches, tools
    w.comment("---- release (primary compiler, -O2 -g)")
    release_bins: list[str] = []
    if src.hsim_main:
        release_bins.append(rel.link("build/bin/hsim",
                                     rel.objs_of([src.hsim_main]) + libs_for(rel, sim_libs)))
    for name, main in src.real_mains:
        release_bins.append(rel.link(f"build/bin/{name}",
                                     rel.objs_of([main]) + libs_for(rel, real_libs)))
    if not release_bins:
        # Still build the libraries so that `ninja` checks whatever exists.
        for name in all_libs:
            release_bins += libs_for(rel, [name])
    bench_bins = []
    for b in src.benches:
        bench_bins.append(rel.link(f"build/bench/{_stem(b)}",
                                   rel.objs_of([b] + src.bench_helpers)
                                   + libs_for(rel, all_libs)))
    tool_bins = []
    if src.corpus_gen:
        tool_bins.append(rel.link("build/tools/corpus_gen",
                                  rel.objs_of([src.corpus_gen] + src.fuzz_helpers)
                                  + libs_for(rel, all_libs)))
    w.line()

    # ---- debug: sanitizers, unit tests, replay drivers
    w.comment("---- debug (primary compiler, ASan + UBSan)")
    debug_bins = []
    if src.hsim_main:
        debug_bins.append(dbg.link("build/debug/bin/hsim",
                                   dbg.objs_of([src.hsim_main]) + libs_for(dbg, sim_libs)))
    for name, main in src.real_mains:
        debug_bins.append(dbg.link(f"build/debug/bin/{name}",
                                   dbg.objs_of([main]) + libs_for(dbg, real_libs)))
    unit_bins = []
    for t in src.unit_tests:
        unit_bins.append(dbg.link(f"build/debug/tests/{_stem(t)}",
                                  dbg.objs_of([t] + src.unit_helpers)
                                  + libs_for(dbg, all_libs), test=True))
    replay_bins = []
    if src.replay_main:
        for f in src.fuzz_targets:
            replay_bins.append(dbg.link(f"build/replay/{_stem(f)}",
                                        dbg.objs_of([f, src.replay_main] + src.fuzz_helpers)
                                        + libs_for(dbg, real_libs)))
    if not (debug_bins or unit_bins or replay_bins):
        for name in all_libs:
            debug_bins += libs_for(dbg, [name])
    w.line()

    # ---- alt: the other compiler's hsim, for the cross-compiler trace-hash check
    w.comment(f"---- alt ({alt_cc}, -O2 -g): build/alt/bin/hsim")
    alt_bins = []
    if src.hsim_main:
        alt_bins.append(alt.link("build/alt/bin/hsim",
                                 alt.objs_of([src.hsim_main]) + libs_for(alt, sim_libs)))
    else:
        alt_bins += libs_for(alt, sim_libs)  # until hsim exists, compile what there is
    w.line()

    # ---- fuzz: libFuzzer targets (clang only)
    w.comment("---- fuzz (clang, libFuzzer + ASan + UBSan)")
    fuzz_bins = []
    for f in src.fuzz_targets:
        fuzz_bins.append(fz.link(f"build/fuzz/{_stem(f)}",
                                 fz.objs_of([f] + src.fuzz_helpers) + libs_for(fz, real_libs)))
    w.line()

    # ---- aliases and actions
    w.comment("---- aliases")
    test_deps = unit_bins + replay_bins + release_bins + alt_bins + debug_bins
    aliases = [
        ("release", release_bins), ("debug", debug_bins + unit_bins + replay_bins),
        ("alt", alt_bins), ("fuzz", fuzz_bins), ("replay", replay_bins),
        ("benches", bench_bins), ("tools", tool_bins), ("test-deps", test_deps),
        ("all", test_deps + fuzz_bins + bench_bins + tool_bins),
    ]
    for name, ins in aliases:
        w.build([name], "phony", ins)
    w.build(["test"], "run_tests", implicit=["test-deps"])
    w.build(["demo"], "run_demo", implicit=["release"])
    w.build(["bench"], "run_bench", implicit=["benches", "release"])
    w.build(["compdb"], "compdb")
    w.line()
    w.line("default release")
    return w.text()


# --------------------------------------------------------------------------
# Toolchain detection

def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


def _version(cmd: list[str]) -> str | None:
    if not shutil.which(cmd[0]):
        return None
    try:
        r = _run(cmd, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    first = r.stdout.strip().splitlines()
    return first[0].strip() if first else "?"


def _try_build(compiler: str, code: str, flags: list[str]) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="hs-configure-") as d:
        c = Path(d) / "t.c"
        c.write_text(code)
        try:
            r = _run([compiler, "-std=c11", "-D_GNU_SOURCE", str(c), "-o",
                      str(Path(d) / "t")] + flags, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            return False, str(e)
        return r.returncode == 0, r.stdout.strip()


LIB_PROBES = {
    "libcbor": ("libcbor-dev", "libcbor",
                "#include <cbor.h>\nint main(void) { unsigned char b[4];"
                " return (int)cbor_encode_uint(1, b, sizeof b) != 1; }\n", ["-lcbor"]),
    "xxHash": ("libxxhash-dev", "libxxhash",
               "#include <xxhash.h>\nint main(void) { return XXH3_64bits(\"a\", 1) == 0; }\n",
               ["-lxxhash"]),
    "CMocka": ("libcmocka-dev", "cmocka",
               "#include <setjmp.h>\n#include <stdarg.h>\n#include <stddef.h>\n"
               "#include <stdint.h>\n#include <cmocka.h>\n"
               "static void t(void **s) { (void)s; assert_int_equal(1, 1); }\n"
               "int main(void) { const struct CMUnitTest ts[] = { cmocka_unit_test(t) };"
               " (void)ts; return 0; }\n", ["-lcmocka"]),
}

FUZZ_PROBE = (
    "#include <stddef.h>\n#include <stdint.h>\n"
    "int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);\n"
    "int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)"
    " { (void)data; (void)size; return 0; }\n")


def detect(primary: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Return (found [(what, detail)], missing [(what, apt package, why)])."""
    found: list[tuple[str, str]] = []
    missing: list[tuple[str, str, str]] = []

    def tool(what: str, pkg: str, cmd: list[str]) -> bool:
        v = _version(cmd)
        if v is None:
            missing.append((what, pkg, f"`{cmd[0]}` not found on PATH"))
            return False
        found.append((what, f"{v}  ({shutil.which(cmd[0])})"))
        return True

    have_gcc = tool("gcc", "gcc", ["gcc", "--version"])
    have_clang = tool("clang", "clang", ["clang", "--version"])
    tool("ninja", "ninja-build", ["ninja", "--version"])
    tool("pkg-config", "pkg-config", ["pkg-config", "--version"])
    tool("python3", "python3", ["python3", "--version"])

    probe_cc = primary if {"gcc": have_gcc, "clang": have_clang}[primary] else (
        "gcc" if have_gcc else ("clang" if have_clang else None))
    for what, (pkg, pcname, code, flags) in LIB_PROBES.items():
        if probe_cc is None:
            missing.append((what, pkg, "no C compiler to test it with"))
            continue
        ok, out = _try_build(probe_cc, code, flags)
        if not ok:
            tail = out.splitlines()[-1] if out else ""
            missing.append((what, pkg, f"test program does not build: {tail}"))
            continue
        ver = _version(["pkg-config", "--modversion", pcname]) or "version unknown"
        found.append((what, f"{ver}  ({' '.join(flags)})"))

    if have_clang:
        ok, out = _try_build("clang", FUZZ_PROBE, ["-fsanitize=fuzzer,address,undefined"])
        if ok:
            found.append(("libFuzzer", "clang -fsanitize=fuzzer links"))
        else:
            tail = out.splitlines()[-1] if out else ""
            missing.append(("libFuzzer", "libclang-rt-14-dev",
                            f"clang -fsanitize=fuzzer does not link: {tail}"))
    else:
        missing.append(("libFuzzer", "libclang-rt-14-dev", "needs clang"))
    return found, missing


def _apt_lists_present() -> bool:
    lists = Path("/var/lib/apt/lists")
    return lists.is_dir() and any("_Packages" in p.name for p in lists.iterdir())


def _apt_has_candidates(pkgs: list[str]) -> bool:
    r = _run(["apt-cache", "policy"] + pkgs)
    if r.returncode != 0:
        return False
    seen = r.stdout.count("Candidate:")
    return seen >= len(pkgs) and "Candidate: (none)" not in r.stdout


def install(pkgs: list[str]) -> None:
    if not shutil.which("apt-get"):
        sys.exit("configure: --install-deps needs apt-get (Debian 12); install by hand: "
                 + " ".join(pkgs))
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            sys.exit("configure: --install-deps needs root (or sudo)")
        prefix = ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    updated = False
    if not _apt_lists_present() or not _apt_has_candidates(pkgs):
        print("configure: apt-get update", flush=True)
        subprocess.run(prefix + ["apt-get", "update"], env=env, check=False)
        updated = True
    cmd = prefix + ["apt-get", "install", "-y"] + pkgs
    print("configure: " + " ".join(cmd), flush=True)
    if subprocess.run(cmd, env=env).returncode != 0:
        if updated:
            sys.exit("configure: apt-get install failed")
        print("configure: install failed; retrying after apt-get update", flush=True)
        subprocess.run(prefix + ["apt-get", "update"], env=env, check=False)
        if subprocess.run(cmd, env=env).returncode != 0:
            sys.exit("configure: apt-get install failed")


def report(found, missing) -> None:
    for what, detail in found:
        print(f"configure: found   {what:<11} {detail}")
    for what, pkg, why in missing:
        print(f"configure: MISSING {what:<11} {why}  [apt package: {pkg}]")
    sys.stdout.flush()


# --------------------------------------------------------------------------

def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def compdb() -> int:
    """compile_commands.json with one entry per source (debug flags preferred)."""
    if not shutil.which("ninja"):
        print("configure: --compdb needs ninja (apt package: ninja-build)", file=sys.stderr)
        return 1
    rules = ["cc_debug", "cc_release", "cc_fuzz", "cc_alt"]
    r = subprocess.run(["ninja", "-f", NINJA_FILE, "-t", "compdb"] + rules, cwd=ROOT,
                       stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return r.returncode
    entries = json.loads(r.stdout)
    prefixes = ["build/debug/", "build/release/", "build/fuzz/", "build/alt/"]
    best: dict[str, dict] = {}
    for e in entries:
        out_path = e.get("output", "")
        e["_rank"] = next((i for i, p in enumerate(prefixes) if out_path.startswith(p)), 9)
        rank = e["_rank"]
        if e["file"] not in best or rank < best[e["file"]]["_rank"]:
            best[e["file"]] = e
    out = [{k: v for k, v in e.items() if k != "_rank"}
           for _, e in sorted(best.items())]
    write_atomic(ROOT / "compile_commands.json", json.dumps(out, indent=2) + "\n")
    print(f"configure: wrote compile_commands.json ({len(out)} entries)")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Detect the toolchain and write build.ninja.")
    ap.add_argument("--cc", choices=["gcc", "clang"], default="gcc",
                    help="primary compiler (default gcc); the other one builds build/alt/bin/hsim")
    ap.add_argument("--install-deps", action="store_true",
                    help="apt-get install missing Debian packages, then re-detect")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 and print a diff if build.ninja is stale")
    ap.add_argument("--compdb", action="store_true",
                    help="write compile_commands.json from build.ninja (needs ninja)")
    ap.add_argument("--no-detect", action="store_true",
                    help="skip toolchain detection (write build.ninja only)")
    args = ap.parse_args(argv)

    os.chdir(ROOT)
    if args.compdb:
        return compdb()

    # Only arguments that change the output are recorded for regeneration.
    configure_args = "" if args.cc == "gcc" else f"--cc {args.cc}"
    text = generate(Sources(), args.cc, configure_args)
    target = ROOT / NINJA_FILE

    if args.check:
        try:
            current = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            print(f"configure --check: {NINJA_FILE} is missing; run: python3 configure.py")
            return 1
        if current == text:
            print(f"configure --check: {NINJA_FILE} is up to date")
            return 0
        diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                    f"{NINJA_FILE} (on disk)",
                                    f"{NINJA_FILE} (as configure.py would write it)")
        sys.stdout.writelines(diff)
        print(f"configure --check: {NINJA_FILE} is stale; run `python3 configure.py"
              f"{' ' + configure_args if configure_args else ''}` and commit the result")
        return 1

    if not args.no_detect:
        found, missing = detect(args.cc)
        if missing and args.install_deps:
            report(found, missing)
            pkgs = [p for p in APT_PACKAGES if p in {m[1] for m in missing}]
            install(pkgs)
            found, missing = detect(args.cc)
        report(found, missing)
        if missing:
            pkgs = " ".join(p for p in APT_PACKAGES if p in {m[1] for m in missing})
            print(f"configure: error: missing dependencies; install them with\n"
                  f"    apt-get install -y {pkgs}\n"
                  f"or rerun with --install-deps", file=sys.stderr)
            return 1

    src = Sources()
    for line in src.summary():
        print(f"configure: sources: {line}")
    text = generate(src, args.cc, configure_args)  # re-glob: installs take time
    old = target.read_text(encoding="utf-8") if target.exists() else None
    write_atomic(target, text)
    state = "unchanged" if old == text else "updated"
    print(f"configure: wrote {NINJA_FILE} ({state}; primary compiler {args.cc})")
    if configure_args:
        print("configure: note: build.ninja is committed with the defaults; "
              "run `python3 configure.py` before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
