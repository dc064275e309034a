#!/usr/bin/env bash
# Builds the pinned Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl) from upstream Go modules and prints the directory holding the binaries.
#
# Binaries are cached outside the clone, keyed on go.mod, go.sum and this script, so a second run on the
# same machine (a second CI run, a developer's rebuild) costs nothing. Override the cache root with
# PAVE_CACHE_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${PAVE_CACHE_DIR:-$HOME/.cache/pave}
key=$(cat "$here/go.mod" "$here/go.sum" "$0" | sha256sum | cut -c1-16)
out="$cache_root/k8s-$key"

if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
k8s_version=$(awk '$1=="k8s.io/kubernetes"{print $2}' "$here/go.mod")
minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-s -w
 -X k8s.io/component-base/version.gitVersion=$k8s_version
 -X k8s.io/component-base/version.gitMajor=1
 -X k8s.io/component-base/version.gitMinor=$minor
 -X k8s.io/component-base/version.gitTreeState=clean
 -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z
 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version
 -X k8s.io/client-go/pkg/version.gitMajor=1
 -X k8s.io/client-go/pkg/version.gitMinor=$minor"

tmp="$out.tmp.$$"
rm -rf "$tmp" && mkdir -p "$tmp"
cd "$here"
start=$(date +%s)
echo "k8s: building $k8s_version control plane into $out (cold: about 6 minutes on 2 cores)" >&2
go mod download
go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags "$ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl >&2
go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3 >&2
echo "k8s: built in $(( $(date +%s) - start )) s" >&2
touch "$tmp/.complete"
rm -rf "$out" && mv "$tmp" "$out"
echo "$out"
