// Fuzz target: the loop IR text reader, the verifier, and the -O3 pipeline of each target on every kernel
// that verifies. A pass may refuse; it may not produce IR the verifier rejects, or abort.
#include <string>

#include "fuzz/fuzz_target.h"
#include "ir/assert.h"
#include "ir/loop_parser.h"
#include "ir/loop_verifier.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = njc::loop::parse_module(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.loop");
  if (!m) return 0;
  for (const njc::loop::Kernel& k : m->kernels) {
    if (!njc::loop::verify(k)) continue;
    for (const njc::passes::TargetDesc& t : {njc::passes::TargetDesc::avx2(), njc::passes::TargetDesc::avx512()}) {
      njc::loop::Kernel copy = k;
      auto applied = njc::passes::optimize(3, copy, t);
      if (!applied) continue;
      njc::Status s = njc::loop::verify(copy);
      NJC_ASSERT(s, "-O3 produced invalid IR: " + (s ? "" : s.error().message));
    }
  }
  return 0;
}
