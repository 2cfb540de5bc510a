// Fuzz target: the graph IR text reader. What it accepts must print and read back to the same text.
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_target.h"
#include "ir/assert.h"
#include "ir/graph_printer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto g = njc::parse_graph(std::string(reinterpret_cast<const char*>(data), size), "fuzz.graph");
  if (!g) return 0;
  const std::string text = njc::print_graph(*g);
  auto again = njc::parse_graph(text, "printed.graph");
  NJC_ASSERT(again, "a printed graph does not read back: " + (again ? "" : again.error().message));
  NJC_ASSERT(njc::print_graph(*again) == text, "a printed graph reads back as another graph");
  return 0;
}
