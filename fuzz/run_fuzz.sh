#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, the whole core instrumented) and runs
# each for SECONDS on a scratch copy of its seed corpus (fuzz/corpus/<target> is never
# modified). Exits non-zero on the first finding; the crashing input is kept in
# BUILD_DIR/findings/ and can be replayed with `BUILD_DIR/bin/fuzz_<target> <file>`.
#
#   fuzz/run_fuzz.sh [SECONDS=60] [BUILD_DIR=build-fuzz]
#
# Needs clang with libFuzzer (Debian: apt-get install clang) plus the core's build
# dependencies. The first build of the instrumented core takes a few minutes on 2 cores.
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$root/build-fuzz}
jobs=${JOBS:-2}

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -DSILICA_FUZZ=ON \
  -DSILICA_BUILD_TESTS=OFF -DSILICA_BUILD_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs" --target fuzz_idx fuzz_safetensors

mkdir -p "$build/findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for target in idx safetensors; do
  scratch="$build/corpus/$target"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  echo "== fuzz_$target for ${seconds}s"
  # New interesting inputs go to the first (scratch) folder; the seeds are read only.
  status=0
  "$build/bin/fuzz_$target" "$scratch" "$root/fuzz/corpus/$target" \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/findings/$target-" >"$build/fuzz_$target.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$build/fuzz_$target.log" >&2
    echo "fuzz_$target found a problem (exit $status); input in $build/findings/, log in $build/fuzz_$target.log" >&2
    exit "$status"
  fi
  grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' "$build/fuzz_$target.log"
done
echo "fuzzing: no findings"
