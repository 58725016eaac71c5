#!/usr/bin/python3
"""PyTorch baseline for the end-to-end job: trains 784-128-10 on MNIST with the recipe
of `trenchcoat train`'s default (tools/trenchcoat/train_options.cpp) and writes the
epoch times and accuracies in trenchcoat's training schema (trenchcoat-train-1), so

    trenchcoat compare build/mnist-train.json build/pytorch-train.json

shows trenchcoat against PyTorch in one table.

The recipe: ReLU hidden layer, He-normal weights and zero biases, mean softmax
cross-entropy, mini-batch 128 (the last batch of an epoch holds the remainder),
Nesterov SGD lr 0.3 momentum 0.9 (the same update as trenchcoat's: v = m v + g,
w -= lr (g + m v)), linear warm-up over 100 steps then a cosine over the remaining
steps of 4 epochs, a fresh seeded shuffle each epoch, pixels / 255.

Needs `import torch` (Debian: apt-get install python3-torch; large, so optional: the
script exits with status 3 and one line when it is missing). Debian's PyTorch does its
matrix products in the system BLAS; when that is OpenBLAS on an AVX-512 CPU it is run
with OPENBLAS_CORETYPE=Cooperlake (and OPENBLAS_L2_SIZE unset), as trenchcoat-bench
does for its OpenBLAS baseline, so it uses its AVX-512 kernels, and with
ATEN_CPU_CAPABILITY=avx512 for PyTorch's own element-wise kernels. The thread count is
the fastest of 1..cores over a short timed trial (or --threads).

    bench/pytorch_baseline.py [--data data/mnist] [--json build/pytorch-train.json]
                              [--epochs 4] [--threads N] [--seed 1]
"""

import os
import sys


def avx512_cpu():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return any(line.startswith("flags") and " avx512f" in line for line in f)
    except OSError:
        return False


# OpenBLAS fixes its core type when it loads, and ATen its vector level, so before
# torch is imported. Debian's PyTorch 1.13 has AVX-512 kernels but picks AVX2 unless
# ATEN_CPU_CAPABILITY says otherwise.
if avx512_cpu() and os.environ.get("TRENCHCOAT_OPENBLAS_AS_IS") != "1":
    os.environ["OPENBLAS_CORETYPE"] = "Cooperlake"
    os.environ.pop("OPENBLAS_L2_SIZE", None)
    os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx512")

import argparse  # noqa: E402
import datetime  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"pytorch_baseline.py: {e.name} is not importable (apt-get install python3-torch)", file=sys.stderr)
    sys.exit(3)

HIDDEN = 128
BATCH = 128
LR = 0.3
MOMENTUM = 0.9
WARMUP = 100
TARGET_ACCURACY = 0.98


def read_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            dims = raw[3]
            shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    raise FileNotFoundError(f"{folder}/{stem}[.gz] (tools/setup/fetch-mnist.sh fetches MNIST)")


def load_mnist(folder):
    def images(stem):
        a = read_idx(folder, stem)
        return torch.from_numpy(a.reshape(a.shape[0], -1).astype(np.float32) / np.float32(255.0))

    def labels(stem):
        return torch.from_numpy(read_idx(folder, stem).astype(np.int64))

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


def make_model(seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10))
    for layer in (model[0], model[2]):
        torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")  # std sqrt(2 / fan_in)
        torch.nn.init.zeros_(layer.bias)
    return model


def learning_rate(step, total_steps):
    """trenchcoat's cosine with warm-up (nn/src/schedule.cpp)."""
    span = max(1, total_steps - WARMUP)
    p = min(1.0, max(0.0, (step - WARMUP) / span))
    rate = LR * 0.5 * (1.0 + math.cos(math.pi * p))
    if step < WARMUP:
        rate *= (step + 1) / WARMUP
    return rate


def evaluate(model, x, y):
    with torch.no_grad():
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(1) == y).float().mean().item()
    return loss, accuracy


def steps_per_second(threads, x, y, steps=150):
    """A short trial of training steps on `threads` threads (after a few warm-up steps)."""
    torch.set_num_threads(threads)
    model = make_model(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=MOMENTUM, nesterov=True)
    for i in range(steps + 20):
        if i == 20:
            t0 = time.perf_counter()
        lo = (i * BATCH) % (x.shape[0] - BATCH)
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x[lo:lo + BATCH]), y[lo:lo + BATCH]).backward()
        opt.step()
    return steps / (time.perf_counter() - t0)


