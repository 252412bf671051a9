#!/usr/bin/env bash
# The main job (`ninja demo`): run one seeded simulation, then start a local
# five-node cluster on loopback, list its members and stop it again.
# Run from anywhere; paths are relative to the repository root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN="${HS_DEMO_BIN:-build/bin}"   # another build's binaries (tests use it)
HSIM="$BIN/hsim"
HSCTL="$BIN/hsctl"
SEED="${HS_DEMO_SEED:-1}"

# Both halves or nothing: a demo that skips a part would pass while
# showing less than it claims.
for bin in "$HSIM" "$HSCTL" "$BIN/hsnode"; do
    if [[ ! -x "$bin" ]]; then
        echo "demo: $bin is missing; build it with: python3 configure.py && ninja" >&2
        exit 1
    fi
done

echo "== demo: $HSIM run --seed $SEED"
"$HSIM" run --seed "$SEED"

CLUSTER_DIR="$(mktemp -d "${TMPDIR:-/tmp}/hs-demo.XXXXXX")"
CLUSTER_UP=0
cleanup() {
    local rc=$?
    if [[ "$CLUSTER_UP" == 1 ]]; then
        echo "== demo: $HSCTL cluster down --dir $CLUSTER_DIR"
        "$HSCTL" cluster down --dir "$CLUSTER_DIR" || rc=1
    fi
    rm -rf "$CLUSTER_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== demo: $HSCTL cluster up --dir $CLUSTER_DIR --nodes 5"
CLUSTER_UP=1   # set before: a half-started cluster must be stopped too
"$HSCTL" cluster up --dir "$CLUSTER_DIR" --nodes 5

echo "== demo: $HSCTL --cluster $CLUSTER_DIR members"
"$HSCTL" --cluster "$CLUSTER_DIR" members

echo "== demo: $HSCTL cluster down --dir $CLUSTER_DIR"
CLUSTER_UP=0
"$HSCTL" cluster down --dir "$CLUSTER_DIR"

echo "== demo: done"
