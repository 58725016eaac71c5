#!/usr/bin/python3
"""Pictures from trenchcoat's results, with Debian's matplotlib (python3-matplotlib).

    tools/plot.py bench.json -o gemm.png [--peak peak.json] [--family gemm] [--threads 1]
        Google Benchmark JSON (trenchcoat-bench --benchmark_out=bench.json): GFLOP/s
        against the size of the square GEMMs, one line per variant, with the FMA
        ceilings drawn (from --peak, else this machine's cached `trenchcoat peak`,
        else the peak the benchmark measured itself, which its peak_pct counter holds).
    tools/plot.py peak.json -o roofline.svg
        `trenchcoat peak --json`: the roofline of this machine (FMA peak, L1, L2 and
        memory bandwidth against arithmetic intensity).
    tools/plot.py scaling.json [more.json...] -o scaling.png
        `trenchcoat scaling --json`: speedup against threads, with the ideal line.
    tools/plot.py train.json -o profile.png
        An epoch profile: a JSON file with a top-level
        {"profile": [{"name": str, "seconds": float, "percent": float}, ...]}
        (what `trenchcoat train --profile --json` writes) as one stacked bar.
    tools/plot.py model.json -o scaling-model.png [--batch 4096]
        tools/scaling_model.py --json: the predicted epoch time and parallel efficiency
        of the modelled network against the number of nodes, one line per network,
        reduction (tree / ring) and overlap, at one global batch (default 4096, else
        the largest the file has).

The format follows the output's extension (.png or .svg). The shebang names Debian's
interpreter on purpose: python3-matplotlib is installed for it, not for a python3
that a version manager may put first in PATH. Exit status 2 with one line on stderr
for inputs it cannot plot.
"""

import argparse
import json
import os
import re
import sys

try:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError:
    print("plot.py: matplotlib is missing (apt-get install python3-matplotlib, or "
          "tools/setup/install-deps.sh --plot)", file=sys.stderr)
    sys.exit(3)


class InputError(Exception):
    """An input that cannot be plotted: reported in one line, exit status 2."""


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON: {e}") from e


def kind_of(doc, path):
    if isinstance(doc, dict):
        if "benchmarks" in doc:
            return "benchmark"
        schema = doc.get("schema", "")
        if schema == "trenchcoat-peak-1":
            return "peak"
        if schema == "trenchcoat-scaling-1":
            return "scaling"
        if schema == "trenchcoat-scaling-model-1":
            return "scaling-model"
        if "profile" in doc:
            return "profile"
        if schema == "trenchcoat-train-1":
            raise InputError(f"{path}: a training result without an epoch profile "
                             "(train with --profile to record one)")
    raise InputError(f"{path}: neither Google Benchmark JSON nor a trenchcoat result plot.py knows")


def default_peak_cache():
    """Where `trenchcoat peak` caches its result (tools/trenchcoat/machine_peaks.cpp)."""
    if os.environ.get("TRENCHCOAT_CACHE_DIR"):
        return os.path.join(os.environ["TRENCHCOAT_CACHE_DIR"], "peak.json")
    if os.environ.get("XDG_CACHE_HOME"):
        return os.path.join(os.environ["XDG_CACHE_HOME"], "trenchcoat", "peak.json")
    return os.path.join(os.path.expanduser("~"), ".cache", "trenchcoat", "peak.json")


def pick(pair, threads, cores):
    """A ceiling on `threads` threads from its one-core and all-cores figures."""
    if threads <= 1:
        return pair["one_core"]
    if threads >= cores:
        return pair["all_cores"]
    return pair["one_core"] * threads


def label_line(ax, y, text):
    """A horizontal ceiling at `y` with its label at the left edge, whatever the x scale."""
    ax.axhline(y, linestyle="--", linewidth=1, color="grey")
    ax.annotate(text, xy=(0.01, y), xycoords=("axes fraction", "data"), fontsize=8, va="bottom", color="dimgrey")


GEMM_SQUARE = re.compile(r"^(?P<family>[a-z_]+)/(?P<variant>[^/]+)/(?:small_)?NN_(?P<m>\d+)x(?P<n>\d+)x(?P<k>\d+)"
                         r"/threads:(?P<threads>\d+)")


