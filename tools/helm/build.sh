#!/usr/bin/env bash
# Builds helm, kubeconform and openapi2jsonschema (this directory: a cluster's OpenAPI as kubeconform
# schemas) from the Go modules pinned in this directory and prints the directory
# holding the binaries. Cached like the control plane (tools/k8s/build.sh): keyed on go.mod, go.sum, the converter and
# this script, under PAVE_CACHE_DIR (default ~/.cache/pave), so only the first run on a machine builds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${PAVE_CACHE_DIR:-$HOME/.cache/pave}
key=$(cat "$here/go.mod" "$here/go.sum" "$here/openapi2jsonschema/main.go" "$0" | sha256sum | cut -c1-16)
out="$cache_root/helm-$key"
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi
# Tests running side by side build it once.
mkdir -p "$cache_root"
exec 9>"$cache_root/helm.lock"
flock 9
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
helm_version=$(awk '$1=="helm.sh/helm/v4"{print $2}' "$here/go.mod")
tmp="$out.tmp.$$"
rm -rf "$tmp" && mkdir -p "$tmp"
cd "$here"
start=$(date +%s)
echo "helm: building helm $helm_version and kubeconform into $out" >&2
go build -trimpath -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version" -o "$tmp/" \
  helm.sh/helm/v4/cmd/helm github.com/yannh/kubeconform/cmd/kubeconform ./openapi2jsonschema >&2
echo "helm: built in $(( $(date +%s) - start )) s" >&2
touch "$tmp/.complete"
rm -rf "$out" && mv "$tmp" "$out"
echo "$out"
