// CPUID/XGETBV decoding for target selection (see target_features.h).
#include "backend-x86/target_features.h"

#include <cpuid.h>

#include <cstdio>
#include <cstdlib>

#include "backend-x86/instr_table.h"

namespace njc::x86 {

namespace {

uint64_t xgetbv0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

}  // namespace

CpuFeatures detect_cpu() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  f.sse41 = (c >> 19) & 1;
  bool osxsave = (c >> 27) & 1;
  bool cpu_avx = (c >> 28) & 1;
  bool cpu_fma = (c >> 12) & 1;
  // XCR0: bit 1 SSE, bit 2 AVX (upper ymm), bits 5-7 opmask, upper zmm0-15, zmm16-31.
  uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  bool os_avx = (xcr0 & 0x6) == 0x6;
  bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
  f.avx = cpu_avx && os_avx;
  f.fma = f.avx && cpu_fma;
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = f.avx && ((b >> 5) & 1);
    bool avx512f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    f.avx512 = os_avx512 && avx512f && dq && bw && vl;
  }
  return f;
}

bool target_supported(Target t, const CpuFeatures& f) {
  switch (t) {
    case Target::kAvx512:
      return f.avx512 && f.fma && f.avx2;
    case Target::kAvx2:
      return f.avx2 && f.fma;
    case Target::kSse4:
      return f.sse41;
  }
  return false;
}

Target best_target(const CpuFeatures& f) {
  if (target_supported(Target::kAvx512, f)) return Target::kAvx512;
  if (target_supported(Target::kAvx2, f)) return Target::kAvx2;
  return Target::kSse4;
}

CpuFeatures cap_features(CpuFeatures f, Target cap) {
  if (cap != Target::kAvx512) f.avx512 = false;
  if (cap == Target::kSse4) f.avx = f.avx2 = f.fma = false;
  return f;
}

std::optional<Target> target_cap() {
  static const std::optional<Target> cap = [] {
    const char* v = std::getenv("NJC_TARGET_CAP");
    if (v == nullptr || *v == 0) return std::optional<Target>{};
    std::optional<Target> t = parse_target(v);
    if (!t) std::fprintf(stderr, "njc: ignoring NJC_TARGET_CAP=%s (avx512, avx2 or sse4)\n", v);
    return t;
  }();
  return cap;
}

const CpuFeatures& host_cpu() {
  static const CpuFeatures f = [] {
    CpuFeatures d = detect_cpu();
    std::optional<Target> cap = target_cap();
    return cap ? cap_features(d, *cap) : d;
  }();
  return f;
}

Target host_target() {
  static const Target t = best_target(host_cpu());
  return t;
}

std::string_view target_name(Target t) {
  switch (t) {
    case Target::kAvx512:
      return "avx512";
    case Target::kAvx2:
      return "avx2";
    case Target::kSse4:
      return "sse4";
  }
  return "?";
}

std::optional<Target> parse_target(std::string_view name) {
  for (Target t : {Target::kAvx512, Target::kAvx2, Target::kSse4})
    if (target_name(t) == name) return t;
  return std::nullopt;
}

int target_lanes(Target t) {
  return t == Target::kAvx512 ? 16 : t == Target::kAvx2 ? 8 : 4;
}

int target_vector_registers(Target t) {
  return t == Target::kAvx512 ? 32 : 16;
}

uint16_t target_isa(Target t) {
  uint16_t base = kIsaBase | kIsaSse | kIsaSse2 | kIsaSse41;
  switch (t) {
    case Target::kAvx512:
      return base | kIsaAvx | kIsaAvx2 | kIsaFma | kIsaAvx512f | kIsaAvx512vl | kIsaAvx512dq | kIsaAvx512bw;
    case Target::kAvx2:
      return base | kIsaAvx | kIsaAvx2 | kIsaFma;
    case Target::kSse4:
      return base;
  }
  return base;
}

}  // namespace njc::x86
