// Subnormal numbers in generated code (docs/runtime.md, "Subnormal numbers"). An x86 core takes a slow
// path for arithmetic on subnormal (denormal) floats, and a recurrent state that decays towards zero, as
// an audio plugin's does between notes, spends whole calls there. A model's run therefore sets, for its
// duration only, the two MXCSR modes that keep them out:
//
//   MXCSR   bit 15 FZ  (flush to zero):        a subnormal result becomes ±0
//           bit 6  DAZ (denormals are zero):   a subnormal operand is read as ±0
//
// and puts the caller's control bits back before returning; the exception flags (bits 0-5) the run
// raised stay raised, as after any floating-point code. Nothing is written when both bits are already
// set, as in hosts that set them themselves. Values below 2^-126 ≈ 1.18e-38 then read and compute as zero;
// ModelOptions::flush_denormals = false (CLI `--keep-denormals`) keeps IEEE subnormals instead.
#pragma once

#include <xmmintrin.h>

namespace njc::runtime {

inline constexpr unsigned kMxcsrFlushToZero = 1u << 15;
inline constexpr unsigned kMxcsrDenormalsAreZero = 1u << 6;
inline constexpr unsigned kMxcsrExceptionFlags = 0x3f;

// Sets FZ and DAZ while alive (when `on`), restoring the previous MXCSR on destruction.
class FlushDenormalsScope {
 public:
  explicit FlushDenormalsScope(bool on) {
    if (!on) return;
    saved_ = _mm_getcsr();
    const unsigned wanted = saved_ | kMxcsrFlushToZero | kMxcsrDenormalsAreZero;
    if (wanted != saved_) {
      _mm_setcsr(wanted);
      changed_ = true;
    }
  }
  ~FlushDenormalsScope() {
    if (changed_) _mm_setcsr(saved_ | (_mm_getcsr() & kMxcsrExceptionFlags));
  }
  FlushDenormalsScope(const FlushDenormalsScope&) = delete;
  FlushDenormalsScope& operator=(const FlushDenormalsScope&) = delete;

 private:
  unsigned saved_ = 0;
  bool changed_ = false;
};

}  // namespace njc::runtime
