// Differential checking for the code generator: run a kernel through the loop interpreter and through the
// JIT (optionally after a pass pipeline) on the same random inputs and compare every output and state
// buffer within fp32 reassociation tolerance (1e-5 relative + 1e-6 absolute).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "backend-x86/target_features.h"
#include "ir/loop_builder.h"
#include "ir/loop_interpreter.h"
#include "ir/loop_parser.h"
#include "ir/loop_printer.h"
#include "runtime/jit.h"

namespace njc::codegen_test {

using namespace loop;

// Every target this machine runs.
inline std::vector<x86::Target> host_targets() {
  std::vector<x86::Target> out;
  x86::CpuFeatures f = x86::host_cpu();
  for (x86::Target t : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4})
    if (x86::target_supported(t, f)) out.push_back(t);
  return out;
}

// All targets, for suites that instantiate every one and skip what the host cannot run (TargetTest).
inline std::vector<x86::Target> all_targets() {
  return {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4};
}

// A suite parameterized by target whose tests execute code: a target this CPU (or NJC_TARGET_CAP) does not
// run is skipped with its name, so ctest lists it as skipped rather than hiding it.
class TargetTest : public ::testing::TestWithParam<x86::Target> {
 protected:
  void SetUp() override {
    if (!x86::target_supported(GetParam(), x86::host_cpu()))
      GTEST_SKIP() << "target " << x86::target_name(GetParam()) << " does not run on this CPU";
  }
};

inline std::string target_param_name(const ::testing::TestParamInfo<x86::Target>& i) {
  return std::string(x86::target_name(i.param));
}

inline void fill(BufferData& d, const Kernel& k, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  for (size_t b = 0; b < k.buffers.size(); ++b) {
    BufferKind kind = k.buffers[b].kind;
    if (kind == BufferKind::kInput || kind == BufferKind::kState || kind == BufferKind::kOutput)
      for (float& x : d[b]) x = u(rng);
  }
}

inline bool close(float got, float want, double rel = 1e-5, double abs = 1e-6) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(double(got) - double(want)) <= rel * std::fabs(double(want)) + abs;
}

// Compiles k with o, runs it and the interpreter on the same random data (inputs in [lo, hi]), and
// reports mismatches (at most a few) as test failures. Returns the compiled kernel's stats.
inline ::testing::AssertionResult matches_interpreter(const Kernel& k, const runtime::JitOptions& o,
                                                      uint32_t seed = 1, float lo = -2.0f, float hi = 2.0f,
                                                      double rel = 1e-5) {
  Expected<runtime::JitKernel> j = runtime::compile(k, o);
  if (!j) return ::testing::AssertionFailure() << "compile failed: " << j.error().message << "\n" << print(k);
  BufferData want = make_buffers(k);
  fill(want, k, seed, lo, hi);
  BufferData got = want;
  interpret(k, want);
  j->run(got);
  int bad = 0;
  std::string msg;
  for (size_t b = 0; b < k.buffers.size(); ++b) {
    BufferKind kind = k.buffers[b].kind;
    if (kind != BufferKind::kOutput && kind != BufferKind::kState) continue;
    for (size_t i = 0; i < want[b].size(); ++i)
      if (!close(got[b][i], want[b][i], rel) && bad++ < 5)
        msg += "  " + k.buffers[b].name + "[" + std::to_string(i) + "]: jit " + std::to_string(got[b][i]) +
               " interpreter " + std::to_string(want[b][i]) + "\n";
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " mismatches at " << x86::target_name(o.target) << " O"
                                       << o.opt_level << " passes '" << o.passes << "':\n"
                                       << msg << print(j->kernel()) << "\n"
                                       << j->assembly();
}

inline Kernel parse(const std::string& text) {
  Expected<Kernel> k = parse_kernel(text);
  if (!k) ADD_FAILURE() << k.error().message;
  return k ? *k : Kernel{};
}

}  // namespace njc::codegen_test
