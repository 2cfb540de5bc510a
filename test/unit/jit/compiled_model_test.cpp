// The JIT against the reference interpreter: every bundled example at every -O level and every target
// this CPU runs, with state carried across calls and instances kept apart; then differential fuzzing on
// random valid models (NJC_FUZZ_MODELS=N for more, NJC_FUZZ_SEED=S to replay one).
#include "runtime/compiled_model.h"

#include <gtest/gtest.h>
#include <cmath>
#include <cstdlib>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"
#include "test/support/random_values.h"

namespace njc {
namespace {

using test::random_values;

std::vector<x86::Target> host_targets() {
  std::vector<x86::Target> out;
  for (x86::Target t : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4}) {
    if (!x86::target_supported(t, x86::detect_cpu())) continue;
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

// ---- differential fuzzing ------------------------------------------------------------------------------

// A random valid model in the JSON format: a chain of layers over a [rows, width] activation with random
// sizes (1, primes, powers of two), parameters from seeded initializers, and recurrent state.
std::string random_model(uint64_t seed) {
  SplitMix64 rng(seed);
  auto pick = [&](std::initializer_list<int64_t> v) { return *(v.begin() + rng.next() % v.size()); };
  int64_t rows = pick({1, 1, 2, 3}), width = pick({1, 2, 3, 5, 7, 8, 13, 16, 17, 32}), input_width = width;
  std::string params, states, nodes, cur = "x";
  int n = 0;
  auto name = [&](const char* p) { return std::string(p) + std::to_string(n); };
  auto param = [&](const std::string& pn, const std::string& shape) {
    params += (params.empty() ? "" : ", ") + std::string("{\"name\": \"") + pn + "\", \"shape\": " + shape +
              ", \"init\": {\"kind\": \"uniform\", \"low\": -0.6, \"high\": 0.6, \"seed\": " +
              std::to_string(rng.next() % 1000) + "}}";
  };
  auto node = [&](const std::string& text) { nodes += (nodes.empty() ? "" : ",\n") + text; };
  auto sh = [](int64_t a, int64_t b) { return "[" + std::to_string(a) + ", " + std::to_string(b) + "]"; };
  int layers = 1 + static_cast<int>(rng.next() % 4);
  for (int l = 0; l < layers; ++l, ++n) {
    int kind = static_cast<int>(rng.next() % 7);
    std::string out = name("t");
    if (kind == 0 || kind == 1) {  // dense with an activation
      int64_t next = pick({1, 3, 4, 8, 11, 16, 31});
      const char* acts[] = {"none", "relu", "tanh", "sigmoid", "softmax", "elu", "leaky_relu", "softplus"};
      param(name("w"), sh(next, width));
      param(name("b"), "[" + std::to_string(next) + "]");
      node("{\"op\": \"dense\", \"inputs\": [\"" + cur + "\", \"" + name("w") + "\", \"" + name("b") +
           "\"], \"outputs\": [\"" + out + "\"], \"attributes\": {\"activation\": \"" + acts[rng.next() % 8] +
           "\"}}");
      width = next;
    } else if (kind == 2 || kind == 3) {  // lstm_cell or gru_cell with state
      bool lstm = kind == 2;
      int64_t h = pick({1, 2, 5, 8, 16}), gates = lstm ? 4 : 3;
      param(name("W"), sh(gates * h, width));
      param(name("R"), sh(gates * h, h));
      param(name("B"), "[" + std::to_string(2 * gates * h) + "]");
      std::string hs = name("h"), cs = name("c");
      states += std::string(states.empty() ? "" : ", ") + "{\"name\": \"" + hs +
                "\", \"shape\": " + sh(rows, h) + ", \"next\": \"" + out + "\"}";
      std::string ins = "\"" + cur + "\", \"" + name("W") + "\", \"" + name("R") + "\", \"" + name("B") +
                        "\", \"" + hs + "\"";
      std::string outs = "\"" + out + "\"";
      if (lstm) {
        states +=
            ", {\"name\": \"" + cs + "\", \"shape\": " + sh(rows, h) + ", \"next\": \"" + name("cn") + "\"}";
        ins += ", \"" + cs + "\"";
        outs += ", \"" + name("cn") + "\"";
      }
      node(std::string("{\"op\": \"") + (lstm ? "lstm_cell" : "gru_cell") + "\", \"inputs\": [" + ins +
           "], \"outputs\": [" + outs + "]" +
           (lstm ? ""
                 : ", \"attributes\": {\"linear_before_reset\": " + std::to_string(rng.next() % 2) + "}") +
           "}");
      width = h;
    } else if (kind == 4) {  // causal convolution over calls
      int64_t k = pick({1, 2, 3}), dil = pick({1, 2}), next = pick({1, 2, 4, 5});
      param(name("w"),
            "[" + std::to_string(next) + ", " + std::to_string(width) + ", " + std::to_string(k) + "]");
      std::string ins = "\"" + cur + "\", \"" + name("w") + "\", \"\"", outs = "\"" + out + "\"";
      if (k > 1) {
        std::string hist = name("hist");
        states += std::string(states.empty() ? "" : ", ") + "{\"name\": \"" + hist + "\", \"shape\": [" +
                  std::to_string(rows) + ", " + std::to_string(width) + ", " + std::to_string((k - 1) * dil) +
                  "], \"next\": \"" + name("histn") + "\"}";
        ins += ", \"" + hist + "\"";
        outs += ", \"" + name("histn") + "\"";
      }
      node("{\"op\": \"conv1d_stream\", \"inputs\": [" + ins + "], \"outputs\": [" + outs +
           "], \"attributes\": {\"dilation\": " + std::to_string(dil) + "}}");
      width = next;
    } else if (kind == 5) {  // elementwise with a broadcast param
      const char* ops[] = {"Add", "Sub", "Mul"};
      param(name("p"), "[" + std::to_string(width) + "]");
      node(std::string("{\"op\": \"") + ops[rng.next() % 3] + "\", \"inputs\": [\"" + cur + "\", \"" +
           name("p") + "\"], \"outputs\": [\"" + out + "\"]}");
    } else {  // a reduction keeping the shape's rank, then broadcast back with Mul
      node("{\"op\": \"ReduceMean\", \"inputs\": [\"" + cur + "\"], \"outputs\": [\"" + name("r") +
           "\"], \"attributes\": {\"axes\": [1]}}");
      node("{\"op\": \"Sub\", \"inputs\": [\"" + cur + "\", \"" + name("r") + "\"], \"outputs\": [\"" + out +
           "\"]}");
    }
    cur = out;
  }
  return "{\"format\": \"njc-model\", \"version\": 1, \"name\": \"fuzz" + std::to_string(seed) +
         "\", \"batch\": " + std::to_string(pick({1, 1, 2, 3})) +
         ", \"inputs\": [{\"name\": \"x\", \"shape\": " + sh(rows, input_width) + "}], \"outputs\": [\"" +
         cur + "\"], \"params\": [" + params + "], \"states\": [" + states + "], \"nodes\": [\n" + nodes +
         "]}";
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
