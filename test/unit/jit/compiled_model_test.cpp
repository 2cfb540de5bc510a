// The JIT against the reference interpreter: every bundled example at every -O level and every target
// this CPU runs, with state carried across calls and instances kept apart; then differential fuzzing on
// random valid models (NJC_FUZZ_MODELS=N for more, NJC_FUZZ_SEED=S to replay one).
#include "runtime/compiled_model.h"

#include <gtest/gtest.h>
#include <xmmintrin.h>
#include <cmath>
#include <cstdlib>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"
#include "test/support/chain_models.h"
#include "test/support/random_model.h"
#include "test/support/random_values.h"

namespace njc {
namespace {

using test::random_model;
using test::random_values;

std::vector<x86::Target> host_targets() {
  std::vector<x86::Target> out;
  for (x86::Target t : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4}) {
    if (!x86::target_supported(t, x86::host_cpu())) continue;
    // A target the code generator does not offer yet fails to compile; it is then simply not listed.
    Graph probe =
        *read_model_text(R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [4]}],
      "outputs": ["y"], "nodes": [{"op": "Relu", "inputs": ["x"], "outputs": ["y"]}]})",
                         "probe", ".");
    runtime::ModelOptions o;
    o.target = t;
    if (runtime::CompiledModel::compile(probe, o)) out.push_back(t);
  }
  return out;
}

// Runs `calls` calls through the JIT and the interpreter; the JIT must agree within 1e-5 relative + 1e-6
// absolute (fp32 reassociation and the documented error of the generated math functions).
void expect_jit_matches(const Graph& g, int level, x86::Target target, int calls, const std::string& what) {
  runtime::ModelOptions o;
  o.target = target;
  o.opt_level = level;
  auto model = runtime::CompiledModel::compile(g, o);
  ASSERT_TRUE(model) << what << ": " << model.error().message;
  runtime::ModelInstance jit(*model);
  GraphInterpreter reference(g);
  for (int call = 0; call < calls; ++call) {
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < g.inputs.size(); ++i)
      inputs.push_back(random_values(g.batch * num_elements(g.value(g.inputs[i]).shape), 31 * call + i));
    auto want = reference.run(inputs), got = jit.run(inputs);
    ASSERT_EQ(got.size(), want.size());
    for (size_t out = 0; out < want.size(); ++out)
      for (size_t e = 0; e < want[out].size(); ++e)
        ASSERT_NEAR(got[out][e], want[out][e], 1e-5 * std::fabs(want[out][e]) + 1e-6)
            << what << " O" << level << " " << x86::target_name(target) << " call " << call << " output "
            << out << " element " << e;
  }
}

TEST(Jit, EveryExampleAtEveryLevelAndTarget) {
  auto targets = host_targets();
  ASSERT_FALSE(targets.empty());
  for (const char* name :
       {"mlp.json", "mlp_batch.json", "npc_brain.json", "gru_audio.json", "dnc_memory.json"}) {
    auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/" + name);
    ASSERT_TRUE(g) << format_diag(g.error());
    for (int level = 0; level <= 3; ++level)
      for (x86::Target t : targets) expect_jit_matches(*g, level, t, 5, name);
  }
}

TEST(Jit, InstancesHaveTheirOwnStateAndReset) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/npc_brain.json");
  ASSERT_TRUE(g);
  auto model = runtime::CompiledModel::compile(*g, {});
  ASSERT_TRUE(model);
  runtime::ModelInstance a(*model), b(*model);
  std::vector<std::vector<float>> in = {random_values(24, 1)};
  auto first = a.run(in);
  a.run(in);
  auto third = a.run(in);
  EXPECT_EQ(b.run(in), first);  // b's state is untouched by a's calls
  EXPECT_NE(third, first);      // a's state moved
  a.reset_state();
  EXPECT_EQ(a.run(in), first);
}

// y = x · w with w = [1e-10, 1e10]: a product that is subnormal under IEEE (1e-30 · 1e-10) and a
// subnormal input (1e-40 · 1e10). A run flushes both to 0 (FZ, DAZ) unless flush_denormals is off, and
// leaves the caller's MXCSR control bits (here rounding down) as it found them, at every level and target.
TEST(Jit, RunFlushesSubnormalsAndRestoresTheCallersMxcsr) {
  auto g =
      read_model_text(R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [1, 2]}],
    "outputs": ["y"], "params": [{"name": "w", "shape": [1, 2], "data": [[1e-10, 1e10]]}],
    "nodes": [{"op": "dense", "inputs": ["x", "w"], "outputs": ["y"]}]})",
                      "tiny", ".");
  ASSERT_TRUE(g);
  const unsigned entry = _mm_getcsr();
  const unsigned caller = (entry & ~0x6000u) | 0x2000u;  // round down
  for (x86::Target t : host_targets())
    for (int level : {0, 3})
      for (bool flush : {true, false}) {
        runtime::ModelOptions o;
        o.target = t;
        o.opt_level = level;
        o.flush_denormals = flush;
        auto model = runtime::CompiledModel::compile(*g, o);
        ASSERT_TRUE(model);
        runtime::ModelInstance inst(*model);
        _mm_setcsr(caller);
        const float product = inst.run({{1e-30f, 0.0f}})[0][0], daz = inst.run({{0.0f, 1e-40f}})[0][0];
        const unsigned after = _mm_getcsr();
        _mm_setcsr(entry);
        const std::string what = std::string(x86::target_name(t)) + " O" + std::to_string(level);
        EXPECT_EQ(after & ~0x3fu, caller & ~0x3fu) << what << ": control bits (the exception flags may rise)";
        if (flush) {
          EXPECT_EQ(product, 0.0f) << what;
          EXPECT_EQ(daz, 0.0f) << what;
        } else {
          EXPECT_GT(product, 0.0f) << what;
          EXPECT_NEAR(daz, 1e-30f, 1e-32f) << what;
        }
      }
}

