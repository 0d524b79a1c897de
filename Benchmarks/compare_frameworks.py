#!/usr/bin/env python3
"""Side-by-side speed of CrossCheck's fast paths, JAX (jit) and PyTorch (CPU) on the same shapes.

For each function x format x shape, in rounds (interleaved, so that a noisy machine slows all three
alike): `crosscheck bench` prints its median elements per second; JAX and PyTorch are timed here
the same way (warm-up, then the median of repeated calls, over wall-clock time and over process CPU
time; the second is what other processes on a shared machine do not disturb). All single-threaded and on one core:
the script pins itself (and so the crosscheck subprocesses) to one CPU, crosscheck runs with
--threads 1, PyTorch with torch.set_num_threads(1), JAX with XLA's CPU thread pools set to one
thread (XLA_FLAGS, set before JAX is imported; JAX still starts helper threads, hence the pin). Prints a Markdown table with the ratio of
CrossCheck to the faster of the two and the issue's target.

    pip install jax jaxlib            # PyTorch (large) is optional: pip install torch
                                      # (bfloat16 arrays come from ml_dtypes, a JAX dependency)
    swift build -c release --product crosscheck
    python3 Benchmarks/compare_frameworks.py [--crosscheck .build/release/crosscheck] [--rounds 3]

Functions (the protocol's names): softmax, log_softmax, cross_entropy (mean loss over class
indices, no gradient), cross_entropy_grad (loss and dL/dz from one call: jax.value_and_grad,
torch forward + backward).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

# Single core for everything: XLA starts worker threads whatever its flags say, so the process (and
# the crosscheck subprocesses, which inherit it) is pinned to one CPU before JAX is imported.
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

SHAPES = [(4096, 1024), (64, 32768)]
FUNCTIONS = ["softmax", "log_softmax", "cross_entropy", "cross_entropy_grad"]
FORMATS = ["float32", "float64", "float16", "bfloat16"]

# The targets: (function, format, shape) -> ratio to the faster of JAX and PyTorch.
TARGETS = {}
for shape in SHAPES:
    TARGETS[("softmax", "float32", shape)] = 1.0
    TARGETS[("cross_entropy_grad", "float32", shape)] = 2.0
    for fmt in ("float64", "float16"):
        TARGETS[("softmax", fmt, shape)] = 1.0
        TARGETS[("cross_entropy_grad", fmt, shape)] = 2.0
    # bfloat16 (issue 12): softmax, log_softmax and the loss at least as fast, the fused loss and
    # gradient twice as fast as the faster peer.
    for function, target in (("softmax", 1.0), ("log_softmax", 1.0), ("cross_entropy", 1.0), ("cross_entropy_grad", 2.0)):
        TARGETS[(function, "bfloat16", shape)] = target
TARGETS[("log_softmax", "float32", (4096, 1024))] = 1.0
TARGETS[("cross_entropy", "float32", (64, 32768))] = 1.0
TARGETS[("cross_entropy", "float32", (4096, 1024))] = 1.0


def dtype(fmt):
    """The NumPy dtype of a format (bfloat16 from ml_dtypes, which JAX installs)."""
    if fmt == "bfloat16":
        import ml_dtypes

        return ml_dtypes.bfloat16
    return np.dtype(fmt)


def rates(call, elements, repeats, min_seconds=0.05):
    """(median over wall time, best wall time, median over process CPU time) in elements/s,
    measured as `crosscheck bench` does: warm-up for 0.2 s, then `repeats` samples of as many calls
    as fill `min_seconds`. CPU time counts every thread of this process (JAX's pools too)."""
    call()
    start = time.perf_counter()
    while time.perf_counter() - start < 0.2:
        call()
    wall, cpu = [], []
    for _ in range(repeats):
        calls = 0
        start, cpu_start = time.perf_counter(), time.process_time()
        while True:
            call()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        wall.append(elements * calls / elapsed)
        cpu.append(elements * calls / max(time.process_time() - cpu_start, 1e-9))
    return statistics.median(wall), max(wall), statistics.median(cpu)


class Jax:
    name = "JAX"

    def __init__(self):
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        self.jax, self.jnp = jax, jnp
        self.version = jax.__version__

        def loss(z, y):
            logp = jax.nn.log_softmax(z, axis=-1)
            return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=-1))

        self.fns = {
            "softmax": jax.jit(lambda z, y: jax.nn.softmax(z, axis=-1)),
            "log_softmax": jax.jit(lambda z, y: jax.nn.log_softmax(z, axis=-1)),
            "cross_entropy": jax.jit(loss),
            "cross_entropy_grad": jax.jit(jax.value_and_grad(loss)),
        }

    def prepare(self, function, z, y):
        zj, yj = self.jnp.asarray(z), self.jnp.asarray(y)
        f = self.fns[function]
        return lambda: self.jax.block_until_ready(f(zj, yj))


class Torch:
    name = "PyTorch"

    def __init__(self):
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(1)
        self.torch, self.F = torch, F
        self.version = torch.__version__

    def prepare(self, function, z, y):
        torch, F = self.torch, self.F
        if z.dtype.name == "bfloat16":  # NumPy holds it through ml_dtypes; torch.from_numpy does not
            zt = torch.from_numpy(z.astype(np.float32)).to(torch.bfloat16)
        else:
            zt = torch.from_numpy(z)
        yt = torch.from_numpy(y)
        if function == "softmax":
            return lambda: torch.softmax(zt, -1)
        if function == "log_softmax":
            return lambda: torch.log_softmax(zt, -1)
        if function == "cross_entropy":
            return lambda: F.cross_entropy(zt, yt)
        zg = zt.clone().requires_grad_(True)

        def step():
            zg.grad = None
            loss = F.cross_entropy(zg, yt)
            loss.backward()
            return loss, zg.grad

        return step


