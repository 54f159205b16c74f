#!/usr/bin/env bash
# Epoch time of `silica train` beside the same training loop in PyTorch, on this machine:
#   bench/run_train_bench.sh [THREADS] [BUILD_DIR] [DATA_DIR]
# mlp with batch 128 and cnn with batch 64, Adam 1e-3, constant learning rate, one epoch
# each, both sides pinned to CPUs 0..THREADS-1 (taskset) and given THREADS threads.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
build=${2:-build}
data=${3:-/usr/share/datasets/fashion-mnist}
source bench/find_python.sh
if ! find_python 'import torch, numpy'; then
  echo "run_train_bench: no python3 with torch and numpy (apt-get install python3-torch, or set PYTHON)" >&2
  exit 1
fi
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "$(seq -s, 0 $((threads - 1)))"); fi

rate() { sed -n 's/.* \([0-9.]*\) samples\/s$/\1/p' | tail -1; }
secs() { sed -n 's/.*[|,] \([0-9.]*\) s, [0-9.]* samples\/s$/\1/p' | tail -1; }

echo "| model | batch | Silica s/epoch | Silica samples/s | PyTorch s/epoch | PyTorch samples/s | Silica / PyTorch speed |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for spec in "mlp 128" "cnn 64"; do
  set -- $spec
  out=$(mktemp -d)
  "${pin[@]}" "$build/bin/silica" train --model "$1" --batch-size "$2" --epochs 1 --scheduler none \
    --threads "$threads" --device cpu --data-dir "$data" --out "$out/run" >"$out/silica.log" 2>&1
  s_line=$(grep '^epoch 1/1:' "$out/silica.log")
  s_rate=$(echo "$s_line" | sed -n 's/.* \([0-9.]*\) samples\/s$/\1/p')
  "${pin[@]}" "$python" bench/torch_train_reference.py --model "$1" --batch-size "$2" --threads "$threads" \
    --data-dir "$data" >"$out/torch.log" 2>&1
  t_line=$(grep '^epoch 1:' "$out/torch.log")
  t_rate=$(echo "$t_line" | sed -n 's/.* \([0-9.]*\) samples\/s$/\1/p')
  s_sec=$(python3 -c "print(f'{60000/$s_rate:.1f}')")
  t_sec=$(python3 -c "print(f'{60000/$t_rate:.1f}')")
  ratio=$(python3 -c "print(f'{$s_rate/$t_rate:.2f}')")
  echo "| $1 | $2 | $s_sec | $s_rate | $t_sec | $t_rate | $ratio |"
  head -1 "$out/torch.log" >&2
  rm -rf "$out"
done
