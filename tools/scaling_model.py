#!/usr/bin/env python3
"""The alpha-beta model of docs/scaling.md, from measurements of this machine.

Reads the reduction benchmark (tools/bench-mpi-reduce.sh's mpi-reduce.jsonl) and a
`trenchcoat train --json` result of 784-512-512-10 (for the compute time per
sample), fits the loopback latency alpha and inverse bandwidth beta, and prints the
predicted epoch time and parallel efficiency on 1..64 nodes over 10 and 100 Gb/s
networks, tree (reproducible) versus ring (fast) reduction, with and without
overlap, as Markdown tables. Optionally writes the numbers as JSON (--json).

  tools/scaling_model.py build/release/mpi-reduce.jsonl build/h8/train-784-512-512-10.json
  tools/scaling_model.py mpi-reduce.jsonl --samples-per-second 12381 --json model.json
  tools/plot.py model.json -o docs/img/scaling-model.png

Model (every term is explained in docs/scaling.md):
  one message of n bytes:      alpha + n * beta  (wire's assumed alpha/beta + the loopback fit's)
  tree (reproducible, ours):   2 * ceil(log2 N) * (alpha + n * beta)   reduce up the tree, then broadcast
  ring (MPI_Allreduce, large): 2 * (N - 1) * alpha + 2 * (N - 1) / N * n * beta
  compute of a step:           (B / N) * t_sample
  step without overlap:        compute + reduce(all bytes)
  step with overlap:           compute + reduce(first layer) + max(0, reduce(other layers) - window)
                               window = the first layer's weight gradient, the only backward
                               work left once the upper layers' gradients are complete
"""

import argparse
import json
import math
import sys

LAYERS = [784, 512, 512, 10]
SAMPLES_PER_EPOCH = 60000  # MNIST
NODES = [1, 2, 4, 8, 16, 32, 64]
BATCHES = [256, 1024, 4096, 16384]
# Networks: the wire's bandwidth from the name; its latency is an assumption, stated
# in docs/scaling.md. The measured loopback alpha and beta (software per message,
# copying and adding per byte) are added to them: that cost stays on any network.
WIRES = {
    "10 Gb/s": {"alpha": 25e-6, "beta": 8 / 10e9},
    "100 Gb/s": {"alpha": 3e-6, "beta": 8 / 100e9},
}


def layer_params():
    return [LAYERS[i] * LAYERS[i + 1] + LAYERS[i + 1] for i in range(len(LAYERS) - 1)]


def flops_per_sample():
    """Forward, weight gradients, and input gradients of every Dense but the first."""
    mults = [LAYERS[i] * LAYERS[i + 1] for i in range(len(LAYERS) - 1)]
    forward = 2 * sum(mults)
    weight_grads = 2 * sum(mults)
    input_grads = 2 * sum(mults[1:])
    return forward + weight_grads + input_grads, 2 * mults[0]


def fit_line(points):
    """Least squares y = a + b x."""
    n = len(points)
    sx = sum(x for x, _ in points)
    sy = sum(y for _, y in points)
    sxx = sum(x * x for x, _ in points)
    sxy = sum(x * y for x, y in points)
    b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    a = (sy - b * sx) / n
    return a, b


def tree_time(nodes, nbytes, alpha, beta):
    if nodes == 1:
        return 0.0
    return 2 * math.ceil(math.log2(nodes)) * (alpha + nbytes * beta)


def ring_time(nodes, nbytes, alpha, beta):
    if nodes == 1:
        return 0.0
    return 2 * (nodes - 1) * alpha + 2 * (nodes - 1) / nodes * nbytes * beta


