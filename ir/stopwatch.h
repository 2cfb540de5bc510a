// A monotonic stopwatch for the compile-time breakdowns (x86::CodegenStats, runtime::JitKernel): started
// when made, micros() is the time since.
#pragma once

#include <chrono>

namespace njc {

class Stopwatch {
 public:
  double micros() const {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace njc
