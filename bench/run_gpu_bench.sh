#!/usr/bin/env bash
# Silica on a GPU beside PyTorch (CUDA) on the same GPU, in one run, for docs/benchmarks.md:
#
#   bench/run_gpu_bench.sh [flags] [BUILD_DIR] [DATA_DIR]
#     BUILD_DIR  Silica build with bench_device_matmul, silica and the Vulkan plugin (default build)
#     DATA_DIR   Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
#   flags (or the environment variable in brackets):
#     --silica-device NAME  Silica's device: vulkan, vulkan:1, ... [SILICA_DEVICE_NAME, default vulkan]
#     --torch-device NAME   PyTorch's device: cuda, cuda:1, ... [TORCH_DEVICE, default cuda]
#     --n N                 matmul size [MATMUL_N, default 4096]
#     --min-time S          seconds of timed matmuls per dtype and side [MIN_TIME, default 1]
#     --threads N           CPU threads for both training loops [THREADS, default 4]
#     --skip-matmul, --skip-train
#   PYTHON=/path/to/python  the python with torch (CUDA build) and numpy, if not python3
#   SILICA_COMMIT=abc1234   the commit to report, when the build was made from another checkout
#
# What is measured:
# (a) Square matmul y = a . b, n x n, f32 / f16 / bf16: bench/bench_device_matmul.cpp beside
#     bench/torch_gpu_reference.py. Both: inputs normal(0, 1) moved to the device and cast,
#     3 warm-up calls, then timed calls (result allocated per call) until >= MIN_TIME seconds,
#     with one device synchronize after the timed loop; time per call, TFLOP/s = 2 n^3 / time.
#     PyTorch's f32 row has TF32 OFF (full f32, what Silica computes); an extra PyTorch-only
#     row gives f32 with TF32 allowed, for reference. Silica's products are first checked
#     against an f32 CPU product at n = 512 (--check), so a fast but wrong path is visible.
# (b) Fashion-MNIST training epochs, Adam 1e-3, constant learning rate: `silica train` beside
#     bench/torch_train_reference.py (the same models and input pipeline), mlp at batch 128
#     and cnn at batch 64. Each side runs 2 epochs and the SECOND is reported: the first
#     includes one-time costs (PyTorch: CUDA context, cuBLAS/cuDNN handles, lazy kernel
#     loading; Silica: Vulkan pipeline compilation, allocator growth). Both count training
#     only (test evaluation excluded); torch_train_reference.py reads the loss back to the
#     host at the same cadence as silica train, so both pay the same synchronizations.
#     s/epoch = 60000 / samples/s.
# "Silica / PyTorch" is a speed ratio: above 1 means Silica is faster.
# Where nvidia-smi is found, the GPU's SM clock and power are sampled every 200 ms while
# each side multiplies (one run per dtype), and summed up under the matmul table over the
# samples drawing at least half the power limit: large products run at the limit, where the
# driver lowers the clock, so the clock shows how much energy each side spends per FLOP.
set -euo pipefail
cd "$(dirname "$0")/.."

silica_device=${SILICA_DEVICE_NAME:-vulkan}
torch_device=${TORCH_DEVICE:-cuda}
n=${MATMUL_N:-4096}
min_time=${MIN_TIME:-1}
threads=${THREADS:-4}
do_matmul=1
do_train=1
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --silica-device) silica_device=$2; shift 2 ;;
    --torch-device) torch_device=$2; shift 2 ;;
    --n) n=$2; shift 2 ;;
    --min-time) min_time=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --skip-matmul) do_matmul=0; shift ;;
    --skip-train) do_train=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run_gpu_bench: unknown flag $1 (see --help)" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
build=${positional[0]:-build}
data=${positional[1]:-/usr/share/datasets/fashion-mnist}

die() { echo "run_gpu_bench: $*" >&2; exit 1; }

# The first python whose torch sees the device (a CPU-only torch would silently measure
# something else, so it is refused unless --torch-device cpu was asked for).
want_cuda=0
case $torch_device in cuda*) want_cuda=1 ;; esac
source bench/find_python.sh
find_python "import sys, torch, numpy; sys.exit(0 if not $want_cuda or torch.cuda.is_available() else 1)" || die "no python3 with torch and numpy$([ $want_cuda = 1 ] && echo ' whose torch sees a CUDA device') (set PYTHON=/path/to/python)"

