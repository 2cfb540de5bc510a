// Loading a model with large inline weights (issue 15): a 2-layer LSTM with 256 units over 64 inputs
// (856,064 params, about 10 MB of JSON) is written to a temporary directory once, then read back with
// read_model_file (text, JSON, checks, graph) per iteration. Reported: the time per load, the JSON text
// read per second, and the peak resident memory a load adds (VmHWM after the load minus VmRSS before it,
// the peak reset through /proc/self/clear_refs), also as a multiple of the weights' size in fp32.
//
//   build/bench/bench_load
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "frontend/model_reader.h"

namespace {

constexpr int kInputs = 64;
constexpr int kUnits = 256;

// n uniform values in [-0.1, 0.1) in the shortest text that reads back to the same fp32 value, as an
// exporter writing fp32 weights would.
std::string number_array(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ", ";
    out.append(buf, std::to_chars(buf, buf + sizeof buf, u(rng)).ptr);
  }
  return out + "]";
}

// The model text and its number of weights.
std::pair<std::string, size_t> lstm_model_text() {
  std::mt19937 rng(15);
  std::string params, states, nodes, x = "x";
  size_t weights = 0;
  for (int layer = 0; layer < 2; ++layer) {
    const std::string l = std::to_string(layer), h = std::to_string(kUnits);
    const size_t in = layer == 0 ? kInputs : kUnits, gates = 4 * kUnits;
    auto param = [&](const std::string& name, const std::string& shape, size_t n) {
      params += std::string(params.empty() ? "" : ",\n") + R"({"name": ")" + name + R"(", "shape": )" +
                shape + R"(, "data": )" + number_array(n, rng) + "}";
      weights += n;
    };
    param("W" + l, "[" + std::to_string(gates) + ", " + std::to_string(in) + "]", gates * in);
    param("R" + l, "[" + std::to_string(gates) + ", " + h + "]", gates * kUnits);
    param("B" + l, "[" + std::to_string(2 * gates) + "]", 2 * gates);
    states += std::string(states.empty() ? "" : ", ") + R"({"name": "h)" + l + R"(", "shape": [1, )" + h +
              R"(], "next": "h)" + l + R"(n"}, {"name": "c)" + l + R"(", "shape": [1, )" + h +
              R"(], "next": "c)" + l + R"(n"})";
    nodes += std::string(nodes.empty() ? "" : ",\n") + R"({"op": "lstm_cell", "inputs": [")" + x +
             R"(", "W)" + l + R"(", "R)" + l + R"(", "B)" + l + R"(", "h)" + l + R"(", "c)" + l +
             R"("], "outputs": ["h)" + l + R"(n", "c)" + l + R"(n"]})";
    x = "h" + l + "n";
  }
  std::string text =
      R"({"format": "njc-model", "version": 1, "name": "lstm256", "inputs": [{"name": "x", "shape": [1, )" +
      std::to_string(kInputs) + R"(]}], "outputs": [")" + x + R"("],
"params": [
)" + params +
      "],\n\"states\": [" + states + "],\n\"nodes\": [" + nodes + "]}\n";
  return {text, weights};
}

// A field of /proc/self/status in kB (VmRSS, VmHWM), 0 when it cannot be read.
long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  return 0;
}

// Sets the peak resident size back to the current one (Linux >= 4.0); false when not allowed.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

void BM_LoadInlineLstm256(benchmark::State& state) {
  static const auto [text, weights] = lstm_model_text();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("njc_bench_load." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "lstm256.json").string();
  std::ofstream(path, std::ios::binary) << text;
  long peak_kb = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const bool reset = reset_peak_rss();
    const long before = status_kb("VmRSS");
    state.ResumeTiming();
    njc::Expected<njc::Graph> g = njc::read_model_file(path);
    if (!g) {
      state.SkipWithError(njc::format_diag(g.error()).c_str());
      break;
    }
    benchmark::DoNotOptimize(g);
    state.PauseTiming();
    if (reset) peak_kb = std::max(peak_kb, status_kb("VmHWM") - before);
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
  const double weight_mb = static_cast<double>(weights) * 4 / (1 << 20);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
  state.counters["json_MB"] = static_cast<double>(text.size()) / (1 << 20);
  state.counters["weights_MB"] = weight_mb;
  state.counters["peak_MB"] = static_cast<double>(peak_kb) / 1024;
  state.counters["peak_x_weights"] = static_cast<double>(peak_kb) / 1024 / weight_mb;
}
BENCHMARK(BM_LoadInlineLstm256)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
