#!/usr/bin/env python3
"""Square matmul y = a @ b (n x n) in PyTorch on a GPU, the same measurement as
bench/bench_device_matmul.cpp, for a side-by-side comparison (bench/run_gpu_bench.sh).

    python3 bench/torch_gpu_reference.py [--device cuda] [--dtype f32,f16,bf16,f32-tf32]
                                         [--n 4096] [--batch 1] [--min-time 1] [--layout nn]
                                         [--op matmul|copy] [--shape MxNxK]

Prints one line per dtype, in bench_device_matmul's format:
    matmul n=4096 f16: 1.234 ms, 111.4 TFLOP/s (device cuda:0 (NVIDIA H100 80GB HBM3))

--layout tn|nt|tt stores a and/or b transposed (column-major views, as in a backward pass;
"layout=.." in the line). FLOP = 2 n^3, times the batch (--batch B: (B, n, n) operands,
"n=... batch=B" lines). Each timed call allocates its result (torch.matmul without out=),
and the device is synchronized once after the timed loop, so the time is device
throughput with the host's launches overlapped, as on the Silica side. --shape MxNxK
multiplies (M x K) by (K x N) instead ("MxNxK=..." lines, FLOP 2 M N K).

f32 is measured with TF32 OFF (torch.backends.cuda.matmul.fp32_precision = "ieee" on
torch >= 2.9, allow_tf32 = False before: full f32 products, what Silica's f32 matmul
computes; the line ends with the setting that was in force). The extra row "f32-tf32" is f32 with TF32
allowed (PyTorch may round inputs to 10-bit mantissas on tensor cores) for reference only;
it is not the same arithmetic as Silica's f32. f16 and bf16 use PyTorch's defaults
(reduced-precision reductions allowed, as cuBLAS does by default).

--op copy times a.clone(memory_format=torch.contiguous_format) instead, as
bench_device_matmul --op copy does (with --layout tn a transposed copy): "copy ..." lines
in GB/s read and written (2 n^2 elements, times the batch).

--device cpu works too (a smoke test where there is no GPU).
"""
import argparse
import math
import time

import torch

