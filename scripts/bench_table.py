#!/usr/bin/env python3
"""njc against its peers, as ratios measured in one run (issue 14; docs/performance.md).

Runs njc's benchmark program and its peer's alternately (njc, peer, njc, peer, ...), each repetition a
whole process with Google Benchmark's JSON output, then prints one markdown table row per workload: the
median time of each side with its min-max over the repetitions, and njc / peer as the median of the
per-repetition ratios (< 1: njc is faster). Rows named ".../quiet/..." also get quiet / busy, the cost of
subnormal numbers. With --svg the ratios are drawn as a bar chart.

    python3 scripts/bench_table.py recurrent [--build build] [--repetitions 7] [--min-time 0.2]
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

# Benchmark pairs: njc's program and the peer's, row names "<workload>/<impl>".
SUITES = {
    "recurrent": ("bench/bench_recurrent", "bench/bench_recurrent_eigen", "eigen"),
}


def run_once(program, min_time, cpu):
    cmd = [program, "--benchmark_format=json", f"--benchmark_min_time={min_time}"]
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu)] + cmd
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    times = {}
    for b in json.loads(out)["benchmarks"]:
        workload, _, _impl = b["name"].rpartition("/")
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
        times[workload] = b["real_time"] * scale
    return times


def spread(values):
    return statistics.median(values), min(values), max(values)


def table(njc_runs, peer_runs, peer_name):
    rows = []
    workloads = list(njc_runs[0].keys())
    lines = [f"| workload | njc ns (min-max) | {peer_name} ns (min-max) | njc / {peer_name} |",
             "|---|---:|---:|---:|"]
    for w in workloads:
        n = [r[w] for r in njc_runs]
        p = [r[w] for r in peer_runs if w in r]
        nm, nlo, nhi = spread(n)
        if p:
            pm, plo, phi = spread(p)
            ratio = statistics.median(a / b for a, b in zip(n, p))
            lines.append(f"| {w} | {nm:.0f} ({nlo:.0f}-{nhi:.0f}) | {pm:.0f} ({plo:.0f}-{phi:.0f}) | {ratio:.2f} |")
        else:
            ratio = None
            lines.append(f"| {w} | {nm:.0f} ({nlo:.0f}-{nhi:.0f}) | - | - |")
        rows.append((w, ratio))
    quiet = [w for w in workloads if "/quiet/" in w]
    if quiet:
        lines += ["", "| subnormal state | njc quiet / busy | " + peer_name + " quiet / busy |", "|---|---:|---:|"]
        for w in quiet:
            busy = w.replace("/quiet/", "/")
            nq = statistics.median(r[w] / r[busy] for r in njc_runs)
            pq = [r[w] / r[busy] for r in peer_runs if w in r and busy in r]
            lines.append(f"| {w} | {nq:.2f} | " + (f"{statistics.median(pq):.2f}" if pq else "-") + " |")
    return "\n".join(lines), rows


def svg(rows, peer_name, title):
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
    for mark, label in ((1.0, f"= {peer_name}"), (0.5, "goal 0.5")):
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
    njc_prog, peer_prog, peer_name = SUITES[args.suite]
    njc_path, peer_path = os.path.join(args.build, njc_prog), os.path.join(args.build, peer_prog)
    if not os.path.exists(njc_path):
        sys.exit(f"bench_table: {njc_path} is not built (scripts/build.sh)")
    have_peer = os.path.exists(peer_path)
    if not have_peer:
        print(f"bench_table: {peer_path} is not built (its package is not installed): njc rows only", file=sys.stderr)
    cpu = None if args.cpu < 0 else args.cpu
    njc_runs, peer_runs = [], []
    for _ in range(args.repetitions):
        njc_runs.append(run_once(njc_path, args.min_time, cpu))
        if have_peer:
            peer_runs.append(run_once(peer_path, args.min_time, cpu))
    if have_peer and not peer_runs[0]:
        print(f"bench_table: {peer_path} ran no benchmark (see its message): njc rows only", file=sys.stderr)
        peer_runs = []
    text, rows = table(njc_runs, peer_runs, peer_name)
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "unknown CPU")
    print(f"{model}; {args.repetitions} interleaved repetitions, medians\n")
    print(text)
    if args.svg and peer_runs:
        os.makedirs(os.path.dirname(os.path.abspath(args.svg)), exist_ok=True)
        with open(args.svg, "w") as f:
            f.write(svg(rows, peer_name, f"{args.suite} ({model})"))


if __name__ == "__main__":
    main()
