// Fuzz target: differential. The input picks a valid random model (test/support/random_model.h), a level
// and a target the host runs; the JIT's outputs must equal the reference interpreter's within fp32
// reassociation tolerance.
#include <cmath>
#include <cstring>
#include <string>

#include "backend-x86/target_features.h"
#include "frontend/model_reader.h"
#include "fuzz/fuzz_target.h"
#include "ir/assert.h"
#include "ir/graph_interpreter.h"
#include "runtime/compiled_model.h"
#include "test/support/random_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 10) return 0;
  uint64_t seed = 0;
  std::memcpy(&seed, data, 8);
  const int level = data[8] % 4;
  njc::x86::Target target = static_cast<njc::x86::Target>(data[9] % 3);
  if (!njc::x86::target_supported(target, njc::x86::host_cpu())) target = njc::x86::host_target();
  auto g = njc::read_model_text(njc::test::random_model(seed % 1000000), "random.json", ".");
  NJC_ASSERT(g, "random_model produced an invalid model");
  njc::runtime::ModelOptions o;
  o.opt_level = level;
  o.target = target;
  auto model = njc::runtime::CompiledModel::compile(*g, o);
  NJC_ASSERT(model, "a valid model did not compile: " + (model ? "" : model.error().message));
  njc::runtime::ModelInstance instance(*model);
  njc::GraphInterpreter interp(*g);
  std::vector<std::vector<float>> inputs;
  for (njc::ValueId v : g->inputs) {
    std::vector<float> x(static_cast<size_t>(g->batch * njc::num_elements(g->value(v).shape)));
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i + seed % 97)) * 0.8f;
    inputs.push_back(std::move(x));
  }
  for (int call = 0; call < 2; ++call) {  // twice: the state carries
    auto want = interp.run(inputs);
    auto got = instance.run(inputs);
    NJC_ASSERT(got.size() == want.size(), "output count");
    for (size_t o2 = 0; o2 < want.size(); ++o2)
      for (size_t e = 0; e < want[o2].size(); ++e) {
        const double w = want[o2][e], x = got[o2][e];
        const bool same = std::isnan(w) ? std::isnan(x) : std::fabs(x - w) <= 1e-5 * std::fabs(w) + 1e-6;
        NJC_ASSERT(same, "JIT differs from the interpreter: seed " + std::to_string(seed % 1000000) + " level " +
                             std::to_string(level) + " output " + std::to_string(o2) + " element " +
                             std::to_string(e) + ": " + std::to_string(x) + " vs " + std::to_string(w));
      }
  }
  return 0;
}
