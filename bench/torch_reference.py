#!/usr/bin/env python3
"""The measurements of bench_matmul and bench_add, made with PyTorch on the CPU.

    python3 bench/torch_reference.py --threads 2 [--json]

matmul: f32 square torch.matmul(a, b), n = 256, 1024, 2048; GFLOP/s counts 2 n^3 per product.
add:    f32 torch.add(a, b) of 16M elements; GB/s counts 3 * 4 bytes * 16M per add.
        "add" allocates its result each time, as silica::add does; "add_out" writes into a
        preallocated tensor (out=), for reference.
"""
import argparse
import json
import time

import torch


def seconds_per_iteration(fn, min_time):
    """Runs fn until min_time seconds have passed (after two warm-up calls)."""
    fn()
    fn()
    iterations, start = 0, time.perf_counter()
    while True:
        fn()
        iterations += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / iterations


def measure(min_time):
    gen = torch.Generator().manual_seed(42)
    rows = []
    for n in (256, 1024, 2048):
        a = torch.randn(n, n, generator=gen)
        b = torch.randn(n, n, generator=gen)
        t = seconds_per_iteration(lambda: torch.matmul(a, b), min_time)
        rows.append({"name": f"matmul/{n}", "ms": t * 1e3, "rate": 2.0 * n**3 / t * 1e-9, "unit": "GFLOP/s"})
    n = 16 << 20
    a = torch.randn(n, generator=gen)
    b = torch.randn(n, generator=gen)
    c = torch.empty(n)
    for name, fn in (("add", lambda: torch.add(a, b)), ("add_out", lambda: torch.add(a, b, out=c))):
        t = seconds_per_iteration(fn, min_time)
        rows.append({"name": f"{name}/{n}", "ms": t * 1e3, "rate": 3.0 * 4.0 * n / t * 1e-9, "unit": "GB/s"})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds per measurement (default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = measure(args.min_time)
    if args.json:
        print(json.dumps({"torch": torch.__version__, "threads": args.threads, "rows": rows}))
        return
    print(f"PyTorch {torch.__version__}, {args.threads} threads")
    print(f"| {'benchmark':<18} | {'time/iter (ms)':>14} | {'rate':>16} |")
    print(f"|{'-' * 20}|{'-' * 16}|{'-' * 18}|")
    for r in rows:
        print(f"| {r['name']:<18} | {r['ms']:>14.3f} | {r['rate']:>8.2f} {r['unit']:<7} |")


if __name__ == "__main__":
    main()
