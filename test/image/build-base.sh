#!/usr/bin/env bash
# Builds the base image the Dockerfile's NODE_IMAGE build arg names, without any image registry:
# a minimal Debian bookworm root filesystem made by mmdebstrap from the Debian mirror this machine
# already uses (/etc/apt/sources.list.d/debian.sources, else deb.debian.org), plus the Node.js
# runtime of this machine copied in (Debian bookworm's own nodejs is 18; the package needs >= 20):
# /usr/bin/node and npm's directory, nothing else of the host. Imported into podman's local
# storage as localhost/alertiger-node:<node version>-<key>.
#
# Cached: the image is kept in podman's storage and as a tarball under
# ~/.cache/alertiger/images (ALERTIGER_IMAGE_CACHE), keyed by this script, the Node.js version
# and the Debian suite, so a warm run only checks that it is there (or `podman load`s the
# tarball after the storage was wiped). Prints the image reference as its last line.
#
# Needs root, mmdebstrap and podman (apt-get install mmdebstrap podman).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ALERTIGER_IMAGE_CACHE:-$HOME/.cache/alertiger/images}"
suite=bookworm
node_bin=$(readlink -f "$(command -v node)")
node_version=$(node -p 'process.versions.node')
npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
[[ -f "$npm_dir/package.json" ]] || { echo "cannot find npm's directory (from $(command -v npm))" >&2; exit 1; }
key=$( { cat "${BASH_SOURCE[0]}"; echo "$suite $node_version"; sha256sum "$node_bin"; } | sha256sum | cut -c1-12)
image="localhost/alertiger-node:$node_version-$key"
tarball="$cache/alertiger-node-$node_version-$key.tar"

if podman image exists "$image"; then
  echo "cached: $image" >&2
  echo "$image"; exit 0
fi
if [[ -f "$tarball" ]]; then
  echo "loading $tarball" >&2
  podman load -q -i "$tarball" >&2
  echo "$image"; exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sources=/etc/apt/sources.list.d/debian.sources
mirror=()
[[ -f "$sources" ]] && mirror=("$sources")
echo "building $image: mmdebstrap $suite (minbase) + node $node_version from $node_bin" >&2
start=$SECONDS
# minbase: essential packages + apt; ca-certificates for HTTPS. Docs, man pages and locales are
# not installed (dpkg path excludes), and npm comes from the host below with node.
mmdebstrap --variant=minbase --include=ca-certificates --mode=root --format=tar \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="cp -a '$node_bin' \"\$1/usr/bin/node\"" \
  --customize-hook="mkdir -p \"\$1/usr/lib/node_modules\" && cp -a '$npm_dir' \"\$1/usr/lib/node_modules/npm\"" \
  --customize-hook='ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/bin/npm" && ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/bin/npx"' \
  --customize-hook='chroot "$1" node --version && chroot "$1" npm --version' \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
  "$suite" "$work/rootfs.tar" "${mirror[@]}" >&2
podman import -q \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "debian $suite minbase (mmdebstrap) + node $node_version" \
  "$work/rootfs.tar" "$image" >&2
podman save -q -o "$tarball.tmp" "$image" >&2 && mv "$tarball.tmp" "$tarball"
echo "built $image in $((SECONDS - start)) s ($(du -h "$tarball" | cut -f1) saved as $tarball)" >&2
echo "$image"
