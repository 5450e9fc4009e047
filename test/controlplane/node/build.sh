#!/usr/bin/env bash
# Builds the test node's Go binaries (kubelet, kube-scheduler, pause) from this wrapper module, at
# the same k8s.io/kubernetes version as ../kube (checked), into the same cache as ../build.sh
# (~/.cache/alertiger/testbin, keyed by this module's go.mod + go.sum + pause source), so a warm
# machine skips the build. Prints the bin directory as its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ALERTIGER_BIN_CACHE:-$HOME/.cache/alertiger/testbin}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

modversion() { awk -v m="$2" '$1==m && $2 ~ /^v/ {print $2; exit}' "$1/go.mod"; }
kv=$(modversion "$here" k8s.io/kubernetes)
apiserver_kv=$(modversion "$here/../kube" k8s.io/kubernetes)
[[ -n "$kv" && "$kv" == "$apiserver_kv" ]] || {
  echo "node/go.mod has k8s.io/kubernetes ${kv:-?} but kube/go.mod has ${apiserver_kv:-?}: keep them equal" >&2; exit 1; }
kmaj=${kv#v}; kmaj=${kmaj%%.*}; kmin=${kv#v*.}; kmin=${kmin%%.*}
kflags="-X k8s.io/component-base/version.gitVersion=$kv -X k8s.io/component-base/version.gitMajor=$kmaj -X k8s.io/component-base/version.gitMinor=$kmin -X k8s.io/client-go/pkg/version.gitVersion=$kv -X k8s.io/component-base/version.gitTreeState=clean"
dir="$cache/node-$(cat "$here/go.mod" "$here/go.sum" "$here/pause/main.go" | sha256sum | cut -c1-16)"
mkdir -p "$dir" "$cache/bin"

build() {
  local out=$1 pkg=$2 ldflags=${3:-}
  if [[ -x "$dir/$out" ]]; then echo "cached: $dir/$out" >&2; else
    echo "building $out from $pkg (cold builds take minutes)" >&2
    (cd "$here" && go build -trimpath -ldflags "-s -w $ldflags" -o "$dir/$out.tmp" "$pkg")
    mv "$dir/$out.tmp" "$dir/$out"
  fi
  ln -sf "$dir/$out" "$cache/bin/$out"
}
build kubelet k8s.io/kubernetes/cmd/kubelet "$kflags"
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$kflags"
build pause ./pause
echo "$cache/bin"