matmul_bin=$build/bin/bench_device_matmul
silica_bin=$build/bin/silica
if [ $do_matmul = 1 ] && [ ! -x "$matmul_bin" ]; then
  die "$matmul_bin not found: cmake --build $build --target bench_device_matmul (bench/ is only configured when Google Benchmark is installed: apt-get install libbenchmark-dev)"
fi
if [ $do_train = 1 ] && [ ! -x "$silica_bin" ]; then die "$silica_bin not found: cmake --build $build --target silica-cli silica-vulkan"; fi
if [ $do_train = 1 ] && ! ls "$data"/train-images-idx3-ubyte* >/dev/null 2>&1; then die "no Fashion-MNIST in $data (pass DATA_DIR)"; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- What ran where ----
echo "# Silica vs PyTorch on a GPU, $(date -u '+%Y-%m-%d %H:%M UTC'), host $(hostname)"
echo
# SILICA_COMMIT names the build's commit where the tree here is not its checkout (a build
# carried to another machine).
commit=${SILICA_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src plugins include 2>/dev/null || echo ' (with local changes)')}
echo "- Silica: commit $commit, device --device $silica_device, build $build"
if command -v nvidia-smi >/dev/null; then
  echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1) (name, driver, memory; nvidia-smi)"
else
  echo "- GPU: nvidia-smi not found"
fi
echo "- PyTorch: $("$python" -c 'import torch; print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")') ($python), device $torch_device"
if [ -x "$silica_bin" ]; then
  echo "- Silica devices (silica devices):"
  "$silica_bin" devices 2>&1 | sed 's/^/    /'
fi
echo

# Field after a label in a line "matmul n=N DTYPE: T ms, R TFLOP/s (...)".
field() {  # field LOG DTYPE ms|TFLOP/s
  awk -v key="matmul n=$n $2:" -v unit="$3" 'index($0, key) == 1 {
      for (i = 1; i < NF; ++i) if ($(i + 1) == unit || $(i + 1) == unit ",") { print $i; exit } }' "$1"
}
# GPU clock and power while a command runs (nvidia-smi, every 200 ms): gpu_watch FILE CMD...
# runs CMD and leaves the samples in FILE; gpu_summary FILE prints one line about them.
gpu_watch() {
  local file=$1 watcher="" rc=0
  shift
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=clocks.sm,power.draw,power.limit --format=csv,noheader,nounits -lms 200 \
      >"$file" 2>/dev/null &
    watcher=$!
  fi
  "$@" || rc=$?
  if [ -n "$watcher" ]; then kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null || true; fi
  return $rc
}
gpu_summary() {
  [ -s "$1" ] || { echo "no samples"; return 0; }
  awk -F', *' '$2 + 0 >= $3 / 2 { n++; clk += $1; pw += $2; if (!min || $1 < min) min = $1; limit = $3 }
    END { if (n) printf "SM clock %.0f MHz on average (lowest %d), power %.0f W of a %.0f W limit (%d samples)\n",
            clk / n, min, pw / n, limit, n; else print "no sample at half the power limit or more" }' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }'; }
or_na() { if [ -n "$1" ]; then echo "$1"; else echo "n/a"; fi; }

