// Seeded deterministic weight initializers: the same seed gives the same weights on every machine and
// compiler (no std:: distributions, whose output is implementation-defined). Algorithms in
// docs/model-format.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace njc {

struct InitSpec {
  std::string kind;  // zeros, ones, constant, uniform, normal
  double value = 0, low = -1, high = 1, mean = 0, stddev = 1;
  uint64_t seed = 0;
};

std::vector<float> deterministic_values(const InitSpec& spec, int64_t count);

// SplitMix64: the generator behind every seeded initializer (and the default CLI input).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, 1) with 24 random bits, exactly representable as a float.
  double next_unit();

 private:
  uint64_t state_;
};

}  // namespace njc
