// Test helper: deterministic pseudo-random inputs in [-1, 1), the same on every machine (SplitMix64).
#pragma once

#include <cstdint>
#include <vector>

#include "frontend/deterministic_init.h"

namespace njc::test {

inline std::vector<float> random_values(int64_t n, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(2 * rng.next_unit() - 1);
  return v;
}

}  // namespace njc::test
