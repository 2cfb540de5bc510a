// The NPC swarm demo: N agents, each driven by examples/npc_brain.json (dense → LSTM 32 → dense → softmax)
// every frame, run three ways — one ModelInstance after another, one batched call (runtime::Swarm), and
// the batched call across all cores — with per-frame times (p50, p99, max), NPCs per millisecond, the
// brains' own cost (think: ns per NPC at p50, and the p99 of a frame's think time in ms), and a
// plot of every frame's time as SVG.
//
//   npc_swarm [--npcs N] [--frames F] [--chunk C] [--model PATH] [--svg PATH] [--fit]
//   --fit: also run the all-cores mode at the largest N whose p99 the first run says fits 16.7 ms
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "examples/npc_swarm/world.h"
#include "frontend/model_reader.h"
#include "runtime/compiled_model.h"
#include "runtime/swarm.h"

namespace {

using njc::demo::Agent;
using njc::demo::World;
using Clock = std::chrono::steady_clock;

struct Args {
  size_t npcs = 10000, frames = 200, warmup = 10, chunk = 48;
  std::string model = "examples/npc_brain.json", svg;
  bool fit = false;
};

struct Mode {
  std::string name;
  std::vector<double> frame_ms;  // observe + think + move
  std::vector<double> think_ms;  // the brains alone
  std::vector<float> first_actions;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

// Runs the world for warmup + frames frames; think(world) runs every agent's brain once.
template <class Think>
Mode simulate(const std::string& name, const Args& a, size_t npcs, Think think) {
  Mode m{name, {}, {}, {}};
  World world(npcs, 1);
  for (size_t f = 0; f < a.warmup + a.frames; ++f) {
    auto t0 = Clock::now();
    world.observe();
    auto t1 = Clock::now();
    think(world);
    auto t2 = Clock::now();
    world.move();
    auto t3 = Clock::now();
    if (f == 0)
      for (const Agent& ag : world.agents())
        m.first_actions.insert(m.first_actions.end(), ag.action, ag.action + 6);
    if (f < a.warmup) continue;
    m.frame_ms.push_back(std::chrono::duration<double, std::milli>(t3 - t0).count());
    m.think_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  return m;
}

Mode one_by_one(const njc::Graph& g, const Args& a) {
  auto model = njc::runtime::CompiledModel::compile(g, {});
  if (!model) std::exit((std::fprintf(stderr, "%s\n", model.error().message.c_str()), 1));
  std::vector<njc::runtime::ModelInstance> brains(a.npcs, njc::runtime::ModelInstance(*model));
  return simulate("one instance per NPC", a, a.npcs, [&](World& w) {
    std::vector<Agent>& agents = w.agents();
    for (size_t k = 0; k < agents.size(); ++k) {
      std::memcpy(brains[k].input(0), agents[k].observation, sizeof agents[k].observation);
      brains[k].run();
      std::memcpy(agents[k].action, brains[k].output(0), sizeof agents[k].action);
    }
  });
}

Mode batched(const njc::Graph& g, const Args& a, size_t npcs, size_t threads, const std::string& name) {
  njc::runtime::SwarmOptions o;
  o.capacity = npcs;
  o.chunk = a.chunk;
  o.threads = threads;
  auto swarm = njc::runtime::Swarm::create(g, o);
  if (!swarm) std::exit((std::fprintf(stderr, "%s\n", swarm.error().message.c_str()), 1));
  std::vector<uint32_t> slots(npcs);
  for (size_t k = 0; k < npcs; ++k) slots[k] = static_cast<uint32_t>(k);
  return simulate(name, a, npcs, [&](World& w) {
    // The rows live inside the game's own Agent records: the stride is the record's size.
    constexpr size_t stride = sizeof(Agent) / sizeof(float);
    njc::runtime::SwarmCall call;
    call.slots = slots.data();
    call.count = npcs;
    call.inputs = {{w.agents()[0].observation, stride}};
    call.outputs = {{w.agents()[0].action, stride}};
    (*swarm)->run(call);
  });
}

void print_row(const Mode& m, size_t npcs) {
  double p50 = percentile(m.frame_ms, 0.5), p99 = percentile(m.frame_ms, 0.99);
  double mx = *std::max_element(m.frame_ms.begin(), m.frame_ms.end());
  double think = percentile(m.think_ms, 0.5), think99 = percentile(m.think_ms, 0.99);
  std::printf("%-28s %7zu %7zu %9.3f %9.3f %9.3f %12.0f %10.1f %10.3f\n", m.name.c_str(), m.frame_ms.size(),
              npcs, p50, p99, mx, npcs / p50, think * 1e6 / npcs, think99);
}

// Frame times of every mode as polylines over the frame index.
void write_svg(const std::string& path, const std::vector<Mode>& modes, size_t npcs) {
  const double w = 760, h = 360, left = 60, right = 20, top = 40, bottom = 40;
  double ymax = 0;
  for (const Mode& m : modes) ymax = std::max(ymax, percentile(m.frame_ms, 0.995));
  ymax = std::max(ymax * 1.1, 0.01);
  size_t frames = modes.front().frame_ms.size();
  std::ofstream out(path);
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h
      << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n";
  out << "<text x='" << left << "' y='20' font-size='14'>njc NPC swarm: frame time, " << npcs
      << " npc_brain NPCs (observe + think + move)</text>\n";
  const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};
  auto X = [&](size_t f) { return left + (w - left - right) * f / std::max<size_t>(1, frames - 1); };
  auto Y = [&](double ms) { return top + (h - top - bottom) * (1 - std::min(ms, ymax) / ymax); };
  for (int t = 0; t <= 4; ++t) {
    double ms = ymax * t / 4;
    out << "<line x1='" << left << "' x2='" << w - right << "' y1='" << Y(ms) << "' y2='" << Y(ms)
        << "' stroke='#ddd'/><text x='5' y='" << Y(ms) + 4 << "'>" << std::round(ms * 100) / 100
        << " ms</text>\n";
  }
  out << "<text x='" << w / 2 << "' y='" << h - 8 << "'>frame</text>\n";
  for (size_t i = 0; i < modes.size(); ++i) {
    out << "<polyline fill='none' stroke='" << colors[i % 4] << "' stroke-width='1.2' points='";
    for (size_t f = 0; f < modes[i].frame_ms.size(); ++f)
      out << X(f) << "," << Y(modes[i].frame_ms[f]) << " ";
    out << "'/>\n<text x='" << w - 330 << "' y='" << top + 16 * (i + 1) << "' fill='" << colors[i % 4] << "'>"
        << modes[i].name << ": p99 " << std::round(percentile(modes[i].frame_ms, 0.99) * 1000) / 1000
        << " ms</text>\n";
  }
  out << "</svg>\n";
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) std::exit((std::fprintf(stderr, "npc_swarm: %s needs a value\n", s.c_str()), 2));
      return argv[++i];
    };
    if (s == "--npcs")
      a.npcs = std::stoul(value());
    else if (s == "--frames")
      a.frames = std::stoul(value());
    else if (s == "--chunk")
      a.chunk = std::stoul(value());
    else if (s == "--model")
      a.model = value();
    else if (s == "--svg")
      a.svg = value();
    else if (s == "--fit")
      a.fit = true;
    else
      std::exit(
          (std::fprintf(
               stderr,
               "usage: npc_swarm [--npcs N] [--frames F] [--chunk C] [--model PATH] [--svg PATH] [--fit]\n"),
           2));
  }
  if (a.npcs == 0 || a.frames == 0)
    std::exit((std::fprintf(stderr, "npc_swarm: --npcs and --frames must be > 0\n"), 2));
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  auto g = njc::read_model_file(a.model);
  if (!g) return std::fprintf(stderr, "%s", njc::format_diag(g.error()).c_str()), 1;
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf("npc_swarm: %s, %zu NPCs, %zu frames (after %zu warm-up), chunk %zu, %zu cores\n",
              a.model.c_str(), a.npcs, a.frames, a.warmup, a.chunk, cores);
  std::vector<Mode> modes;
  modes.push_back(one_by_one(*g, a));
  modes.push_back(batched(*g, a, a.npcs, 1, "batched, 1 thread"));
  modes.push_back(batched(*g, a, a.npcs, cores, "batched, " + std::to_string(cores) + " threads"));
  std::printf("%-28s %7s %7s %9s %9s %9s %12s %10s %10s\n", "mode", "frames", "NPCs", "p50 ms", "p99 ms",
              "max ms", "NPCs/ms", "ns/NPC", "think p99");
  for (const Mode& m : modes) print_row(m, a.npcs);
  double worst = 0;  // the batched kernels against batch-1 ones: the same actions up to rounding
  for (size_t i = 0; i < modes[0].first_actions.size(); ++i)
    worst = std::max(worst, std::fabs(double(modes[0].first_actions[i]) - modes[2].first_actions[i]));
  std::printf("first frame: batched and one-by-one actions differ by at most %.2g\n", worst);
  if (a.fit) {
    double p99 = percentile(modes[2].frame_ms, 0.99);
    size_t n = static_cast<size_t>(a.npcs * 16.7 / p99);
    Mode at_fit = batched(*g, a, n, cores, "batched, all cores, fitted");
    print_row(at_fit, n);
    std::printf(
        "largest N within 16.7 ms at p99 (extrapolated from %zu NPCs, then run): %zu, measured p99 %.3f ms\n",
        a.npcs, n, percentile(at_fit.frame_ms, 0.99));
  }
  if (!a.svg.empty()) {
    write_svg(a.svg, modes, a.npcs);
    std::printf("plot: %s\n", a.svg.c_str());
  }
  return worst < 1e-4 ? 0 : 1;
}
