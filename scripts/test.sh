#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is missing, builds Silica into
# build/, and runs the whole test suite. Extra arguments go to CMake (CI passes
# -DSILICA_WERROR=ON).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${SILICA_BUILD_DIR:-build}
scripts/setup.sh
scripts/build.sh "$dir" "$@"
ctest --test-dir "$dir" --output-on-failure -j2