def step_time(nodes, batch, t_sample, net, reduce, overlap, window_fraction):
    compute = batch / nodes * t_sample
    params = layer_params()
    first, rest = params[0] * 4, sum(params[1:]) * 4
    if not overlap:
        return compute + reduce(nodes, first + rest, net["alpha"], net["beta"])
    window = window_fraction * compute
    return compute + reduce(nodes, first, net["alpha"], net["beta"]) + max(
        0.0, reduce(nodes, rest, net["alpha"], net["beta"]) - window)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reduce_jsonl")
    ap.add_argument("train_json", nargs="?",
                    help="trenchcoat train --json result of 784-512-512-10 (the compute rate of one node)")
    ap.add_argument("--samples-per-second", type=float,
                    help="the compute rate of one node instead of a train result (docs/scaling.md: 12381)")
    ap.add_argument("--json", help="also write the predictions here (tools/plot.py draws them)")
    args = ap.parse_args()
    if (args.train_json is None) == (args.samples_per_second is None):
        ap.error("give either a train result or --samples-per-second")

    rows = [json.loads(line) for line in open(args.reduce_jsonl) if line.strip()]
    if args.train_json is not None:
        train = json.load(open(args.train_json))
        samples_per_second = train["epochs"][-1]["samples_per_second"]
        threads = train["machine"].get("threads") if isinstance(train.get("machine"), dict) else None
    else:
        samples_per_second, threads = args.samples_per_second, None
    t_sample = 1.0 / samples_per_second

    # Loopback fit: 2 ranks, reproducible = one message up, one broadcast down. The
    # fastest repetition of each size: on a shared machine the median carries other
    # programs' time slices, the minimum is what the transport can do.
    two = [(r["bytes"], r["min_seconds"]) for r in rows if r["ranks"] == 2 and r["mode"] == "reproducible"]
    a, b = fit_line(two)
    loop_alpha, loop_beta = a / 2, b / 2
    total_flops, first_dw = flops_per_sample()
    window_fraction = first_dw / total_flops
    params = layer_params()

    out = sys.stdout
    out.write("### Measured here\n\n")
    out.write("| ranks | mode | 4 B median (min) | 2.7 MB = 784-512-512-10 gradient, median (min) |\n|---|---|---|---|\n")
    biggest = max(r["bytes"] for r in rows)
    for ranks in sorted({r["ranks"] for r in rows}):
        for mode in ("reproducible", "fast"):
            small = [r for r in rows if r["ranks"] == ranks and r["mode"] == mode and r["bytes"] == 4]
            large = [r for r in rows if r["ranks"] == ranks and r["mode"] == mode and r["bytes"] == biggest]
            if small and large:
                out.write(f"| {ranks} | {mode} | {small[0]['median_seconds'] * 1e6:.1f} µs "
                          f"({small[0]['min_seconds'] * 1e6:.1f}) | {large[0]['median_seconds'] * 1e3:.3f} ms "
                          f"({large[0]['min_seconds'] * 1e3:.3f}) |\n")
    out.write(f"\nLoopback fit (2 ranks, reproducible, {len(two)} sizes): alpha = {loop_alpha * 1e6:.2f} µs, "
              f"beta = {loop_beta * 1e9:.3f} ns/byte ({1 / loop_beta / 1e9:.2f} GB/s).\n")
    out.write(f"Compute: {samples_per_second:.0f} samples/s on one node "
              f"(t_sample = {t_sample * 1e6:.2f} µs{'' if threads is None else f', {threads} threads'}); "
              f"{total_flops / 1e6:.2f} MFLOP per sample; overlap window = first layer's weight gradient = "
              f"{window_fraction * 100:.0f}% of a step's compute; first layer = "
              f"{params[0] / sum(params) * 100:.0f}% of the gradient bytes.\n\n")

    networks = {name: {"alpha": w["alpha"] + loop_alpha, "beta": w["beta"] + loop_beta} for name, w in WIRES.items()}
    for name, net in networks.items():
        out.write(f"{name}: alpha = {net['alpha'] * 1e6:.2f} µs, beta = {net['beta'] * 1e9:.3f} ns/byte "
                  f"(wire + loopback).\n")
    out.write("\n")
    predictions = []
    for net_name, net in networks.items():
        for batch in BATCHES:
            out.write(f"### {net_name}, global batch {batch}: epoch seconds (parallel efficiency)\n\n")
            out.write("| nodes | tree | tree + overlap | ring | ring + overlap |\n|---|---|---|---|---|\n")
            one = step_time(1, batch, t_sample, net, tree_time, False, window_fraction)
            for nodes in NODES:
                cells = []
                if batch / nodes < 32:
                    out.write(f"| {nodes} | fewer than 32 rows per node | | | |\n")
                    continue
                for reduce, rname in ((tree_time, "tree"), (ring_time, "ring")):
                    for overlap in (False, True):
                        step = step_time(nodes, batch, t_sample, net, reduce, overlap, window_fraction)
                        seconds = SAMPLES_PER_EPOCH / batch * step
                        eff = one / (nodes * step)
                        cells.append(f"{seconds:.3f} ({eff * 100:.0f}%)")
                        predictions.append({"network": net_name, "batch": batch, "nodes": nodes, "reduce": rname,
                                            "overlap": overlap, "epoch_seconds": seconds, "efficiency": eff})
                out.write(f"| {nodes} | " + " | ".join(cells) + " |\n")
            out.write("\n")

    out.write("### Smallest global batch at which N nodes still reach 50% parallel efficiency\n\n")
    out.write("| network | reduction | " + " | ".join(f"N={n}" for n in NODES[1:]) + " |\n")
    out.write("|---|---|" + "---|" * (len(NODES) - 1) + "\n")
    for net_name, net in networks.items():
        for reduce, rname in ((tree_time, "tree"), (ring_time, "ring")):
            for overlap in (False, True):
                cells = []
                for nodes in NODES[1:]:
                    batch = 32 * nodes
                    while batch <= 1 << 22:
                        step = step_time(nodes, batch, t_sample, net, reduce, overlap, window_fraction)
                        one = step_time(1, batch, t_sample, net, reduce, overlap, window_fraction)
                        if one / (nodes * step) >= 0.5:
                            break
                        batch += 32 * nodes
                    cells.append(str(batch) if batch <= 1 << 22 else "never")
                out.write(f"| {net_name} | {rname}{' + overlap' if overlap else ''} | " + " | ".join(cells) + " |\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": "trenchcoat-scaling-model-1", "layers": LAYERS,
                       "samples_per_epoch": SAMPLES_PER_EPOCH, "alpha": loop_alpha, "beta": loop_beta,
                       "t_sample": t_sample,
                       "networks": {name: {"alpha": net["alpha"], "beta": net["beta"]}
                                    for name, net in networks.items()},
                       "predictions": predictions}, f, indent=1)


if __name__ == "__main__":
    main()