def plot_benchmark(docs, paths, out, args):
    lines = {}  # variant -> [(size, gflops)]
    measured_peak = None
    for doc in docs:
        for b in doc["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration" or "GFLOPS" not in b:
                continue
            m = GEMM_SQUARE.match(b.get("run_name", b["name"]))
            if not m or m["family"] != args.family or int(m["threads"]) != args.threads:
                continue
            if not (m["m"] == m["n"] == m["k"]):
                continue
            lines.setdefault(m["variant"], []).append((int(m["m"]), b["GFLOPS"]))
            if b.get("peak_pct"):
                measured_peak = b["GFLOPS"] * 100.0 / b["peak_pct"]
    if not lines:
        raise InputError(f"{', '.join(paths)}: no square {args.family} benchmark with a GFLOPS counter on "
                         f"{args.threads} thread(s) (run trenchcoat-bench with --benchmark_out=FILE)")
    fig, ax = plt.subplots(figsize=(8, 5))
    for variant, points in sorted(lines.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=variant)
    peak_path = args.peak or default_peak_cache()
    if os.path.exists(peak_path):
        peak = load(peak_path)
        for c in peak.get("isas", []):
            ceiling = pick(c["fma_gflops"], args.threads, peak["cores"])
            label_line(ax, ceiling, f"FMA peak {c['isa']}: {ceiling:.0f} GFLOP/s")
    elif measured_peak:
        label_line(ax, measured_peak, f"FMA peak, best ISA (measured by the benchmark): {measured_peak:.0f} GFLOP/s")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("M = N = K")
    ax.set_ylabel("GFLOP/s")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{args.family}: GFLOP/s by size, {args.threads} thread(s)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def plot_peak(doc):
    best = doc["isas"][-1]
    cores = doc["cores"]
    peak = best["fma_gflops"]["all_cores"]
    ceilings = [("L1", best["l1_gbps"]["all_cores"]), ("L2", best["l2_gbps"]["all_cores"]),
                ("memory", doc["stream_gbps"]["all_cores"])]
    fig, ax = plt.subplots(figsize=(8, 5))
    intensity = [2 ** (i / 4) for i in range(-24, 41)]  # 1/64 .. 1024 FLOP per byte
    for name, gbps in ceilings:
        ax.plot(intensity, [min(peak, gbps * x) for x in intensity], label=f"{name} {gbps:.0f} GB/s")
    for c in doc["isas"]:
        label_line(ax, c["fma_gflops"]["all_cores"], f"FMA {c['isa']}: {c['fma_gflops']['all_cores']:.0f} GFLOP/s")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("arithmetic intensity (FLOP per byte)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(f"roofline: {doc['cpu']}, {cores} cores ({best['isa']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    return fig


def plot_scaling(docs, paths):
    fig, ax = plt.subplots(figsize=(7, 5))
    top = 1
    for doc, path in zip(docs, paths):
        results = doc["results"]
        threads = [r["threads"] for r in results]
        settings = doc["settings"]
        label = settings["target"] + (", pinned" if settings.get("pinned") else "")
        ax.plot(threads, [r["speedup"] for r in results], marker="o", label=label)
        top = max(top, max(threads) / threads[0])
    base = min(min(r["threads"] for r in d["results"]) for d in docs)
    ideal = [base * t for t in range(1, int(top) + 1)]
    ax.plot(ideal, [t / base for t in ideal], linestyle="--", color="grey", label="ideal (linear)")
    ax.set_xlabel("threads")
    ax.set_ylabel("speedup over the first count")
    ax.set_xticks(sorted({r["threads"] for d in docs for r in d["results"]}))
    ax.set_title("thread scaling")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def plot_profile(doc, path):
    rows = doc["profile"]
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{path}: the profile is empty")
    try:
        rows = [(str(r["name"]), float(r["seconds"]), float(r["percent"])) for r in rows]
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path}: a profile entry lacks name/seconds/percent: {e}") from e
    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.3 * len(rows))))
    left = 0.0
    colours = plt.get_cmap("tab20").colors
    for i, (name, seconds, percent) in enumerate(rows):
        ax.barh([0], [percent], left=left, color=colours[i % len(colours)],
                label=f"{name}: {percent:.1f}% ({seconds:.3f} s)")
        if percent >= 6:
            ax.text(left + percent / 2, 0, f"{percent:.0f}%", ha="center", va="center", fontsize=8)
        left += percent
    ax.set_xlim(0, max(100.0, left))
    ax.set_yticks([])
    ax.set_xlabel("% of the profiled time")
    ax.set_title("where an epoch's time goes")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def plot_scaling_model(doc, path, batch):
    predictions = doc["predictions"]
    batches = sorted({p["batch"] for p in predictions})
    if not batches:
        raise InputError(f"{path}: the model holds no predictions")
    if batch is None:
        batch = 4096 if 4096 in batches else batches[-1]
    elif batch not in batches:
        raise InputError(f"{path}: no predictions for global batch {batch} (it has {', '.join(map(str, batches))})")
    lines = {}  # (network, reduce, overlap) -> [(nodes, seconds, efficiency)]
    for p in predictions:
        if p["batch"] == batch:
            lines.setdefault((p["network"], p["reduce"], bool(p["overlap"])), []).append(
                (p["nodes"], p["epoch_seconds"], p["efficiency"]))
    networks = sorted({k[0] for k in lines}, key=lambda n: float(n.split()[0]) if n.split()[0].isdigit() else 0)
    colours = plt.get_cmap("tab10").colors
    fig, (time_ax, eff_ax) = plt.subplots(1, 2, figsize=(12, 5))
    for (network, reduce, overlap), points in sorted(lines.items()):
        points.sort()
        nodes = [p[0] for p in points]
        colour = colours[(2 * networks.index(network) + (reduce == "ring")) % len(colours)]
        style = dict(color=colour, linestyle="-" if overlap else "--", marker="o" if reduce == "tree" else "s",
                     markersize=4, label=f"{network}, {reduce}{' + overlap' if overlap else ''}")
        time_ax.plot(nodes, [p[1] for p in points], **style)
        eff_ax.plot(nodes, [100.0 * p[2] for p in points], **style)
    for ax in (time_ax, eff_ax):
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel("nodes")
        ax.grid(True, which="both", alpha=0.3)
    time_ax.set_yscale("log")
    time_ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    time_ax.set_ylabel("predicted epoch time (s)")
    eff_ax.set_ylabel("parallel efficiency (%)")
    eff_ax.set_ylim(0, 105)
    eff_ax.axhline(50, linestyle=":", linewidth=1, color="grey")
    layers = "-".join(str(n) for n in doc.get("layers", []))
    fig.suptitle(f"{layers or 'the model'}: predicted scaling at global batch {batch} "
                 "(tree = reproducible, ring = fast; at least 32 rows per node)")
    eff_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def main(argv):
    parser = argparse.ArgumentParser(description="Plot trenchcoat / Google Benchmark JSON results.")
    parser.add_argument("inputs", nargs="+", help="result files (all of one kind)")
    parser.add_argument("-o", "--output", required=True, help="image to write (.png or .svg)")
    parser.add_argument("--peak", help="trenchcoat peak --json result for the ceilings (default: the cache)")
    parser.add_argument("--family", default="gemm", help="benchmark family to plot (default gemm)")
    parser.add_argument("--threads", type=int, default=1, help="benchmark thread count to plot (default 1)")
    parser.add_argument("--batch", type=int, help="scaling model: the global batch to plot (default 4096)")
    args = parser.parse_args(argv)
    if os.path.splitext(args.output)[1].lower() not in (".png", ".svg"):
        raise InputError(f"{args.output}: the output must end in .png or .svg")

    docs = [load(p) for p in args.inputs]
    kinds = {kind_of(d, p) for d, p in zip(docs, args.inputs)}
    if len(kinds) != 1:
        raise InputError(f"inputs of different kinds ({', '.join(sorted(kinds))}): plot them separately")
    kind = kinds.pop()
    if kind != "scaling" and kind != "benchmark" and len(docs) != 1:
        raise InputError(f"one {kind} file at a time")
    try:
        if kind == "benchmark":
            fig = plot_benchmark(docs, args.inputs, args.output, args)
        elif kind == "peak":
            fig = plot_peak(docs[0])
        elif kind == "scaling":
            fig = plot_scaling(docs, args.inputs)
        elif kind == "scaling-model":
            fig = plot_scaling_model(docs[0], args.inputs[0], args.batch)
        else:
            fig = plot_profile(docs[0], args.inputs[0])
    except (KeyError, IndexError, TypeError) as e:
        raise InputError(f"{', '.join(args.inputs)}: a {kind} result without the expected field {e}") from e
    fig.tight_layout()
    fig.savefig(args.output, dpi=120, bbox_inches="tight")  # legends placed outside the axes included
    print(f"wrote {args.output}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except InputError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        sys.exit(2)