# ---- (a) matmul ----
if [ $do_matmul = 1 ]; then
  echo "## matmul, n = $n (per call; TFLOP/s = 2 n^3 / time)"
  echo
  # --check exits 1 when an error is too large; the table is still printed, with a warning.
  # One dtype a run, so that the GPU's clock and power are sampled per dtype and side.
  : >"$tmp/silica_mm.log"
  : >"$tmp/torch_mm.log"
  for dt in f32 f16 bf16 f32-tf32; do
    if [ $dt != f32-tf32 ] && ! gpu_watch "$tmp/silica_gpu_$dt.csv" "$matmul_bin" --device "$silica_device" \
         --dtype $dt --n "$n" --min-time "$min_time" --check >>"$tmp/silica_mm.log" 2>&1; then
      echo "WARNING: bench_device_matmul $dt failed or its --check found errors too large" >&2
    fi
    if ! gpu_watch "$tmp/torch_gpu_$dt.csv" "$python" bench/torch_gpu_reference.py --device "$torch_device" \
         --dtype $dt --n "$n" --min-time "$min_time" >>"$tmp/torch_mm.log" 2>&1; then
      echo "WARNING: torch_gpu_reference.py $dt failed" >&2
    fi
  done
  sed 's/^/    /' "$tmp/silica_mm.log" >&2
  sed 's/^/    /' "$tmp/torch_mm.log" >&2
  echo "| dtype | Silica ms | Silica TFLOP/s | PyTorch ms | PyTorch TFLOP/s | Silica / PyTorch |"
  echo "|---|---:|---:|---:|---:|---:|"
  for dt in f32 f16 bf16; do
    s_ms=$(field "$tmp/silica_mm.log" $dt ms); s_tf=$(field "$tmp/silica_mm.log" $dt TFLOP/s)
    t_ms=$(field "$tmp/torch_mm.log" $dt ms); t_tf=$(field "$tmp/torch_mm.log" $dt TFLOP/s)
    label=$dt
    [ $dt = f32 ] && label="f32 (PyTorch TF32 off)"
    echo "| $label | $(or_na "$s_ms") | $(or_na "$s_tf") | $(or_na "$t_ms") | $(or_na "$t_tf") | $(ratio "$t_ms" "$s_ms") |"
  done
  t_ms=$(field "$tmp/torch_mm.log" f32-tf32 ms); t_tf=$(field "$tmp/torch_mm.log" f32-tf32 TFLOP/s)
  echo "| f32, PyTorch TF32 allowed (reference only) | - | - | $(or_na "$t_ms") | $(or_na "$t_tf") | - |"
  echo
  grep '^check' "$tmp/silica_mm.log" | sed 's/^/Silica /' || true
  echo
  if command -v nvidia-smi >/dev/null; then
    echo "GPU while each side multiplied (nvidia-smi every 200 ms, samples at half the power limit or more):"
    echo
    for dt in f32 f16 bf16; do
      echo "- $dt: Silica $(gpu_summary "$tmp/silica_gpu_$dt.csv"); PyTorch $(gpu_summary "$tmp/torch_gpu_$dt.csv")"
    done
    echo "- f32-tf32: PyTorch $(gpu_summary "$tmp/torch_gpu_f32-tf32.csv")"
    echo
  fi
fi

# ---- (b) training epochs ----
if [ $do_train = 1 ]; then
  echo "## Fashion-MNIST training, second of 2 epochs (training only), $threads CPU threads each"
  echo
  # samples/s at the end of a line: "..., R samples/s".
  rate() { sed -n 's/.* \([0-9.]*\) samples\/s$/\1/p' | tail -1; }
  # Seconds of a 60000-sample epoch at a rate.
  secs() { awk -v r="$1" 'BEGIN { if (r + 0 > 0) printf "%.1f", 60000 / r; else printf "n/a" }'; }
  rows=()
  for spec in "mlp 128" "cnn 64"; do
    read -r model batch <<<"$spec"
    s_rate=""; t_rate=""
    if "$silica_bin" train --model "$model" --batch-size "$batch" --epochs 2 --scheduler none --threads "$threads" \
         --device "$silica_device" --data-dir "$data" --out "$tmp/run-$model" >"$tmp/silica-$model.log" 2>&1; then
      s_rate=$(grep '^epoch 2/2:' "$tmp/silica-$model.log" | rate)
    else
      echo "WARNING: silica train $model failed; its log ends:" >&2
      tail -5 "$tmp/silica-$model.log" >&2
    fi
    grep -E '^epoch [0-9]+/[0-9]+:' "$tmp/silica-$model.log" | sed "s/^/    silica $model: /" >&2 || true
    if "$python" bench/torch_train_reference.py --model "$model" --batch-size "$batch" --epochs 2 --threads "$threads" \
         --device "$torch_device" --data-dir "$data" >"$tmp/torch-$model.log" 2>&1; then
      t_rate=$(grep '^epoch 2:' "$tmp/torch-$model.log" | rate)
    else
      echo "WARNING: torch_train_reference.py $model failed; its log ends:" >&2
      tail -5 "$tmp/torch-$model.log" >&2
    fi
    sed "s/^/    torch $model: /" "$tmp/torch-$model.log" >&2
    rows+=("| $model | $batch | $(secs "$s_rate") | $(or_na "$s_rate") | $(secs "$t_rate") | $(or_na "$t_rate") | $(ratio "$s_rate" "$t_rate") |")
  done
  echo "| model | batch | Silica s/epoch | Silica samples/s | PyTorch s/epoch | PyTorch samples/s | Silica / PyTorch speed |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
fi
