#!/usr/bin/env bash
# Prints the folder of a Node.js taken from Debian's packages for ARCH (arm64 or amd64),
# fetching it first when it is not cached: Debian bookworm's `nodejs` and the packages it
# depends on, downloaded with apt-get from the machine's own Debian sources and extracted
# (dpkg-deb -x) into one folder. Nothing is installed: the host's Node, dpkg database and
# apt configuration are left as they are (apt runs with a private state folder and
# architecture). Run the result with scripts/smoke/run-node.sh.
#
#   scripts/smoke/debian-node.sh arm64   # → ~/.cache/polychron/debian-node-arm64/root
#
# POLYCHRON_CACHE overrides ~/.cache/polychron. The .debs stay in the cache, out of git.
set -euo pipefail
arch=${1:?usage: debian-node.sh arm64|amd64}
case "$arch" in arm64|amd64) ;; *) echo "debian-node.sh: unknown architecture $arch" >&2; exit 2 ;; esac
cache=${POLYCHRON_CACHE:-$HOME/.cache/polychron}
dir=$cache/debian-node-$arch
root=$dir/root
if [ -x "$root/usr/bin/node" ] && [ -f "$dir/packages" ]; then
  echo "$root"
  exit 0
fi

apt_opts=(-q -o "Dir::State=$dir/apt/state" -o "Dir::Cache=$dir/apt/cache" -o Dir::State::status=/dev/null
  -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o Debug::NoLocking=1)
mkdir -p "$dir/apt/state/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs"
echo "debian-node: reading Debian's $arch package lists" >&2
apt-get "${apt_opts[@]}" update >&2
# nodejs and everything it depends on (virtual packages, shown as <name>, left out).
mapfile -t packages < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances nodejs | grep -v '^ ' | grep -v '^<' | sort -u)
echo "debian-node: downloading ${packages[*]}" >&2
(cd "$dir/debs" && apt-get "${apt_opts[@]}" download "${packages[@]}" >&2)
rm -rf "$root.tmp"
mkdir -p "$root.tmp"
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$root.tmp"; done
rm -rf "$root"
mv "$root.tmp" "$root"
printf '%s\n' "${packages[@]}" >"$dir/packages"
echo "$root"
