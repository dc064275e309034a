#!/usr/bin/env bash
# Installs every Debian package Pave needs to build, test and run locally. Idempotent: packages already
# present are left alone, and apt-get update runs only when something is missing.
set -euo pipefail

packages=(
  # toolchain; clang-19 builds the libFuzzer targets (scripts/fuzz.sh)
  build-essential cmake ninja-build ccache pkg-config git ca-certificates openssl clang-19 libclang-rt-19-dev
  # C++ libraries (see README.md's dependency table)
  libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  prometheus-cpp-dev libssl-dev libgit2-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  librapidcheck-dev libcpp-httplib-dev zlib1g-dev libpugixml-dev
  # tools used by scripts and tests
  procps psmisc curl python3-venv
  # iproute2: the helm e2e test gives its two Nodes addresses of their own (198.18.0.x on lo)
  iproute2
  # containers for the pod runner: podman with runc (crun cannot run on these hosts' cgroup v1 hybrid)
  podman runc conmon uidmap slirp4netns fuse-overlayfs catatonit containernetworking-plugins busybox-static
  # real Git servers for state-store tests: git-http-backend behind nginx (fcgiwrap), basic auth
  nginx-light fcgiwrap apache2-utils openssh-server openssh-client
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present"
fi

# npm packages: the S3 server for state-store tests (tools/s3), installed from its lock file.
s3_dir="$(cd "$(dirname "$0")/.." && pwd)/tools/s3"
stamp="$s3_dir/node_modules/.pave-lock-sha"
want=$(sha256sum "$s3_dir/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "install-deps: npm ci in tools/s3"
  (cd "$s3_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

# PyPI packages: moto's S3 server (tools/moto), which minio-go clients such as Flux's Bucket source work with,
# in a virtual environment of its own, from the frozen requirements.
moto_dir="$(cd "$(dirname "$0")/.." && pwd)/tools/moto"
stamp="$moto_dir/.venv/.pave-requirements-sha"
want=$( (cat "$moto_dir/requirements.txt"; python3 --version) | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]] || ! "$moto_dir/.venv/bin/python" -c 'import moto.server' 2>/dev/null; then
  echo "install-deps: pip install in tools/moto/.venv"
  rm -rf "$moto_dir/.venv"
  python3 -m venv "$moto_dir/.venv"
  "$moto_dir/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$moto_dir/requirements.txt"
  echo "$want" > "$stamp"
fi