DTYPES = {"f32": torch.float32, "f32-tf32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_label(device):
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return str(device)


def has_fp32_precision():
    # PyTorch >= 2.9 has matmul.fp32_precision ("ieee" or "tf32"), warns on the older
    # allow_tf32 and refuses a mix of the two. Older torch raises AssertionError (not
    # AttributeError) for unknown attributes here, so hasattr() cannot ask.
    try:
        torch.backends.cuda.matmul.fp32_precision
        return True
    except (AttributeError, AssertionError):
        return False


def set_tf32(allowed):
    # Only the matmul switch: convolutions are not measured here.
    if has_fp32_precision():
        torch.backends.cuda.matmul.fp32_precision = "tf32" if allowed else "ieee"
    else:
        torch.backends.cuda.matmul.allow_tf32 = allowed


def tf32_state():
    if has_fp32_precision():
        return f"fp32_precision={torch.backends.cuda.matmul.fp32_precision}"
    return f"allow_tf32={torch.backends.cuda.matmul.allow_tf32}"


def seconds_per_call(op, min_time, device):
    # Warm-up: cuBLAS handle and workspace creation, kernel selection, clocks ramping up.
    for _ in range(3):
        op()
    sync(device)
    # Grow the iteration count like bench_device_matmul.cpp: aim for 1.4x min_time from the
    # last round, at most 10x per round, until one round lasts min_time.
    iters = 1
    while True:
        start = time.perf_counter()
        for _ in range(iters):
            op()  # allocates the result each call
        sync(device)
        seconds = time.perf_counter() - start
        if seconds >= min_time or iters >= 1 << 30:
            return seconds / iters
        per_call = max(seconds, 1e-9) / iters
        iters = min(max(math.ceil(1.4 * min_time / per_call), iters + 1), iters * 10)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda", help="cuda, cuda:1, cpu (default cuda)")
    ap.add_argument("--dtype", default="f32,f16,bf16,f32-tf32",
                    help="comma-separated of f32 (TF32 off), f16, bf16, f32-tf32 (default: all)")
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--batch", type=int, default=1, help="products of n x n matrices per call")
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--layout", default="nn", choices=["nn", "tn", "nt", "tt"],
                    help="t: that operand stored transposed, as a column-major view (default nn)")
    ap.add_argument("--op", default="matmul", choices=["matmul", "copy"],
                    help="copy: a.clone() into a contiguous tensor instead of the product")
    ap.add_argument("--shape", default="", help="MxNxK: multiply (M x K) by (K x N) instead of n x n matrices")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads for --device cpu (default: torch's)")
    args = ap.parse_args()
    names = [d for d in args.dtype.split(",") if d]
    for name in names:
        if name not in DTYPES:
            ap.error(f"unknown --dtype {name!r} (one of {', '.join(DTYPES)})")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"torch_gpu_reference: torch {torch.__version__} sees no CUDA device "
                         f"(built with CUDA {torch.version.cuda}); use --device cpu for a smoke test")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    label = device_label(device)
    if args.batch < 1:
        ap.error("--batch must be at least 1")
    if args.shape:
        try:
            m, n, k = (int(v) for v in args.shape.split("x"))
        except ValueError:
            ap.error(f"--shape {args.shape!r}: expected MxNxK, e.g. 4224x4096x4096")
        if min(m, n, k) < 1 or args.op == "copy":
            ap.error("--shape takes three positive sizes, for --op matmul")
    else:
        m = n = k = args.n
    flop = 2.0 * m * n * k * args.batch
    batch = (args.batch,) if args.batch > 1 else ()
    size = ((f"MxNxK={m}x{n}x{k}" if args.shape else f"n={args.n}") + (f" batch={args.batch}" if args.batch > 1 else "") +
            (f" layout={args.layout}" if args.layout != "nn" else ""))
    gen = torch.Generator().manual_seed(0)
    # Inputs normal(0, 1) drawn in f32 on the CPU, moved to the device, then cast there.
    a32 = torch.randn(*batch, m, k, generator=gen).to(device)
    b32 = torch.randn(*batch, k, n, generator=gen).to(device)
    print(f"torch {torch.__version__} (CUDA {torch.version.cuda}, cuDNN "
          f"{torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None}), {label}", flush=True)
    for name in names:
        set_tf32(name == "f32-tf32")
        a, b = a32.to(DTYPES[name]), b32.to(DTYPES[name])
        # A transposed operand: the same values laid out column-major (a view, as Silica's).
        if args.layout[0] == "t":
            a = a.mT.contiguous().mT
        if args.layout[1] == "t":
            b = b.mT.contiguous().mT
        if args.op == "copy":
            seconds = seconds_per_call(lambda: a.clone(memory_format=torch.contiguous_format), args.min_time, device)
            print(f"copy {size} {name}: {seconds * 1e3:.4g} ms, "
                  f"{2 * a.numel() * a.element_size() / seconds * 1e-9:.4g} GB/s (device {label})", flush=True)
            continue
        try:
            seconds = seconds_per_call(lambda: torch.matmul(a, b), args.min_time, device)
        except RuntimeError as e:  # e.g. f16 matmul on the CPU of an older torch
            print(f"matmul {size} {name}: not supported (device {label}): {str(e).splitlines()[0]}", flush=True)
            continue
        note = f", {tf32_state()}" if DTYPES[name] == torch.float32 else ""
        print(f"matmul {size} {name}: {seconds * 1e3:.4g} ms, {flop / seconds * 1e-12:.4g} TFLOP/s "
              f"(device {label}{note})", flush=True)
    set_tf32(False)


if __name__ == "__main__":
    main()
