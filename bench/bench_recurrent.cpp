// RTNeural's benchmark shapes (issue 14): input 1 → LSTM or GRU with H units → Dense(1), one sample per
// call, state carried, for H = 8, 16, 32, 64, 128 (recurrent_nets.h), njc at O3 through the
// allocation-free ModelInstance path. Each net is first checked against a scalar reference.
//
// Rows "quiet" drive bias-free nets with a subnormal input, so the state settles around 1e-40, as a
// plugin's state decays between notes: "quiet ÷ busy" shows whether subnormals slow a call down.
//
// The peer, a fixed-size Eigen implementation of the same nets, is the program bench_recurrent_eigen
// (bench/peers/); scripts/bench_table.py runs both interleaved and prints the ratios:
//
//   build/bench/bench_recurrent
//   python3 scripts/bench_table.py recurrent
#include <benchmark/benchmark.h>

#include <string>

#include "bench/recurrent_nets.h"
#include "frontend/model_reader.h"
#include "runtime/compiled_model.h"

namespace {

using namespace njc_bench;
using njc::runtime::CompiledModel;
using njc::runtime::ModelInstance;

std::string floats(const std::vector<float>& v) {
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.9g", i ? ", " : "", static_cast<double>(v[i]));
    out += buf;
  }
  return out + "]";
}

std::string param(const std::string& name, const std::string& shape, const std::vector<float>& data) {
  return R"({"name": ")" + name + R"(", "shape": )" + shape + R"(, "data": )" + floats(data) + "}";
}

std::string model_json(const Net& n) {
  const std::string h = std::to_string(n.hidden), gh = std::to_string(gates(n.cell) * n.hidden);
  const bool lstm = n.cell == Cell::kLstm;
  std::string states = R"([{"name": "h", "shape": [1, )" + h + R"(], "next": "h2"})";
  if (lstm) states += R"(, {"name": "c", "shape": [1, )" + h + R"(], "next": "c2"})";
  const std::string cell =
      lstm ? R"({"op": "lstm_cell", "inputs": ["x", "W", "R", "B", "h", "c"], "outputs": ["h2", "c2"]})"
           : R"({"op": "gru_cell", "inputs": ["x", "W", "R", "B", "h"], "outputs": ["h2"],
                 "attributes": {"linear_before_reset": 1}})";
  return R"({"format": "njc-model", "version": 1, "name": "rtneural_shape",
    "inputs": [{"name": "x", "shape": [1, 1]}], "outputs": ["y"], "params": [)" +
         param("W", "[" + gh + ", 1]", n.W) + ", " + param("R", "[" + gh + ", " + h + "]", n.R) + ", " +
         param("B", "[" + std::to_string(2 * gates(n.cell) * n.hidden) + "]", n.B) + ", " +
         param("w2", "[1, " + h + "]", n.w2) + ", " + param("b2", "[1]", {n.b2}) + R"(],
    "states": )" + states + R"(], "nodes": [)" + cell +
         R"(, {"op": "dense", "inputs": ["h2", "w2", "b2"], "outputs": ["y"]}]})";
}

std::shared_ptr<const CompiledModel> compile(const Net& n) {
  auto g = njc::read_model_text(model_json(n), "bench_recurrent", ".");
  if (!g) {
    std::fprintf(stderr, "model: %s\n", g.error().message.c_str());
    std::abort();
  }
  njc::runtime::ModelOptions o;
  o.opt_level = 3;
  auto m = CompiledModel::compile(*g, o);
  if (!m) {
    std::fprintf(stderr, "compile failed: %s\n", m.error().message.c_str());
    std::abort();
  }
  return *m;
}

void run_njc(benchmark::State& state, Cell cell, int hidden, bool quiet) {
  const Net net = make_net(cell, hidden, !quiet);
  ModelInstance inst(compile(net));
  float* x = inst.input(0);
  const float* y = inst.output(0);
  int64_t t = 0;
  for (int i = 0; i < kSettleCalls; ++i) {
    *x = input_sample(quiet, t++);
    inst.run();
  }
  for (auto _ : state) {
    *x = input_sample(quiet, t++);
    inst.run();
    benchmark::DoNotOptimize(*y);
  }
}

bool check(Cell cell, int hidden) {
  const Net net = make_net(cell, hidden, true);
  ModelInstance inst(compile(net));
  return agrees_with_reference(net, "njc", [&](float x) {
    *inst.input(0) = x;
    inst.run();
    return *inst.output(0);
  });
}

void register_rows(Cell cell, int hidden, bool quiet) {
  const std::string name =
      std::string(cell_name(cell)) + "/" + (quiet ? "quiet/" : "") + std::to_string(hidden) + "/njc";
  benchmark::RegisterBenchmark(name.c_str(), run_njc, cell, hidden, quiet);
}

}  // namespace

int main(int argc, char** argv) {
  for (Cell cell : {Cell::kLstm, Cell::kGru}) {
    for (int h : kHiddenSizes) {
      if (!check(cell, h)) return 1;
      register_rows(cell, h, false);
    }
    register_rows(cell, kQuietHidden, true);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