def crosscheck_rate(binary, function, fmt, rows, classes, repeats):
    run = subprocess.run(
        [binary, "bench", "--function", function, "--format", fmt, "--rows", str(rows), "--classes", str(classes),
         "--threads", "1", "--repeats", str(repeats)],
        capture_output=True, text=True,
    )
    if run.returncode != 0:
        sys.exit(f"error: {binary} bench failed (exit status {run.returncode}): {run.stderr.strip()}")
    line = json.loads(run.stdout.strip().splitlines()[-1])
    return (line["elements_per_second"], line["elements_per_second_best"], line["elements_per_cpu_second"]), line["isa"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crosscheck", default=".build/release/crosscheck", help="the crosscheck binary")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per case (median reported)")
    parser.add_argument("--repeats", type=int, default=5, help="timed samples per measurement")
    parser.add_argument("--function", nargs="*", default=FUNCTIONS, choices=FUNCTIONS)
    parser.add_argument("--format", nargs="*", default=FORMATS, choices=FORMATS)
    parser.add_argument("--only-targets", action="store_true", help="only the cases the issue sets a target for")
    parser.add_argument("--json", help="also write the measurements to this file (JSON lines)")
    args = parser.parse_args()
    if not (os.path.isfile(args.crosscheck) and os.access(args.crosscheck, os.X_OK)):
        parser.error(f"no crosscheck binary at {args.crosscheck} (swift build -c release --product crosscheck)")
    if args.rounds < 1 or args.repeats < 1:
        parser.error("--rounds and --repeats must be >= 1")

    frameworks = []
    for cls in (Jax, Torch):
        try:
            frameworks.append(cls())
        except ImportError as error:
            print(f"note: {cls.name} is not installed ({error}); its column is empty", file=sys.stderr)

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = ", ".join(f"{fw.name} {fw.version}" for fw in frameworks) or "no framework"
    print(f"# {datetime.date.today().isoformat()} · {cpu} · {os.cpu_count()} cores · {platform.system()} {platform.machine()} · {versions}")
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"# elements per second (M/s), single thread; wall: median over samples, median of {args.rounds} interleaved rounds;")
    print(f"# cpu: the same over process CPU time (unaffected by other processes; load average at start {load:.1f})")
    print()
    names = [fw.name for fw in frameworks]
    header = (["function", "format", "rows × classes", "CrossCheck"] + names + ["ratio", "target", "met"]
              + ["CrossCheck cpu"] + [f"{n} cpu" for n in names] + ["ratio cpu", "met cpu"])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    log = open(args.json, "w") if args.json else None
    rng = np.random.default_rng(1)
    for rows, classes in SHAPES:
        for fmt in args.format:
            z = (rng.standard_normal((rows, classes)) * 3).astype(dtype(fmt))
            y = rng.integers(0, classes, rows)
            for function in args.function:
                target = TARGETS.get((function, fmt, (rows, classes)))
                if args.only_targets and target is None:
                    continue
                ours, theirs = [], {n: [] for n in names}
                isa = "?"
                for _ in range(args.rounds):
                    measured, isa = crosscheck_rate(args.crosscheck, function, fmt, rows, classes, args.repeats)
                    ours.append(measured)
                    for fw in frameworks:
                        try:
                            theirs[fw.name].append(rates(fw.prepare(function, z, y), rows * classes, args.repeats))
                        except Exception as error:  # an op a framework lacks for this dtype
                            print(f"note: {fw.name} {function} {fmt}: {error}", file=sys.stderr)
                cells = [function, fmt, f"{rows} × {classes}"]
                cpu_cells = []
                ratio = {}
                for which, column in (("wall", 0), ("cpu", 2)):
                    mine = statistics.median(m[column] for m in ours)
                    row = [f"{mine / 1e6:.0f}"]
                    best = 0.0
                    for n in names:
                        if theirs[n]:
                            m = statistics.median(t[column] for t in theirs[n])
                            best = max(best, m)
                            row.append(f"{m / 1e6:.0f}")
                        else:
                            row.append("n/a")
                    ratio[which] = mine / best if best else float("nan")
                    row.append(f"{ratio[which]:.2f}×" if best else "n/a")
                    if which == "wall":
                        row.append(f"≥ {target:.1f}×" if target else "")
                        row.append(("yes" if ratio[which] >= target else "no") if target and best else "")
                        cells += row
                    else:
                        row.append(("yes" if ratio[which] >= target else "no") if target and best else "")
                        cpu_cells = row
                print("| " + " | ".join(cells + cpu_cells) + " |", flush=True)
                if log:
                    log.write(json.dumps({"function": function, "format": fmt, "rows": rows, "classes": classes, "isa": isa,
                                          "crosscheck": ours, **theirs, "ratio": ratio["wall"], "ratio_cpu": ratio["cpu"],
                                          "target": target}) + "\n")
    if log:
        log.close()


if __name__ == "__main__":
    main()
