// Objects from `njc --emit-obj` in real programs: test/aot/driver.c, compiled with gcc against the generated
// header, linked with the object both into a fully static executable and through a shared library built
// from it (no TEXTREL), runs several calls carrying state; every output agrees with `njc MODEL --interp run`
// on the same inputs within 1e-5 relative + 1e-6 absolute (the JIT tests' tolerance). The models: every
// bundled example at three (level, target) settings and random models (NJC_AOT_MODELS=N for more than 40,
// NJC_AOT_SEED=S to replay one).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backend-x86/target_features.h"
#include "test/support/random_model.h"
#include "test/support/random_values.h"
#include "test/unit/aot/aot_test_util.h"

namespace njc::aot_test {
namespace {

constexpr int kCalls = 4;

struct Model {
  std::string path;  // njc JSON
  std::string name;  // --name
  std::vector<std::string> inputs;
  std::vector<int64_t> input_sizes;
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Input names and sizes from the model's own graph (read the way njc reads it).
Model describe(const std::string& path, const std::string& name) {
  Model m{path, name, {}, {}};
  auto g = nlohmann::json::parse(test::slurp(path));
  const int64_t batch = g.value("batch", 1);
  for (const auto& in : g["inputs"]) {
    int64_t n = batch;
    for (const auto& d : in["shape"]) n *= d.get<int64_t>();
    m.inputs.push_back(in["name"].get<std::string>());
    m.input_sizes.push_back(n);
  }
  return m;
}

// Inputs of every call: input i of call c is random_values(size, 1000 * seed + 31 * c + i).
std::vector<std::vector<std::vector<float>>> make_inputs(const Model& m, uint64_t seed) {
  std::vector<std::vector<std::vector<float>>> calls(kCalls);
  for (int c = 0; c < kCalls; ++c)
    for (size_t i = 0; i < m.inputs.size(); ++i)
      calls[static_cast<size_t>(c)].push_back(
          test::random_values(m.input_sizes[i], 1000 * seed + 31 * static_cast<uint64_t>(c) + i));
  return calls;
}

// The reference: `njc MODEL --interp run --input calls.jsonl` (one call per line, state carried).
std::vector<std::vector<float>> interpreter_outputs(const Model& m,
                                                    const std::vector<std::vector<std::vector<float>>>& calls,
                                                    const ScratchDir& dir) {
  std::string jsonl;
  char buf[32];
  for (const auto& call : calls) {
    std::string line = "{";
    for (size_t i = 0; i < call.size(); ++i) {
      line += (i ? ", \"" : "\"") + m.inputs[i] + "\": [";
      for (size_t e = 0; e < call[i].size(); ++e) {
        std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(call[i][e]));
        line += (e ? ", " : "") + std::string(buf);
      }
      line += "]";
    }
    jsonl += line + "}\n";
  }
  std::ofstream(dir / "in.jsonl") << jsonl;
  ToolResult r = sh(njc() + " '" + m.path + "' --interp run --input in.jsonl", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::vector<float>> out;  // per call: every output, concatenated in order
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::ordered_json::parse(line);
    std::vector<float> flat;
    for (const auto& [name, values] : j.items())
      for (const auto& v : values)
        flat.push_back(v.is_string() ? (v == "NaN"        ? NAN
                                        : v == "Infinity" ? INFINITY
                                                          : -INFINITY)
                                     : v.get<float>());
    out.push_back(std::move(flat));
  }
  return out;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t e = 0; e < want.size(); ++e)
    ASSERT_NEAR(got[e], want[e], 1e-5 * std::fabs(want[e]) + 1e-6) << what << " element " << e;
}

// Builds the object and both programs, runs them (with NJC_TARGET_CAP=cap when given, which makes the
// driver choose the object's variant again under that cap), compares with the interpreter.
void check_model(const Model& m, int level, const std::string& target, uint64_t seed, const std::string& what,
                 const std::string& extra = "", const std::string& cap = "") {
  ScratchDir dir;
  ToolResult r = sh(njc() + " '" + m.path + "' --emit-obj -o m.o --header m.h --name " + m.name + " -O" +
                        std::to_string(level) + " --target " + target + " " + extra,
                    dir.path());
  ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err;
  expect_tools_accept(dir / "m.o");
  const std::string cc = "gcc -O1 -std=c11 -Wall -Wextra -Werror -include m.h -DNJC_PREFIX=" + m.name +
                         " -DNJC_UPPER=" + upper(m.name) + " '" + NJC_SOURCE_DIR + "/test/aot/driver.c' ";
  r = sh(cc + "m.o -static -o static_driver", dir.path());
  ASSERT_EQ(r.exit_code, 0) << what << ": static link: " << r.err;
  r = sh("gcc -shared -o libmodel.so m.o && " + cc + "-L. -lmodel -Wl,-rpath,'$ORIGIN' -o shared_driver",
         dir.path());
  ASSERT_EQ(r.exit_code, 0) << what << ": shared link: " << r.err;
  r = sh("readelf -d libmodel.so", dir.path());
  EXPECT_EQ(r.out.find("TEXTREL"), std::string::npos) << what << ": " << r.out;

  auto calls = make_inputs(m, seed);
  std::vector<float> in;
  for (const auto& call : calls)
    for (const auto& v : call) in.insert(in.end(), v.begin(), v.end());
  write_bytes(dir / "in.bin", in.data(), in.size() * sizeof(float));
  auto want = interpreter_outputs(m, calls, dir);
  ASSERT_EQ(want.size(), static_cast<size_t>(kCalls)) << what;
  const std::string env = cap.empty() ? "" : "NJC_TARGET_CAP=" + cap + " ";
  for (const char* program : {"static_driver", "shared_driver"}) {
    r = sh(env + "./" + std::string(program) + " " + std::to_string(kCalls) + " in.bin out.bin", dir.path());
    ASSERT_EQ(r.exit_code, 0) << what << " " << program << ": " << r.err;
    if (!cap.empty()) {
      const int id = static_cast<int>(*x86::parse_target(cap));
      EXPECT_NE(r.err.find("target " + std::to_string(id)), std::string::npos)
          << what << ": the dispatcher did not choose " << cap << ": " << r.err;
    }
    auto bytes = read_bytes(dir / "out.bin");
    std::vector<float> out(bytes.size() / sizeof(float));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
    const size_t per_call = want[0].size();
    ASSERT_EQ(out.size(), per_call * kCalls) << what << " " << program;
    for (int c = 0; c < kCalls; ++c)
      expect_close(std::vector<float>(out.begin() + static_cast<long>(c * per_call),
                                      out.begin() + static_cast<long>((c + 1) * per_call)),
                   want[static_cast<size_t>(c)], what + " " + program + " call " + std::to_string(c));
  }
}

std::vector<std::string> runnable_targets() {
  std::vector<std::string> out;
  for (x86::Target t : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4})
    if (x86::target_supported(t, x86::host_cpu())) out.emplace_back(x86::target_name(t));
  return out;
}

