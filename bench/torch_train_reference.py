#!/usr/bin/env python3
"""One Fashion-MNIST training epoch in PyTorch, the same models, batches and optimizer as
`silica train`, for a side-by-side epoch-time comparison (bench/run_train_bench.sh).

    python3 bench/torch_train_reference.py --model cnn --batch-size 64 --threads 2 \
        --data-dir /usr/share/datasets/fashion-mnist [--device cpu|cuda] [--epochs 1]

Prints one line per epoch: "epoch E: train loss L, S s, R samples/s" (training only, like
the samples/s of silica train's epoch line).
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise SystemExit(f"torch_train_reference: {stem} not found in {data_dir}")


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "cnn"], default="cnn")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    images = torch.from_numpy(read_idx(find(args.data_dir, "train-images-idx3-ubyte")).copy())
    labels = torch.from_numpy(read_idx(find(args.data_dir, "train-labels-idx1-ubyte")).astype(np.int64))
    net = model(args.model).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    n = images.shape[0]
    print(f"torch {torch.__version__}, {args.model}, batch {args.batch_size}, {torch.get_num_threads()} threads, "
          f"{device}", flush=True)
    for epoch in range(args.epochs):
        order = torch.randperm(n)
        start = time.perf_counter()
        total = 0.0
        pending = []  # per-step losses on the device, read back every 100 steps as silica train does
        for b in range(0, n, args.batch_size):
            idx = order[b:b + args.batch_size]
            # The same input pipeline as silica train: u8 -> f32, normalize, (B, 1, 28, 28).
            x = ((images[idx].to(device).float() / 255.0 - 0.2860) / 0.3530).unsqueeze(1)
            y = labels[idx].to(device)
            loss = loss_fn(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            pending.append(loss.detach() * x.shape[0])
            if len(pending) == 100:
                total += torch.stack(pending).sum().item()
                pending = []
        if pending:
            total += torch.stack(pending).sum().item()
        seconds = time.perf_counter() - start
        print(f"epoch {epoch + 1}: train loss {total / n:.4f}, {seconds:.2f} s, {n / seconds:.0f} samples/s",
              flush=True)


if __name__ == "__main__":
    main()
