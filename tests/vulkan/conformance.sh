#!/usr/bin/env bash
# The conformance suite on the first Vulkan device (on CI: Mesa's lavapipe), with the
# Khronos validation layer on when it is installed; any validation message fails its row.
# Rows whose case needs a dtype the device cannot hold (f64) are skipped by the runner.
#   conformance.sh <silica-conformance binary>
# Exit 77 (skipped) when vulkaninfo finds no Vulkan device.
set -u
bin=$1
shift
if ! command -v vulkaninfo >/dev/null 2>&1; then
  echo "SKIP: vulkaninfo is not installed (apt-get install vulkan-tools)"
  exit 77
fi
summary=$(vulkaninfo --summary 2>/dev/null)
if ! grep -q "deviceName" <<<"$summary"; then
  echo "SKIP: vulkaninfo finds no Vulkan device (apt-get install mesa-vulkan-drivers for lavapipe)"
  exit 77
fi
if grep -q "VK_LAYER_KHRONOS_validation" <<<"$summary"; then
  export SILICA_VULKAN_VALIDATION=1
  echo "validation layer: on"
else
  echo "validation layer: not installed (apt-get install vulkan-validationlayers); running without it"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$bin" --device vulkan "$@" >"$log" 2>&1
grep -E "^(conformance on|FAIL|[0-9]+ passed)" "$log"
if ! grep -qE "^[0-9]+ passed, [0-9]+ failed" "$log"; then
  echo "the suite did not finish:"
  tail -20 "$log"
  exit 1
fi
if ! grep -qE "^[0-9]+ passed, 0 failed" "$log"; then
  exit 1
fi
