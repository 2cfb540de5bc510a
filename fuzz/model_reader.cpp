// Fuzz target: njc's JSON model reader (and the RTNeural importer it dispatches to), then the lowering of
// whatever it accepts. Every input must give a graph or a Diag; nothing may abort.
#include <string>

#include "frontend/model_reader.h"
#include "fuzz/fuzz_target.h"
#include "passes/lower_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  njc::ReadOptions o;
  o.memory_budget = 64 << 20;  // small models only: the fuzzer looks for crashes, not for big allocations
  auto g = njc::read_model_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json",
                                "/nonexistent-njc-fuzz-dir", o);
  if (g) (void)njc::passes::lower_graph(*g);
  return 0;
}