// y = x · w with w = 1e-10: x = 1e-30 gives a subnormal 1e-40 (flushed to 0), and a subnormal x = 1e-40
// reads as 0 (DAZ), so y = 0 either way; with --keep-denormals both are IEEE. The program also checks
// that the caller's MXCSR control bits (here with the rounding mode set to "down", a value a host might
// hold) are the same after each run (the exception flags may rise, as after any float code).
constexpr const char* kTinyModel = R"({"format": "njc-model", "version": 1, "name": "tiny",
  "inputs": [{"name": "x", "shape": [1, 2]}], "outputs": ["y"],
  "params": [{"name": "w", "shape": [1, 2], "data": [[1e-10, 1e10]]}],
  "nodes": [{"op": "dense", "inputs": ["x", "w"], "outputs": ["y"]}]})";

constexpr const char* kMxcsrProgram = R"(#include <stdio.h>
#include <stdlib.h>
#include <xmmintrin.h>
int main(void) {
  void* state = malloc(TINY_STATE_BYTES + 1);
  tiny_init_state(state);
  const unsigned caller = (_mm_getcsr() & ~0x6000u) | 0x2000u; /* round down */
  _mm_setcsr(caller);
  const float flushed[2] = {1e-30f, 0.0f}, subnormal_in[2] = {0.0f, 1e-40f};
  float y[2];
  const float* in[1] = {flushed};
  float* out[1] = {&y[0]};
  if (tiny_run(in, out, state) != 0) return 5;
  in[0] = subnormal_in;
  out[0] = &y[1];
  if (tiny_run(in, out, state) != 0) return 5;
  printf("%g %g %s\n", y[0], y[1], (_mm_getcsr() & ~0x3fu) == (caller & ~0x3fu) ? "restored" : "changed");
  return 0;
}
)";

