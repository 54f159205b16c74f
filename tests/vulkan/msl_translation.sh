#!/usr/bin/env bash
# Proves every embedded shader of the portable path translates to Metal Shading Language,
# as MoltenVK does on Apple Silicon (SPIRV-Cross, MSL 2.3: macOS 11, the first on Apple
# Silicon). Cooperative-matrix modules are exempt: only NVIDIA/AMD/Intel drivers run them.
#   msl_translation.sh <shader_manifest.txt>     (one .spv path per line)
# Exit 77 (skipped) when spirv-cross is not installed (apt-get install spirv-cross).
set -u
manifest=$1
if ! command -v spirv-cross >/dev/null 2>&1; then
  echo "SKIP: spirv-cross is not installed (apt-get install spirv-cross)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
checked=0
failed=0
exempt=()
while IFS= read -r spv; do
  [ -z "$spv" ] && continue
  name=$(basename "$spv" .spv)
  case "$name" in
    *coopmat*)
      exempt+=("$name: cooperative-matrix GEMM (VK_NV/KHR_cooperative_matrix, VK_NV_cooperative_matrix2), not on the portable path")
      continue ;;
  esac
  if ! spirv-cross --msl --msl-version 20300 "$spv" --output "$out/$name.metal" 2>"$out/$name.err"; then
    echo "FAIL $name: $(head -c 400 "$out/$name.err")"
    failed=$((failed + 1))
  fi
  checked=$((checked + 1))
done <"$manifest"
echo "translated $((checked - failed)) of $checked portable shaders to MSL 2.3"
if [ ${#exempt[@]} -gt 0 ]; then
  echo "exempt (${#exempt[@]}):"
  printf '  %s\n' "${exempt[@]}"
else
  echo "exempt: none"
fi
[ "$checked" -gt 0 ] && [ "$failed" -eq 0 ]
