#!/usr/bin/env bash
# Shared set-up for scripts/run.sh and scripts/test.sh: on Debian 12, installs the packages
# Silica builds, tests and trains with. Only missing packages are installed; sudo is used
# only when not running as root. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake  # compiler, make, CMake
  libopenblas-dev        # GEMM for the CPU backend
  libgtest-dev           # the tests
  libbenchmark-dev       # bench/ (optional: benchmarks are skipped without it)
  zlib1g-dev             # gzip-compressed IDX files
  libstb-dev             # PNG/JPEG decoding (stb_image)
  pkg-config libcairo2-dev  # curves.png of silica train
  dataset-fashion-mnist  # the data `silica train` uses (/usr/share/datasets/fashion-mnist)
  # The Vulkan plugin: headers, loader, shader compiler and optimizer (spirv-opt) to build
  # it; Mesa's lavapipe (a CPU Vulkan driver), validation layers, spirv-cross (the Metal
  # translation test) and vulkaninfo to test it on machines without a GPU.
  libvulkan-dev glslang-tools spirv-tools
  mesa-vulkan-drivers vulkan-validationlayers spirv-cross vulkan-tools
)

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "setup: not a Debian system; install the equivalents of: ${packages[*]}" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
