#!/usr/bin/env bash
# Builds the product image from the Dockerfile with podman (daemonless, no registry): the base
# image from build-base.sh as NODE_IMAGE, runc as the OCI runtime (crun fails on this machine's
# hybrid cgroup layout) with explicit ulimits, host networking for `npm ci`. Then saves the image
# and a tiny pod-sandbox ("pause") image as archives that `ctr -n k8s.io images import` loads
# into a test node's containerd, and records the image size and the container start time.
#
# Usage: test/image/build.sh [PAUSE_BINARY]   (default: $ALERTIGER_TESTBIN/pause)
# Output (last line): a JSON object {image, archive, pauseImage, pauseArchive, sizeBytes,
# startSeconds, buildSeconds}; also written to $ALERTIGER_IMAGE_CACHE/alertiger-image.json.
# Layers are cached by podman, so a warm rebuild of an unchanged tree takes seconds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${ALERTIGER_IMAGE_CACHE:-$HOME/.cache/alertiger/images}"
pause_bin="${1:-${ALERTIGER_TESTBIN:-$HOME/.cache/alertiger/testbin/bin}/pause}"
run_opts=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
image=localhost/alertiger:test
pause_image=localhost/alertiger-pause:test
mkdir -p "$cache"

base=$(bash "$here/build-base.sh" | tail -n 1)
# A machine whose HTTPS goes through a proxy with its own CA (npm's cafile, NODE_EXTRA_CA_CERTS)
# lends that CA to the build's RUN steps only, as a read-only bind mount and npm's global config;
# nothing of it lands in a layer.
build_mounts=()
ca=$(npm config get cafile 2>/dev/null || true)
[[ -f "$ca" ]] || ca=${NODE_EXTRA_CA_CERTS:-}
if [[ -n "$ca" && -f "$ca" ]]; then
  npmrc=$(mktemp); trap 'rm -f "$npmrc"' EXIT
  echo "cafile=/run/alertiger-build-ca.crt" >"$npmrc"
  build_mounts=(-v "$ca:/run/alertiger-build-ca.crt:ro" -v "$npmrc:/usr/etc/npmrc:ro")
fi
start=$SECONDS
podman build "${run_opts[@]}" "${build_mounts[@]}" --network host --layers --build-arg "NODE_IMAGE=$base" \
  -t "$image" -f "$root/Dockerfile" "$root" >&2
build_seconds=$((SECONDS - start))
archive="$cache/alertiger-test.tar"
podman save -q -o "$archive.tmp" "$image" >&2 && mv "$archive.tmp" "$archive"

# The sandbox image: our static pause program alone.
[[ -x "$pause_bin" ]] || { echo "no pause binary at $pause_bin: run test/controlplane/node/build.sh" >&2; exit 1; }
pause_archive="$cache/alertiger-pause.tar"
pause_key=$(sha256sum "$pause_bin" | cut -c1-12)
if [[ "$(podman image inspect --format '{{index .Labels "alertiger.pause"}}' "$pause_image" 2>/dev/null)" != "$pause_key" || ! -f "$pause_archive" ]]; then
  work=$(mktemp -d)
  install -m 0755 "$pause_bin" "$work/pause"
  tar -C "$work" -cf "$work/rootfs.tar" pause
  podman import -q --change 'ENTRYPOINT ["/pause"]' --change "LABEL alertiger.pause=$pause_key" "$work/rootfs.tar" "$pause_image" >&2
  podman save -q -o "$pause_archive" "$pause_image" >&2
  rm -rf "$work"
fi

size=$(podman image inspect --format '{{.Size}}' "$image")
# Start time: a fresh container of the image running `alertiger --help`, best of 3.
best_ns=
for _ in 1 2 3; do
  t0=$(date +%s%N)
  podman run --rm "${run_opts[@]}" --network none --read-only --tmpfs /tmp "$image" --help >/dev/null
  t=$(($(date +%s%N) - t0))
  if [[ -z "$best_ns" ]] || ((t < best_ns)); then best_ns=$t; fi
done
best=$(printf '%d.%02d' $((best_ns / 1000000000)) $((best_ns % 1000000000 / 10000000)))
json=$(printf '{"image":"%s","imageId":"%s","base":"%s","archive":"%s","pauseImage":"%s","pauseArchive":"%s","sizeBytes":%s,"startSeconds":%s,"buildSeconds":%s}' \
  "$image" "$(podman image inspect --format '{{.Id}}' "$image")" "$base" "$archive" "$pause_image" "$pause_archive" "$size" "$best" "$build_seconds")
echo "$json" >"$cache/alertiger-image.json"
echo "image $image: $((size / 1000000)) MB, \`alertiger --help\` in a new container: ${best} s, build ${build_seconds} s" >&2
echo "$json"
