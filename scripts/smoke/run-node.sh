#!/usr/bin/env bash
# Runs a Node.js extracted by scripts/smoke/debian-node.sh: ROOT's usr/bin/node with ROOT's
# libraries.
#
#   scripts/smoke/run-node.sh ROOT [node arguments...]
#
# RUN_NODE_PATH, when set, becomes the PATH of the Node process alone (the install tests
# give it one without compilers).
#
# Debian's Node reads a few of its built-in modules (cjs-module-lexer, undici, acorn) from
# /usr/share/nodejs at startup. An arm64 Node runs under qemu-user (qemu-aarch64 -L ROOT),
# which looks up absolute paths in ROOT first. A Node of the host's architecture runs in a
# private mount namespace where ROOT/usr/share is laid over /usr/share (a read-only
# overlay, seen by that process only; needs root, as CI has), so the host is left as it is.
set -euo pipefail
root=${1:?usage: run-node.sh ROOT [node arguments...]}
shift
libs=
for d in lib usr/lib; do
  for sub in aarch64-linux-gnu x86_64-linux-gnu; do
    if [ -d "$root/$d/$sub" ]; then libs=${libs:+$libs:}$root/$d/$sub; fi
  done
done
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
node_path=${RUN_NODE_PATH:-$PATH}
if [ -d "$root/lib/aarch64-linux-gnu" ] && [ "$(uname -m)" != aarch64 ]; then
  qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static) || {
    echo "run-node.sh: qemu-aarch64 not found (Debian: apt-get install qemu-user)" >&2; exit 1; }
  PATH=$node_path exec "$qemu" -L "$root" "$root/usr/bin/node" "$@"
fi
if [ ! -d "$root/usr/share/nodejs" ]; then PATH=$node_path exec "$root/usr/bin/node" "$@"; fi
# The arguments travel as "$@" of the inner shell, unquoted by nothing.
exec unshare --mount --propagation private /bin/sh -c '
  root=$1; node_path=$2; shift 2
  mount -t overlay polychron-node -o "lowerdir=$root/usr/share:/usr/share" /usr/share || {
    echo "run-node.sh: cannot lay $root/usr/share over /usr/share (needs root)" >&2; exit 1; }
  PATH=$node_path exec "$root/usr/bin/node" "$@"' run-node "$root" "$node_path" "$@"
