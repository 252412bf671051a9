#!/usr/bin/env bash
# The main job (`ninja demo`): run one seeded simulation, then start a local
# five-node cluster on loopback, list its members and stop it again.
# Run from anywhere; paths are relative to the repository root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HSIM=build/bin/hsim
HSCTL=build/bin/hsctl
SEED="${HS_DEMO_SEED:-1}"

if [[ ! -x "$HSIM" ]]; then
    echo "demo: $HSIM is not built (sim/main.c missing or failed to compile)." >&2
    echo "demo: build it with: python3 configure.py && ninja" >&2
    exit 1
fi

echo "== demo: $HSIM run --seed $SEED"
"$HSIM" run --seed "$SEED"

if [[ ! -x "$HSCTL" ]]; then
    echo "== demo: $HSCTL is not built yet; skipping the local cluster part"
    exit 0
fi
HSCTL_HELP="$("$HSCTL" --help 2>&1 || true)"
if [[ "$HSCTL_HELP" != *"cluster"* ]]; then
    echo "== demo: $HSCTL has no 'cluster' command yet; skipping the local cluster part"
    exit 0
fi

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
