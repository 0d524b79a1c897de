#!/usr/bin/env python3
"""PyTorch (CPU, one thread, pinned to one core) on bfloat16 logits with float32 results — what
`crosscheck bench --format bfloat16 --output-format float32` times for CrossCheck:

    softmax / log_softmax   torch.softmax(x, dim=-1, dtype=torch.float32) (log_softmax alike)
    cross_entropy           F.cross_entropy(x.float(), y)            (mean over class indices)
    cross_entropy_grad      the same, then backward: loss and dL/dz in float32

Logits N(0, 3²) rounded to bfloat16, uniform class indices; million elements per CPU second,
median of 15 samples of at least 50 ms each.

    pip install torch && python3 Benchmarks/torch_mixed_precision.py
"""
import os
import statistics
import time

if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
import torch  # noqa: E402

torch.set_num_threads(1)


def speed(f, elements):
    for _ in range(5):
        f()
    samples = []
    for _ in range(15):
        start, calls = time.process_time(), 0
        while time.process_time() - start < 0.05:
            f()
            calls += 1
        samples.append((time.process_time() - start) / calls)
    return elements / statistics.median(samples) / 1e6


def main():
    print(f"# PyTorch {torch.__version__}, bfloat16 logits -> float32 results, M elements per CPU second")
    for rows, classes in [(4096, 1024), (64, 32768)]:
        g = torch.Generator().manual_seed(0)
        x = (torch.randn(rows, classes, generator=g) * 3).to(torch.bfloat16)
        y = torch.randint(0, classes, (rows,), generator=g)

        def gradient():
            xf = x.float().requires_grad_(True)
            torch.nn.functional.cross_entropy(xf, y).backward()
            return xf.grad

        cases = [
            ("softmax", lambda: torch.softmax(x, dim=-1, dtype=torch.float32)),
            ("log_softmax", lambda: torch.log_softmax(x, dim=-1, dtype=torch.float32)),
            ("cross_entropy", lambda: torch.nn.functional.cross_entropy(x.float(), y)),
            ("cross_entropy_grad", gradient),
        ]
        for name, f in cases:
            print(f"{name} {rows} x {classes}: {speed(f, rows * classes):.0f}")


if __name__ == "__main__":
    main()