TEST(AotLink, RunFlushesSubnormalsAndRestoresTheCallersMxcsr) {
  for (const std::string& target : runnable_targets()) {
    for (bool keep : {false, true}) {
      ScratchDir dir;
      std::ofstream(dir / "tiny.json") << kTinyModel;
      std::ofstream(dir / "main.c") << kMxcsrProgram;
      ToolResult r = sh(njc() + " tiny.json --emit-obj -o tiny.o --header tiny.h --target " + target +
                            (keep ? " --keep-denormals" : ""),
                        dir.path());
      ASSERT_EQ(r.exit_code, 0) << r.err;
      r = sh("gcc -O1 -std=c11 -Wall -Werror -include tiny.h main.c tiny.o -o main && ./main", dir.path());
      ASSERT_EQ(r.exit_code, 0) << r.err;
      float flushed = 0, daz = 0;
      char mode[16] = {};
      ASSERT_EQ(std::sscanf(r.out.c_str(), "%g %g %15s", &flushed, &daz, mode), 3) << r.out;
      EXPECT_STREQ(mode, "restored") << target;
      if (keep) {
        EXPECT_GT(flushed, 0.0f) << target << ": 1e-30 * 1e-10 is a subnormal, not 0";
        EXPECT_NEAR(daz, 1e-30f, 1e-32f) << target << ": 1e-40 * 1e10";
      } else {
        EXPECT_EQ(flushed, 0.0f) << target << ": FZ flushes the subnormal product";
        EXPECT_EQ(daz, 0.0f) << target << ": DAZ reads the subnormal input as 0";
      }
    }
  }
}

// States with declared initial values (batch 2: each instance starts from its own copy): init_state writes
// them, and the object's calls match the interpreter's, which starts from the same values.
TEST(AotLink, StatesStartFromTheirInitialValues) {
  ScratchDir dir;
  std::ofstream(dir / "held.json") << R"({"format": "njc-model", "version": 1, "name": "held", "batch": 2,
    "inputs": [{"name": "x", "shape": [1, 3]}], "outputs": ["y", "z"],
    "states": [{"name": "h", "shape": [1, 3], "next": "y", "data": [0.5, -1.25, 2.0]},
               {"name": "k", "shape": [2], "init": {"kind": "constant", "value": 3.0}},
               {"name": "zero", "shape": [1, 3], "next": "z"}],
    "nodes": [{"op": "Add", "inputs": ["h", "x"], "outputs": ["y"]},
              {"op": "Mul", "inputs": ["zero", "x"], "outputs": ["m"]},
              {"op": "Add", "inputs": ["m", "y"], "outputs": ["z"]}]})";
  Model m = describe(dir / "held.json", "held");
  for (const std::string& target : runnable_targets()) {
    check_model(m, 2, target, 3, "initial states " + target);
    if (HasFatalFailure()) return;
  }
}

TEST(AotLink, BundledExamplesMatchTheInterpreter) {
  auto targets = runnable_targets();
  ASSERT_FALSE(targets.empty());
  const std::pair<int, size_t> settings[] = {{3, 0}, {0, 2}, {2, 1}};  // (level, target index)
  for (const char* name : {"mlp", "mlp_batch", "npc_brain", "gru_audio", "dnc_memory"}) {
    Model m = describe(std::string(NJC_SOURCE_DIR) + "/examples/" + name + ".json", name);
    for (auto [level, t] : settings) {
      const std::string& target = targets[std::min(t, targets.size() - 1)];
      check_model(m, level, target, 7, std::string(name) + " O" + std::to_string(level) + " " + target);
      if (HasFatalFailure()) return;
    }
  }
}

// One object with a variant per target: the dispatcher runs each target this CPU has (chosen under the cap
// the driver passes to PREFIX_select_target), and every one computes the model.
TEST(AotLink, MultiTargetObjectRunsEveryTargetTheCpuHas) {
  for (const char* name : {"npc_brain", "gru_audio"}) {
    Model m = describe(std::string(NJC_SOURCE_DIR) + "/examples/" + name + ".json", name);
    for (const std::string& cap : runnable_targets()) {
      check_model(m, 3, "avx512,avx2,sse4", 5, std::string(name) + " multi-target, chosen " + cap, "", cap);
      if (HasFatalFailure()) return;
    }
  }
}

