#!/usr/bin/env bash
# Builds the real control-plane binaries the tests run (etcd, kube-apiserver, kubectl,
# kube-controller-manager, helm) from the Go module proxy, through the wrapper modules beside
# this script. Binaries go to a cache outside the repo, keyed by the wrapper's go.mod + go.sum,
# so a warm machine skips the build. Prints the bin directory as its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ALERTIGER_BIN_CACHE:-$HOME/.cache/alertiger/testbin}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

key() { cat "$here/$1/go.mod" "$here/$1/go.sum" | sha256sum | cut -c1-16; }

# build WRAPPER OUTPUT PACKAGE [LDFLAGS]
build() {
  local wrapper=$1 out=$2 pkg=$3 ldflags=${4:-}
  local dir="$cache/$wrapper-$(key "$wrapper")"
  mkdir -p "$dir"
  if [[ -x "$dir/$out" ]]; then echo "cached: $dir/$out" >&2; else
    echo "building $out from $pkg (cold builds take minutes)" >&2
    (cd "$here/$wrapper" && go build -trimpath -ldflags "-s -w $ldflags" -o "$dir/$out.tmp" "$pkg")
    mv "$dir/$out.tmp" "$dir/$out"
  fi
  mkdir -p "$cache/bin"
  ln -sf "$dir/$out" "$cache/bin/$out"
}

modversion() { awk -v m="$2" '$1==m && $2 ~ /^v/ {print $2; exit}' "$here/$1/go.mod"; }
kv=$(modversion kube k8s.io/kubernetes)
[[ -n "$kv" ]] || { echo "cannot read the k8s.io/kubernetes version from kube/go.mod" >&2; exit 1; }
kmaj=${kv#v}; kmaj=${kmaj%%.*}; kmin=${kv#v*.}; kmin=${kmin%%.*}
kflags="-X k8s.io/component-base/version.gitVersion=$kv -X k8s.io/component-base/version.gitMajor=$kmaj -X k8s.io/component-base/version.gitMinor=$kmin -X k8s.io/client-go/pkg/version.gitVersion=$kv -X k8s.io/component-base/version.gitTreeState=clean"

build etcd etcd go.etcd.io/etcd/server/v3
build kube kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$kflags"
build kube kubectl k8s.io/kubernetes/cmd/kubectl "$kflags"
build kube kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$kflags"
if [[ -d "$here/helm" ]]; then
  hv=$(modversion helm helm.sh/helm/v3)
  build helm helm helm.sh/helm/v3/cmd/helm "-X helm.sh/helm/v3/internal/version.version=$hv"
fi
echo "$cache/bin"