// Weights past half of L2 take the other micro-kernel loop order (column panels outermost, pipelines.cpp);
// a ragged M (7 rows: one 6-row tile and a remainder) and N (400: not a multiple of the 64-wide panel).
TEST(Jit, DenseWithWeightsLargerThanHalfOfL2) {
  std::string model = R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [7, 384]}],
    "outputs": ["y"], "params": [{"name": "w", "shape": [400, 384],
    "init": {"kind": "uniform", "low": -0.1, "high": 0.1, "seed": 5}}],
    "nodes": [{"op": "dense", "inputs": ["x", "w"], "outputs": ["y"]}]})";
  auto g = read_model_text(model, "big_dense", ".");
  ASSERT_TRUE(g) << format_diag(g.error());
  for (x86::Target t : host_targets()) expect_jit_matches(*g, 3, t, 1, "dense 7x384x400");
}

// Weights O3 re-lays out (relayout): a batch-1 dense whose 128 outputs are several column panels, and ONNX
// LSTM and GRU sequences (4 steps, both directions) whose 32 units are several blocks of lanes on AVX2 and
// AVX-512, through machine code at every target.
TEST(Jit, WeightsInTheOrderTheirLoopsReadThem) {
  auto weights = [](const char* name, const char* shape, int seed) {
    return std::string(R"({"name": ")") + name + R"(", "shape": )" + shape +
           R"(, "init": {"kind": "uniform", "low": -0.3, "high": 0.3, "seed": )" + std::to_string(seed) +
           "}}";
  };
  std::string dense = R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [1, 40]}],
    "outputs": ["y"], "params": [)" +
                      weights("w", "[128, 40]", 1) + R"(],
    "nodes": [{"op": "dense", "inputs": ["x", "w"], "outputs": ["y"], "attributes": {"activation": "tanh"}}]})";
  auto rnn = [&](const char* op, int gates) {
    std::string g = std::to_string(gates * 32);
    return std::string(
               R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [4, 1, 12]}],
      "outputs": ["y"], "params": [)") +
           weights("W", ("[2, " + g + ", 12]").c_str(), 2) + ", " +
           weights("R", ("[2, " + g + ", 32]").c_str(), 3) + ", " +
           weights("B", ("[2, " + std::to_string(2 * gates * 32) + "]").c_str(), 4) +
           R"(], "nodes": [{"op": ")" + op +
           R"(", "inputs": ["x", "W", "R", "B"], "outputs": ["y"],
        "attributes": {"hidden_size": 32, "direction": "bidirectional"}}]})";
  };
  for (auto [name, text] :
       {std::pair{"dense 40->128", dense}, {"LSTM", rnn("LSTM", 4)}, {"GRU", rnn("GRU", 3)}}) {
    auto g = read_model_text(text, name, ".");
    ASSERT_TRUE(g) << format_diag(g.error());
    for (x86::Target t : host_targets()) expect_jit_matches(*g, 3, t, 2, name);
  }
}

// ---- differential fuzzing ------------------------------------------------------------------------------

// Every stage from reading to code is linear in the model's size (issue 15): chains of 4000 nodes read,
// compile at O3 and agree with the interpreter (before, a MatMul chain spent seconds naming buffers and a
// model of 4000 states 15 s in the O3 pipeline of its state update).
TEST(Jit, ChainsOfThousandsOfNodesCompileAndRun) {
  for (test::Chain kind : {test::Chain::kRelu, test::Chain::kMatMul, test::Chain::kStates}) {
    auto g = read_model_text(test::chain_model(kind, 4000), "chain", ".");
    ASSERT_TRUE(g) << format_diag(g.error());
    expect_jit_matches(*g, 3, host_targets().front(), 2, "chain " + std::to_string(static_cast<int>(kind)));
  }
}

TEST(Jit, DifferentialFuzzingOnRandomModels) {
  const char* count_env = std::getenv("NJC_FUZZ_MODELS");
  const char* seed_env = std::getenv("NJC_FUZZ_SEED");
  int count = count_env ? std::atoi(count_env) : 300;
  uint64_t first = seed_env ? std::strtoull(seed_env, nullptr, 10) : 1;
  if (seed_env && !count_env) count = 1;
  auto targets = host_targets();
  for (int i = 0; i < count; ++i) {
    uint64_t seed = first + static_cast<uint64_t>(i);
    std::string text = random_model(seed);
    auto g = read_model_text(text, "fuzz", ".");
    ASSERT_TRUE(g) << "seed " << seed
                   << " made an invalid model (a generator bug): " << format_diag(g.error()) << text;
    int level = static_cast<int>(seed % 4);
    for (x86::Target t : targets) {
      expect_jit_matches(
          *g, level, t, 3,
          "fuzz seed " + std::to_string(seed) + " (replay: NJC_FUZZ_SEED=" + std::to_string(seed) + ")");
      if (HasFatalFailure()) {
        ADD_FAILURE() << "model of seed " << seed << ":\n" << text;
        return;
      }
    }
  }
  std::printf("differential fuzzing: %d random models x %zu targets agree with the interpreter\n", count,
              targets.size());
}

}  // namespace
}  // namespace njc
