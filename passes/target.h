// What the schedule needs to know about the machine: vector width and register count. Passed in by the
// caller (the CLI picks it from the host or a flag) so pipelines are reproducible in tests.
#pragma once

namespace njc::passes {

struct TargetDesc {
  int vector_lanes = 16;      // fp32 lanes per vector register: 16 (AVX-512), 8 (AVX2), 4 (SSE)
  int vector_registers = 32;  // architectural vector registers: 32 (AVX-512), 16 (AVX2/SSE)

  static TargetDesc avx512() { return {16, 32}; }
  static TargetDesc avx2() { return {8, 16}; }
  static TargetDesc sse() { return {4, 16}; }
};

}  // namespace njc::passes
