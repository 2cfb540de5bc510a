// Saturating byte counts of a graph's tensors (see memory_budget.h).
#include "ir/memory_budget.h"

#include <limits>

namespace njc {

namespace {

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

int64_t add_saturating(int64_t a, int64_t b) {
  return a > kSaturated - b ? kSaturated : a + b;
}

int64_t mul_saturating(int64_t a, int64_t b) {
  return a != 0 && b > kSaturated / a ? kSaturated : a * b;
}

}  // namespace

int64_t tensor_bytes(const Graph& g) {
  int64_t total = 0;
  for (const ValueInfo& v : g.values) {
    int64_t elements = 1;
    for (int64_t d : v.shape) elements = mul_saturating(elements, d < 0 ? 0 : d);
    const int64_t copies = v.kind == ValueKind::Param ? 1 : g.batch;
    total = add_saturating(total, mul_saturating(mul_saturating(elements, copies), 4));
  }
  return total;
}

std::string over_budget(const Graph& g, int64_t budget) {
  const int64_t bytes = tensor_bytes(g);
  if (bytes <= budget) return "";
  return "the model's tensors need " + (bytes == kSaturated ? std::string("more than 2^63") : std::to_string(bytes)) +
         " bytes (batch " + std::to_string(g.batch) + "), more than the memory budget of " + std::to_string(budget) +
         " bytes (njc --max-memory, ReadOptions::memory_budget)";
}

}  // namespace njc
