// SplitMix64 and the initializers built on it.
#include "frontend/deterministic_init.h"

#include <cmath>

#include "ir/assert.h"

namespace njc {

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SplitMix64::next_unit() {
  return static_cast<double>(next() >> 40) * 0x1.0p-24;
}

std::vector<float> deterministic_values(const InitSpec& spec, int64_t count) {
  std::vector<float> out(static_cast<size_t>(count));
  SplitMix64 rng(spec.seed);
  for (float& v : out) {
    if (spec.kind == "zeros")
      v = 0.0f;
    else if (spec.kind == "ones")
      v = 1.0f;
    else if (spec.kind == "constant")
      v = static_cast<float>(spec.value);
    else if (spec.kind == "uniform")
      v = static_cast<float>(spec.low + (spec.high - spec.low) * rng.next_unit());
    else if (spec.kind == "normal") {
      // Box-Muller with u1 in (0, 1] so the log is finite.
      double u1 = 1.0 - rng.next_unit(), u2 = rng.next_unit();
      v = static_cast<float>(spec.mean +
                             spec.stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
    } else {
      NJC_UNREACHABLE("unknown initializer kind " + spec.kind);
    }
  }
  return out;
}

}  // namespace njc
