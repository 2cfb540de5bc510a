#!/usr/bin/env python3
"""njc against its peers, as ratios measured in one run (issue 14; docs/performance.md).

Runs njc's benchmark program and its peers' alternately (njc, peers, njc, peers, ...), each repetition a
whole process with Google Benchmark's JSON output, then prints one markdown table row per workload: the
median time of njc and of each peer library with its min-max over the repetitions, and njc / best peer as
the median of the per-repetition ratios to the fastest library of that repetition (< 1: njc is faster). Rows named ".../quiet/..." also get quiet / busy, the cost of
subnormal numbers. With --svg the ratios are drawn as a bar chart.

    python3 scripts/bench_table.py recurrent|gemm [--build build] [--repetitions 7] [--min-time 0.2]
                                                  [--svg docs/perf/recurrent-zen3.svg]

The machines are noisy (20 % between runs of one binary is common): compare within one run only.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

# Suites: njc's program (and the benchmark filter that picks its rows), how its row names become workload
# names, the peers' program, whose rows are "<workload>/<library>", and issue 14's goal for njc / best peer.
SUITES = {
    "recurrent": ("bench/bench_recurrent", None, lambda name: name.rpartition("/")[0],
                  "bench/bench_recurrent_eigen", 0.5),
    "gemm": ("bench/bench_models", "BM_Gemm/", lambda name: name.replace("BM_Gemm", "Gemm"),
             "bench/bench_gemm_peers", 1.0),
}


def run_once(program, min_time, cpu, bench_filter=None):
    """{(workload, impl): ns} of one run; impl is the last part of the row name."""
    cmd = [program, "--benchmark_format=json", f"--benchmark_min_time={min_time}"]
    if bench_filter:
        cmd.append(f"--benchmark_filter={bench_filter}")
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu)] + cmd
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    times = {}
    for b in json.loads(out)["benchmarks"]:
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
        times[b["name"]] = b["real_time"] * scale
    return times


def spread(values):
    return statistics.median(values), min(values), max(values)


def table(njc_runs, peer_runs):
    """njc_runs: per repetition {workload: ns}; peer_runs: per repetition {(workload, library): ns}."""
    workloads = list(njc_runs[0].keys())
    libraries = sorted({lib for r in peer_runs for (_, lib) in r})
    head = "| workload | njc ns (min-max) | " + " | ".join(f"{l} ns (min-max)" for l in libraries)
    head += " | njc / best peer |" if libraries else ""
    lines = [head, "|---|---:|" + "---:|" * (len(libraries) + (1 if libraries else 0))]
    rows = []
    for w in workloads:
        n = [r[w] for r in njc_runs]
        nm, nlo, nhi = spread(n)
        cells = [f"{nm:.0f} ({nlo:.0f}-{nhi:.0f})"]
        best = None  # per repetition: the fastest library's time
        for lib in libraries:
            p = [r.get((w, lib)) for r in peer_runs]
            if None in p:
                cells.append("-")
                continue
            pm, plo, phi = spread(p)
            cells.append(f"{pm:.0f} ({plo:.0f}-{phi:.0f})")
            best = p if best is None else [min(a, b) for a, b in zip(best, p)]
        ratio = statistics.median(a / b for a, b in zip(n, best)) if best else None
        if libraries:
            cells.append(f"{ratio:.2f}" if ratio is not None else "-")
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
        rows.append((w, ratio))
    quiet = [w for w in workloads if "/quiet/" in w]
    if quiet:
        lines += ["", "| subnormal state | njc quiet / busy | " + " | ".join(f"{l} quiet / busy" for l in libraries) + " |",
                  "|---|---:|" + "---:|" * len(libraries)]
        for w in quiet:
            busy = w.replace("/quiet/", "/")
            cells = [f"{statistics.median(r[w] / r[busy] for r in njc_runs):.2f}"]
            for lib in libraries:
                q = [r[(w, lib)] / r[(busy, lib)] for r in peer_runs if (w, lib) in r and (busy, lib) in r]
                cells.append(f"{statistics.median(q):.2f}" if q else "-")
            lines.append(f"| {w} | " + " | ".join(cells) + " |")
    return "\n".join(lines), rows


def svg(rows, peer_name, title, goal):
    rows = [(w, r) for w, r in rows if r is not None]
    bar_h, gap, left, width = 18, 6, 170, 420
    top = 40
    height = top + len(rows) * (bar_h + gap) + 40
    scale = width / max(2.0, max(r for _, r in rows) * 1.1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{height}" '
           'font-family="sans-serif" font-size="12">',
           f'<text x="10" y="20" font-size="14">{title}: njc time / {peer_name} time (shorter is faster)</text>']
    for i, (w, r) in enumerate(rows):
        y = top + i * (bar_h + gap)
        colour = "#2a7" if r <= 1.0 else "#c63"
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{w}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{r * scale:.1f}" height="{bar_h}" fill="{colour}"/>')
        out.append(f'<text x="{left + r * scale + 4:.1f}" y="{y + 13}">{r:.2f}</text>')
    bottom = top + len(rows) * (bar_h + gap)
    marks = [(1.0, f"= {peer_name}")] + ([(goal, f"goal {goal}")] if goal != 1.0 else [])
    for mark, label in marks:
        x = left + mark * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" stroke="#333" '
                   f'stroke-dasharray="{"" if mark == 1.0 else "4 3"}"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", choices=sorted(SUITES))
    ap.add_argument("--build", default="build")
    ap.add_argument("--repetitions", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--cpu", type=int, default=1, help="pin both programs to this CPU (taskset); -1: no pinning")
    ap.add_argument("--svg", help="write the ratio chart here")
    args = ap.parse_args()
    njc_prog, njc_filter, workload_of, peer_prog, goal = SUITES[args.suite]
    njc_path, peer_path = os.path.join(args.build, njc_prog), os.path.join(args.build, peer_prog)
    if not os.path.exists(njc_path):
        sys.exit(f"bench_table: {njc_path} is not built (scripts/build.sh)")
    have_peer = os.path.exists(peer_path)
    if not have_peer:
        print(f"bench_table: {peer_path} is not built (no peer package is installed): njc rows only", file=sys.stderr)
    cpu = None if args.cpu < 0 else args.cpu
    njc_runs, peer_runs = [], []
    for _ in range(args.repetitions):
        njc_runs.append({workload_of(k): v for k, v in run_once(njc_path, args.min_time, cpu, njc_filter).items()})
        if have_peer:
            peer_runs.append({tuple(k.rsplit("/", 1)): v for k, v in run_once(peer_path, args.min_time, cpu).items()})
    if have_peer and not peer_runs[0]:
        print(f"bench_table: {peer_path} ran no benchmark (see its message): njc rows only", file=sys.stderr)
        peer_runs = []
    text, rows = table(njc_runs, peer_runs)
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "unknown CPU")
    print(f"{model}; {args.repetitions} interleaved repetitions, medians\n")
    print(text)
    if args.svg and peer_runs:
        os.makedirs(os.path.dirname(os.path.abspath(args.svg)), exist_ok=True)
        with open(args.svg, "w") as f:
            f.write(svg(rows, "best peer", f"{args.suite} ({model})", goal))


if __name__ == "__main__":
    main()
