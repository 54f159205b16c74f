#!/usr/bin/env bash
# SILICA_VULKAN_PROFILE=kernels on a short training run: the table of GPU time per shader
# must come out, with the shaders a training step uses and times above zero.
#   profile.sh <silica binary> <folder for the run>
# Exit 77 (skipped) when there is no Vulkan device or no Fashion-MNIST.
set -u
silica=$1
out=$2
if ! "$silica" devices 2>/dev/null | grep -q "^  vulkan:"; then
  echo "SKIP: no Vulkan device (apt-get install mesa-vulkan-drivers)"
  exit 77
fi
if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "SKIP: no Fashion-MNIST (apt-get install dataset-fashion-mnist)"
  exit 77
fi
rm -rf "$out"
log=$(SILICA_VULKAN_PROFILE=kernels "$silica" train --model mlp --device vulkan --max-steps 3 --out "$out" 2>&1)
status=$?
echo "$log" | sed -n '/GPU time per shader/,$p'
[ $status -eq 0 ] || { echo "FAIL: silica train exited $status"; echo "$log" | tail -5; exit 1; }
for shader in matmul adam_update cross_entropy; do
  if ! echo "$log" | grep -qE "^  $shader \[[0-9]+,[0-9]+,[0-9]+\] +[0-9]+ +[0-9.]+"; then
    echo "FAIL: no row for $shader in the table"
    exit 1
  fi
done
total=$(echo "$log" | sed -n 's/^  total  *\([0-9.]*\)$/\1/p')
if [ -z "$total" ] || ! awk -v t="$total" 'BEGIN { exit !(t > 0) }'; then
  echo "FAIL: total GPU time '$total' is not above zero"
  exit 1
fi
echo "ok: $total ms of GPU time in the table"
