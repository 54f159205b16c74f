#!/usr/bin/env bash
# Configures and builds Silica: scripts/build.sh [BUILD_DIR] [-DOPTION=VALUE ...]
# BUILD_DIR defaults to build/ (Release). SILICA_JOBS sets the parallel jobs (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
  dir=$1
  shift
fi
cmake -S . -B "$dir" "$@"
cmake --build "$dir" -j "${SILICA_JOBS:-$(nproc)}"
