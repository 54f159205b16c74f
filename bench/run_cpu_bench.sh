#!/usr/bin/env bash
# Silica's CPU benchmarks beside the same measurements in PyTorch, on this machine:
#   bench/run_cpu_bench.sh [THREADS] [BUILD_DIR]        (defaults: 2 threads, build/)
# Both sides are pinned to CPUs 0..THREADS-1 with taskset when it is there. They run
# ROUNDS times (default 3), alternately, and the best rate of each side is kept, which
# is less sensitive to whatever else the machine is doing. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

threads=${1:-2}
build=${2:-build}
rounds=${ROUNDS:-3}
min_time=${MIN_TIME:-1}

for b in bench_matmul bench_add; do
  if [ ! -x "$build/bin/$b" ]; then
    echo "run_cpu_bench: $build/bin/$b is missing: build with Google Benchmark (libbenchmark-dev) installed" >&2
    exit 1
  fi
done
source bench/find_python.sh
if ! find_python 'import torch'; then
  echo "run_cpu_bench: no python3 with torch (apt-get install python3-torch, or set PYTHON)" >&2
  exit 1
fi
pin=()
if command -v taskset >/dev/null && [ "$threads" -le "$(nproc)" ]; then
  pin=(taskset -c "$(seq -s, 0 $((threads - 1)))")
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  for b in bench_matmul bench_add; do
    SILICA_NUM_THREADS=$threads "${pin[@]}" "$build/bin/$b" --benchmark_format=json \
      --benchmark_min_time="$min_time" >"$out/silica_${b}_$r.json"
  done
  "${pin[@]}" "$python" bench/torch_reference.py --threads "$threads" --min-time "$min_time" --json \
    >"$out/torch_$r.json"
done

"$python" - "$out" "$threads" "${pin[*]:-not pinned}" <<'PY'
import glob, json, sys

out, threads, pin = sys.argv[1], sys.argv[2], sys.argv[3]
best = {"silica": {}, "torch": {}}  # name -> best rate

def keep(side, name, rate):
    best[side][name] = max(rate, best[side].get(name, 0.0))

for path in glob.glob(f"{out}/silica_*.json"):
    for b in json.load(open(path))["benchmarks"]:
        name = b["name"].removesuffix("/real_time")
        keep("silica", name, b.get("GFLOP", b.get("GB")))
torch_version = "?"
for path in glob.glob(f"{out}/torch_*.json"):
    report = json.load(open(path))
    torch_version = report["torch"]
    for row in report["rows"]:
        keep("torch", row["name"], row["rate"])

rows = [("matmul/256", "matmul 256x256 f32", "GFLOP/s"),
        ("matmul/1024", "matmul 1024x1024 f32", "GFLOP/s"),
        ("matmul/2048", "matmul 2048x2048 f32", "GFLOP/s"),
        ("add/16777216", "add 16M f32 (allocating)", "GB/s"),
        ("add_out/16777216", "add 16M f32 (torch out=)", "GB/s")]
print(f"Silica vs PyTorch {torch_version}, {threads} threads ({pin}), best of each side's runs\n")
print("| benchmark | Silica | PyTorch | Silica / PyTorch |")
print("|---|---:|---:|---:|")
for key, label, unit in rows:
    s, t = best["silica"].get(key), best["torch"].get(key)
    cell = lambda v: f"{v:.2f} {unit}" if v else "—"
    ratio = f"{s / t:.2f}" if s and t else "—"
    print(f"| {label} | {cell(s)} | {cell(t)} | {ratio} |")
PY
