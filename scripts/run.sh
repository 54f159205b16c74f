#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is missing, builds Silica
# (Release) into build/, shows the devices it found, and trains the default model on
# Fashion-MNIST on the best device. Arguments go to `silica train`, e.g.
#   ./scripts/run.sh --model mlp --epochs 3
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${SILICA_BUILD_DIR:-build}
scripts/setup.sh
scripts/build.sh "$dir" -DCMAKE_BUILD_TYPE=Release
"$dir"/bin/silica devices
echo
"$dir"/bin/silica train "$@"
