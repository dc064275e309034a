#!/usr/bin/env bash
# Builds, without any registry, the container images Pave's pipelines and tests run, and loads them into
# podman:
#   localhost/pave-pipeline-utility:dev    busybox shell and coreutils (and /usr/bin/env), kubectl, yq, CA certificates
#     also tagged ghcr.io/syntasso/kratix-pipeline-utility:v0.0.1, the name Kratix pipelines use; runs as
#     root unless the pod says otherwise, and as user nonroot (65532, HOME /home/nonroot) when it does
#   localhost/pave:dev                     the pave binary (and the shared libraries it needs), CA certificates;
#     runs as nonroot (65532:65532), as Kratix's adapter image does, so runAsNonRoot pods accept it;
#     built when PAVE_BINARY names a built pave (tools/images/build.sh is run so by the tests)
# Everything comes from Debian packages (busybox-static, ca-certificates) and from binaries built here
# (kubectl from tools/k8s, yq from this module). An image is rebuilt only when its inputs change.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache_root=${PAVE_CACHE_DIR:-$HOME/.cache/pave}
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# Test binaries running side by side (ctest -j2) build the images at the same time: one at a time here, so
# the second finds the first's images up to date instead of importing them again over it.
mkdir -p "$cache_root"
exec 9>"$cache_root/images.lock"
flock 9

k8s_bin=$("$root/tools/k8s/build.sh")

# yq, cached like the control plane: keyed on this module's go.sum.
yq_key=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)
yq="$cache_root/yq-$yq_key/yq"
if [[ ! -x $yq ]]; then
  echo "images: building yq" >&2
  mkdir -p "$(dirname "$yq")"
  (cd "$here" && go build -trimpath -ldflags "-s -w" -o "$yq.tmp" github.com/mikefarah/yq/v4 && mv "$yq.tmp" "$yq")
fi

# The image a rebuild replaces would stay behind untagged: it is removed once nothing names it (a container
# still using it keeps it, and that is fine).
remove_replaced() { [[ -z $1 ]] || podman rmi "$1" >/dev/null 2>&1 || true; }

utility_hash=$(cat /bin/busybox "$k8s_bin/kubectl" "$yq" /etc/ssl/certs/ca-certificates.crt "$0" | sha256sum | cut -c1-16)
image=localhost/pave-pipeline-utility:dev
if [[ $(podman image inspect --format '{{index .Labels "io.pave.hash"}}' "$image" 2>/dev/null || true) == "$utility_hash" ]]; then
  echo "images: $image is up to date" >&2
else
  echo "images: building $image" >&2
  replaced_utility=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs"/{bin,usr/bin,etc/ssl/certs,tmp,root,proc,sys,dev,var/run/secrets,kratix,home/nonroot}
  chmod 1777 "$rootfs/tmp"
  chown 65532:65532 "$rootfs/home/nonroot"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ -e "$rootfs/bin/$applet" ]] || ln -s busybox "$rootfs/bin/$applet"
  done
  # Scripts start with #!/usr/bin/env sh (Kratix's scaffolds do).
  ln -s /bin/busybox "$rootfs/usr/bin/env"
  cp "$k8s_bin/kubectl" "$yq" "$rootfs/usr/bin/"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
    > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  tar -C "$rootfs" -cf "$rootfs.tar" .
  podman import --quiet \
    --change 'ENV PATH=/usr/bin:/bin' --change 'CMD ["/bin/sh"]' --change 'WORKDIR /' \
    --change "LABEL io.pave.hash=$utility_hash" \
    "$rootfs.tar" "$image" >/dev/null
  rm -f "$rootfs.tar"
fi
podman tag "$image" ghcr.io/syntasso/kratix-pipeline-utility:v0.0.1
remove_replaced "${replaced_utility:-}"

# The Pave image: the one binary and exactly the shared libraries it links, nothing else.
if [[ -n ${PAVE_BINARY:-} ]]; then
  libs=$(ldd "$PAVE_BINARY" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | sort -u)
  pave_hash=$(cat "$PAVE_BINARY" $libs /etc/ssl/certs/ca-certificates.crt "$0" | sha256sum | cut -c1-16)
  pave_image=localhost/pave:dev
  if [[ $(podman image inspect --format '{{index .Labels "io.pave.hash"}}' "$pave_image" 2>/dev/null || true) != "$pave_hash" ]]; then
    echo "images: building $pave_image" >&2
    replaced_pave=$(podman image inspect --format '{{.Id}}' "$pave_image" 2>/dev/null || true)
    prootfs=$(mktemp -d)
    mkdir -p "$prootfs"/{usr/bin,etc/ssl/certs,tmp,proc,sys,dev,var/cache/pave,home/nonroot}
    chmod 1777 "$prootfs/tmp"
    chown 65532:65532 "$prootfs/var/cache/pave" "$prootfs/home/nonroot"
    strip --strip-unneeded -o "$prootfs/usr/bin/pave" "$PAVE_BINARY"
    for lib in $libs; do mkdir -p "$prootfs$(dirname "$lib")" && cp -L "$lib" "$prootfs$lib"; done
    cp /etc/ssl/certs/ca-certificates.crt "$prootfs/etc/ssl/certs/"
    printf 'root:x:0:0:root:/:/usr/bin/pave\nnonroot:x:65532:65532:nonroot:/home/nonroot:/usr/bin/pave\n' > "$prootfs/etc/passwd"
    printf 'root:x:0:\nnonroot:x:65532:\n' > "$prootfs/etc/group"
    tar -C "$prootfs" -cf "$prootfs.tar" .
    podman import --quiet --change 'ENTRYPOINT ["/usr/bin/pave"]' --change 'CMD ["controller"]' --change 'USER 65532:65532' \
      --change "LABEL io.pave.hash=$pave_hash" "$prootfs.tar" "$pave_image" >/dev/null
    rm -rf "$prootfs" "$prootfs.tar"
    remove_replaced "$replaced_pave"
  else
    echo "images: $pave_image is up to date" >&2
  fi
fi
echo "$image"
