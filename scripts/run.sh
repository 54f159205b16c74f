#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is missing, builds Silica
# (Release) into build/, and shows the devices it found.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh "${SILICA_BUILD_DIR:-build}" -DCMAKE_BUILD_TYPE=Release "$@"
"${SILICA_BUILD_DIR:-build}"/bin/silica devices