// A CPU that runs none of the object's variants (an avx512-only object on a CPU capped at avx2, or on a
// Zen 3): PREFIX_supported() is 0, PREFIX_target() is -1 and PREFIX_run returns -1. No illegal instruction.
TEST(AotLink, CpuThatRunsNoVariantGetsAnErrorNotSigill) {
  ScratchDir dir;
  const std::string model = std::string(NJC_SOURCE_DIR) + "/examples/mlp.json";
  ToolResult r =
      sh(njc() + " '" + model + "' --emit-obj -o m.o --header m.h --name mlp --target avx512", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sh("gcc -O1 -std=c11 -Wall -Werror -include m.h -DNJC_PREFIX=mlp -DNJC_UPPER=MLP '" +
             std::string(NJC_SOURCE_DIR) + "/test/aot/driver.c' m.o -o driver && : > in.bin",
         dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sh("NJC_TARGET_CAP=avx2 ./driver 1 in.bin out.bin", dir.path());
  EXPECT_EQ(r.exit_code, 4) << "expected PREFIX_run to return -1: " << r.err;
  EXPECT_NE(r.err.find("target -1"), std::string::npos) << r.err;
  if (!x86::target_supported(x86::Target::kAvx512, x86::host_cpu())) {  // the real CPU, uncapped
    r = sh("./driver 1 in.bin out.bin", dir.path());
    EXPECT_EQ(r.exit_code, 4) << r.err;
  }
}

// --tune bakes the autotuner's schedules in; the program still computes the model.
TEST(AotLink, TunedBuildMatchesTheInterpreter) {
  for (const char* name : {"npc_brain", "gru_audio"}) {
    Model m = describe(std::string(NJC_SOURCE_DIR) + "/examples/" + name + ".json", name);
    check_model(m, 3, "host", 11, std::string(name) + " --tune", "--tune");
    if (HasFatalFailure()) return;
  }
}

// The bundled recurrent models compiled for a batch of instances: their cell steps lower across the
// instances (passes/lower_batched_cells.h) and their dense layers fold the batch into rows.
TEST(AotLink, BatchedRecurrentModelsMatchTheInterpreter) {
  auto targets = runnable_targets();
  ScratchDir models;
  for (const char* name : {"npc_brain", "gru_audio"})
    for (int64_t batch : {7, 16}) {
      auto model =
          nlohmann::json::parse(test::slurp(std::string(NJC_SOURCE_DIR) + "/examples/" + name + ".json"));
      model["batch"] = batch;
      const std::string stem = std::string(name) + "_b" + std::to_string(batch);
      std::ofstream(models / (stem + ".json")) << model.dump();
      Model m = describe(models / (stem + ".json"), stem);
      const int level = batch == 7 ? 0 : 3;
      const std::string& target = targets[static_cast<size_t>(batch) % targets.size()];
      check_model(m, level, target, 5, stem + " O" + std::to_string(level) + " " + target);
      if (HasFatalFailure()) return;
    }
}

TEST(AotLink, RandomModelsMatchTheInterpreter) {
  const char* count_env = std::getenv("NJC_AOT_MODELS");
  const char* seed_env = std::getenv("NJC_AOT_SEED");
  int count = count_env ? std::atoi(count_env) : 40;
  uint64_t first = seed_env ? std::strtoull(seed_env, nullptr, 10) : 1;
  if (seed_env && !count_env) count = 1;
  auto targets = runnable_targets();
  ScratchDir models;
  for (int i = 0; i < count; ++i) {
    const uint64_t seed = first + static_cast<uint64_t>(i);
    const std::string path = models / ("fuzz" + std::to_string(seed) + ".json");
    std::ofstream(path) << test::random_model(seed);
    Model m = describe(path, "fuzz" + std::to_string(seed));
    const int level = static_cast<int>(seed % 4);
    const std::string& target = targets[seed % targets.size()];
    check_model(m, level, target, seed,
                "random model seed " + std::to_string(seed) + " (replay: NJC_AOT_SEED=" +
                    std::to_string(seed) + ") O" + std::to_string(level) + " " + target);
    if (HasFatalFailure()) {
      ADD_FAILURE() << test::random_model(seed);
      return;
    }
  }
  std::printf("aot: %d random models, static and shared, agree with the interpreter\n", count);
}

}  // namespace
}  // namespace njc::aot_test
