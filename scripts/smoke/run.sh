#!/usr/bin/env bash
# `npm run smoke`: the packed tarball tested the way users install it, on every platform
# and Node this machine can run:
#
#   linux-x64,   Node 20 (the host's)          install with no compiler on PATH, record
#   linux-x64,   Node 18 (Debian bookworm's)   its install step, then the smoke suite
#   linux-x64,   Node 22, 24 (npm registry)    likewise
#   linux-arm64, Node 18 (Debian's arm64)      under qemu-user: install step, smoke suite
#   linux-arm64, Node 22 (npm registry)        likewise
#
# scripts/smoke/smoke.js is the suite (what it checks is written there); each platform's
# run is compared with the x64 record, and each platform's checkpoint is loaded back on
# x64. Usage:
#
#   scripts/smoke/run.sh [TARBALL]    # without TARBALL: npm pack first (both prebuilds)
#
# POLYCHRON_SMOKE_OUT: the folder for the tarball, the consumers and the results
# (default: a temporary one, removed unless a check failed). POLYCHRON_SMOKE_NODES: the
# registry Node majors (default "22 24" on x64, "22" on arm64 via POLYCHRON_SMOKE_ARM64_NODES;
# empty skips them). Needs qemu-user (qemu-aarch64) and apt-get/dpkg-deb for Debian's Nodes,
# which scripts/smoke/debian-node.sh fetches into ~/.cache/polychron once. Prints a table,
# writes summary.json, and exits 1 if any check failed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
smoke=$repo/scripts/smoke
out=${POLYCHRON_SMOKE_OUT:-}
keep=1
if [ -z "$out" ]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/polychron-smoke.XXXXXX")
  keep=0
fi
mkdir -p "$out"
x64_nodes=${POLYCHRON_SMOKE_NODES-22 24}
arm64_nodes=${POLYCHRON_SMOKE_ARM64_NODES-22}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

command -v qemu-aarch64 >/dev/null || command -v qemu-aarch64-static >/dev/null || {
  echo "smoke: qemu-aarch64 not found (Debian: apt-get install qemu-user)" >&2; exit 1; }

# The tarball.
tarball=${1:-}
if [ -z "$tarball" ]; then
  t=$(now)
  echo "== npm pack (builds the linux-x64 and linux-arm64 binaries)"
  name=$(cd "$repo" && npm pack --silent --pack-destination "$out" | tail -1)
  tarball=$out/$name
  echo "packed $tarball in $(since "$t") s"
fi
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
for target in linux-x64 linux-arm64; do
  size=$(tar -tvzf "$tarball" "package/prebuilds/$target/polychron.node" 2>/dev/null | awk '{ print $3 }')
  [ -n "$size" ] || { echo "smoke: $tarball has no prebuilds/$target/polychron.node" >&2; exit 1; }
  echo "prebuilds/$target/polychron.node: $size bytes"
done
echo "tarball: $(stat -c %s "$tarball") bytes"

# A PATH with node, npm and sh only: no compiler, cmake or make.
bin=$out/bin
rm -rf "$bin"
mkdir -p "$bin"
host_node=$(command -v node)
ln -s "$host_node" "$bin/node"
ln -s /bin/sh "$bin/sh"
npm_cli=$(dirname "$(readlink -f "$host_node")")/../lib/node_modules/npm/bin/npm-cli.js
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$bin/node" "$npm_cli" >"$bin/npm"
chmod +x "$bin/npm"
for c in cc gcc g++ c++ clang clang++ cmake make ninja; do
  if PATH=$bin command -v "$c" >/dev/null; then echo "smoke: $c is on the compiler-free PATH" >&2; exit 1; fi
done

# Two consumers: one installed for x64 (npm runs the install step with the host's Node),
# one for arm64 (npm picks arm64 optional dependencies and leaves the install step to the
# arm64 Node below).
consumer() {
  local dir=$out/consumer-$1
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  echo '{ "name": "consumer", "private": true }' >"$dir/package.json"
  (cd "$dir" && PATH=$bin npm install "$tarball" --prefer-offline --no-audit --no-fund --foreground-scripts "$@") >&2
  echo "$dir"
}
echo "== installing the tarball (no compiler on PATH)"
x64=$(consumer x64)
arm64=$(consumer arm64 --os=linux --cpu=arm64 --libc=glibc --ignore-scripts)

results=$out/results
rm -rf "$results"
mkdir -p "$results"
rows=()
failed=0

