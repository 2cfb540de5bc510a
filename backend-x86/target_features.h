// Code generation targets (AVX-512, AVX2+FMA, SSE4.1) and host CPU detection by CPUID and XGETBV. The
// runtime picks the best target the host and OS support unless one is forced (--target=avx512|avx2|sse4).
// Standard library only, like the encoder.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace njc::x86 {

enum class Target : uint8_t { kSse4, kAvx2, kAvx512 };

// What the processor reports and what the OS has enabled (XCR0), decoded once.
struct CpuFeatures {
  bool sse41 = false;
  bool avx = false;  // CPU bit and OS-enabled ymm state
  bool avx2 = false;
  bool fma = false;
  bool avx512 = false;  // F + VL + DQ + BW with OS-enabled opmask/zmm state
};

// Executes CPUID/XGETBV on the calling CPU. Never fails (missing leaves read as "absent").
CpuFeatures detect_cpu();
// f without what lies above `cap`: capped at avx2, AVX-512 reads as absent; at sse4, AVX, AVX2 and FMA too.
CpuFeatures cap_features(CpuFeatures f, Target cap);
// The cap named by the environment variable NJC_TARGET_CAP (avx512|avx2|sse4), if set; an unknown value
// is reported on stderr once and ignored. It lets an AVX-512 machine test what an AVX2 or SSE4.1 one does.
std::optional<Target> target_cap();
// What this process may run: detect_cpu() capped by NJC_TARGET_CAP, computed once. Everything that asks
// "does the host run this target" (the JIT, tests, benchmarks, host_target) asks this.
const CpuFeatures& host_cpu();
// Whether code for t runs on a CPU with f.
bool target_supported(Target t, const CpuFeatures& f);
// The widest supported target; kSse4 when nothing better is present.
Target best_target(const CpuFeatures& f);
// best_target(host_cpu()), computed once.
Target host_target();

// "avx512", "avx2", "sse4"; parse_target accepts exactly these.
std::string_view target_name(Target t);
std::optional<Target> parse_target(std::string_view name);

// fp32 lanes per native vector register and the number of architectural vector registers.
int target_lanes(Target t);
int target_vector_registers(Target t);
// The encoder ISA mask (instr_table.h kIsa*) a target may use.
uint16_t target_isa(Target t);

}  // namespace njc::x86