def blas_library():
    """The BLAS this process loaded (from its memory map), for the record."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(os.path.realpath(lib) for lib in libs)) or "none found"
    except OSError:
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--data", default=os.path.join(root, "data", "mnist"))
    parser.add_argument("--json", default=os.path.join(root, "build", "pytorch-train.json"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=0, help="0: the fastest over a short trial")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.epochs < 1 or args.threads < 0:
        print("pytorch_baseline.py: --epochs must be >= 1 and --threads >= 0", file=sys.stderr)
        sys.exit(2)

    t0 = time.perf_counter()
    try:
        x_train, y_train, x_test, y_test = load_mnist(args.data)
    except (OSError, ValueError) as e:
        print(f"pytorch_baseline.py: {e}", file=sys.stderr)
        sys.exit(2)
    data_seconds = time.perf_counter() - t0

    cores = len(os.sched_getaffinity(0))
    trials = {}
    if args.threads == 0:
        for t in range(1, cores + 1):
            trials[t] = steps_per_second(t, x_train, y_train)
        threads = max(trials, key=trials.get)
    else:
        threads = args.threads
    torch.set_num_threads(threads)
    print(f"PyTorch {torch.__version__}, {threads} threads"
          + (f" (trial steps/s: {', '.join(f'{t}: {r:.0f}' for t, r in trials.items())})" if trials else "")
          + f", BLAS {blas_library()}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}"
          + f", ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', '')}")

    model = make_model(args.seed)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, nesterov=True)
    samples = x_train.shape[0]
    batches = (samples + BATCH - 1) // BATCH
    total_steps = batches * args.epochs
    shuffle = torch.Generator().manual_seed(args.seed)
    step = 0
    epochs = []
    train_seconds = 0.0
    eval_seconds = 0.0
    to_target = None
    for epoch in range(args.epochs):
        order = torch.randperm(samples, generator=shuffle)
        loss_sum, correct = 0.0, 0
        t0 = time.perf_counter()
        for b in range(batches):
            idx = order[b * BATCH:(b + 1) * BATCH]
            xb, yb = x_train[idx], y_train[idx]
            for group in opt.param_groups:
                group["lr"] = learning_rate(step, total_steps)
            opt.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += loss.item() * xb.shape[0]
            correct += (logits.argmax(1) == yb).sum().item()
        seconds = time.perf_counter() - t0
        train_seconds += seconds
        t1 = time.perf_counter()
        test_loss, test_accuracy = evaluate(model, x_test, y_test)
        epoch_eval = time.perf_counter() - t1
        eval_seconds += epoch_eval
        if to_target is None and test_accuracy >= TARGET_ACCURACY:
            to_target = train_seconds
        epochs.append({"epoch": epoch + 1, "train_loss": loss_sum / samples, "train_accuracy": correct / samples,
                       "test_loss": test_loss, "test_accuracy": test_accuracy, "seconds": seconds,
                       "samples_per_second": samples / seconds, "eval_seconds": epoch_eval, "steps": batches,
                       "learning_rate": learning_rate(step - 1, total_steps), "complete": True})
        print(f"epoch {epoch + 1}/{args.epochs}: {seconds:.2f} s ({samples / seconds / 1e3:.0f}k samples/s), "
              f"train loss {loss_sum / samples:.4f}, test accuracy {100 * test_accuracy:.2f}%")

    result = {
        "schema": "trenchcoat-train-1",
        "framework": f"PyTorch {torch.__version__}",
        "configuration": {
            "data": "mnist", "data_dir": args.data, "train_samples": samples, "test_samples": x_test.shape[0],
            "classes": 10, "layers": f"784-{HIDDEN}-10", "activation": "relu", "epochs": args.epochs,
            "batch": BATCH, "optimizer": "nesterov", "learning_rate": LR, "momentum": MOMENTUM,
            "weight_decay": 0.0, "schedule": "cosine", "warmup_steps": WARMUP, "seed": args.seed,
            "strategy": "pytorch intra-op threads",
        },
        "machine": {
            "cpu": cpu_model(), "threads": threads, "cores": cores,
            "thread_trial_steps_per_second": {str(t): r for t, r in trials.items()},
            "compiler": f"PyTorch {torch.__version__} (Debian build), Python {platform.python_version()}",
            "flags": f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')} "
                     f"ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', '')}",
            "blas": blas_library(),
        },
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "epochs": epochs,
        "final": {
            "test_accuracy": epochs[-1]["test_accuracy"], "test_loss": epochs[-1]["test_loss"],
            "test_samples": x_test.shape[0], "train_seconds": train_seconds, "data_seconds": data_seconds,
            "eval_seconds": eval_seconds, "epochs": args.epochs, "steps": step,
            "target_accuracy": TARGET_ACCURACY, "train_seconds_to_target": to_target, "interrupted": False,
        },
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"final test accuracy {100 * epochs[-1]['test_accuracy']:.2f}%, {train_seconds:.2f} s of training; "
          f"wrote {args.json}")


if __name__ == "__main__":
    main()