# run LABEL CONSUMER RUNNER...: the install step, then `smoke.js check`, then the
# checkpoint written there loaded back on x64 with the host's Node.
run() {
  local label=$1 dir=$2
  shift 2
  local t log status=0
  t=$(now)
  log=$results/$label.log
  echo "== $label"
  local install
  # The install step with the compiler-free PATH (run-node.sh hands RUN_NODE_PATH to its Node).
  if [[ $1 == /* && $1 != */run-node.sh ]]; then
    install=$(cd "$dir" && PATH=$bin "$@" node_modules/polychron/scripts/install.js 2>&1) || status=$?
  else
    install=$(cd "$dir" && RUN_NODE_PATH=$bin "$@" node_modules/polychron/scripts/install.js 2>&1) || status=$?
  fi
  echo "$install" | tee "$log"
  if [ $status -ne 0 ] || ! grep -q 'using the prebuilt binary' <<<"$install"; then
    echo "smoke: $label: the install step did not use the prebuilt binary" >&2
    status=1
  fi
  if [ $status -eq 0 ]; then
    (cd "$dir" && "$@" "$smoke/smoke.js" check "$results") 2>>"$log" >"$results/$label.json" || status=$?
    local platform
    platform=$(node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).platform) } catch {}' "$results/$label.json")
    if [ -n "$platform" ]; then
      (cd "$x64" && node "$smoke/smoke.js" back "$results" "$results/$platform.pcc") 2>>"$log" >"$results/$label-back.json" || status=$?
    fi
  fi
  grep -E '^(ok|FAIL)' "$log" || true
  local secs
  secs=$(since "$t")
  rows+=("$(node -e '
    const fs = require("fs");
    const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8").trim().split("\n").pop()); } catch { return {}; } };
    const [label, file, back, secs, status] = process.argv.slice(1);
    const a = read(file), b = read(back);
    const passed = (a.passed || 0) + (b.passed || 0), failedChecks = (a.failed || 0) + (b.failed || 0);
    console.log(JSON.stringify({ label, platform: a.platform, node: a.node, simd: a.simd, passed, failed: failedChecks,
      ok: status === "0" && a.ok === true && b.ok === true, seconds: Number(secs) }));
  ' "$label" "$results/$label.json" "$results/$label-back.json" "$secs" "$status")")
  [ $status -eq 0 ] || failed=1
  echo "$label: $secs s"
}

echo "== linux-x64, Node $(node --version) (host): install step ran in npm install above; record"
t=$(now)
(cd "$x64" && node "$smoke/smoke.js" record "$results") 2>"$results/record.log" >"$results/record.json" || failed=1
grep -E '^(ok|FAIL)' "$results/record.log" || true
rows+=("$(node -e '
  const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
  console.log(JSON.stringify({ label: "x64-node" + process.versions.node.split(".")[0] + "-record", platform: a.platform, node: a.node,
    simd: a.simd, passed: a.passed, failed: a.failed, ok: a.ok, seconds: Number(process.argv[2]) }));
' "$results/record.json" "$(since "$t")")")

run x64-node20 "$x64" "$host_node"
debian_x64=$("$smoke/debian-node.sh" amd64)
run x64-node18-debian "$x64" "$smoke/run-node.sh" "$debian_x64"
for major in $x64_nodes; do
  dir=$("$smoke/npm-node.sh" "$major" x64)
  run "x64-node$major" "$x64" "$dir/bin/node"
done
debian_arm64=$("$smoke/debian-node.sh" arm64)
run arm64-node18-debian-qemu "$arm64" "$smoke/run-node.sh" "$debian_arm64"
for major in $arm64_nodes; do
  dir=$("$smoke/npm-node.sh" "$major" arm64)
  # The official arm64 build, on the libraries (glibc, libstdc++) of Debian's arm64 folder.
  run "arm64-node$major-qemu" "$arm64" env "LD_LIBRARY_PATH=$debian_arm64/lib/aarch64-linux-gnu:$debian_arm64/usr/lib/aarch64-linux-gnu" \
    qemu-aarch64 -L "$debian_arm64" "$dir/bin/node"
done

SUMMARY="$out/summary.json" node -e '
  const rows = process.argv.slice(1).map((r) => JSON.parse(r));
  console.log("\n" + "label".padEnd(28) + "node".padEnd(10) + "simd".padEnd(8) + "checks".padEnd(12) + "seconds");
  for (const r of rows) {
    console.log(r.label.padEnd(28) + String(r.node).padEnd(10) + String(r.simd).padEnd(8) +
      `${r.passed} ok${r.failed ? `, ${r.failed} FAILED` : ""}`.padEnd(12) + r.seconds + (r.ok ? "" : "  FAILED"));
  }
  require("fs").writeFileSync(process.env.SUMMARY, JSON.stringify(rows, null, 1) + "\n");
' "${rows[@]}"
echo "summary: $out/summary.json"
if [ $failed -ne 0 ]; then
  echo "smoke: FAILED (logs in $results)" >&2
  exit 1
fi
[ $keep -eq 1 ] || rm -rf "$out"
echo "smoke: all platforms passed"
