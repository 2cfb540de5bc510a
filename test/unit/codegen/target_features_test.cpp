// Target names, selection from CPU features, and the host's detection (backend-x86/target_features.cpp).
#include "backend-x86/target_features.h"

#include <gtest/gtest.h>

#include "backend-x86/instr_table.h"

namespace njc::x86 {
namespace {

TEST(TargetFeatures, NamesRoundTrip) {
  for (Target t : {Target::kAvx512, Target::kAvx2, Target::kSse4}) EXPECT_EQ(parse_target(target_name(t)), t);
  EXPECT_FALSE(parse_target("avx"));
  EXPECT_FALSE(parse_target(""));
}

TEST(TargetFeatures, BestTargetFollowsFeatures) {
  CpuFeatures f;
  f.sse41 = true;
  EXPECT_EQ(best_target(f), Target::kSse4);
  f.avx = f.avx2 = true;
  EXPECT_EQ(best_target(f), Target::kSse4) << "avx2 without fma is not the avx2 target";
  f.fma = true;
  EXPECT_EQ(best_target(f), Target::kAvx2);
  f.avx512 = true;
  EXPECT_EQ(best_target(f), Target::kAvx512);
}

TEST(TargetFeatures, WidthsAndIsa) {
  EXPECT_EQ(target_lanes(Target::kAvx512), 16);
  EXPECT_EQ(target_lanes(Target::kAvx2), 8);
  EXPECT_EQ(target_lanes(Target::kSse4), 4);
  EXPECT_EQ(target_vector_registers(Target::kAvx512), 32);
  EXPECT_EQ(target_vector_registers(Target::kAvx2), 16);
  EXPECT_TRUE(target_isa(Target::kAvx512) & kIsaAvx512f);
  EXPECT_FALSE(target_isa(Target::kAvx2) & kIsaAvx512f);
  EXPECT_FALSE(target_isa(Target::kSse4) & kIsaAvx);
  EXPECT_FALSE(target_isa(Target::kSse4) & kIsaFma);
  EXPECT_TRUE(target_isa(Target::kSse4) & kIsaSse41);
  EXPECT_EQ(target_vector_registers(Target::kSse4), 16);
}

// Consistency on whatever CPU runs the suite (Zen 5 with AVX-512, Zen 3 with AVX2, or either capped by
// NJC_TARGET_CAP).
TEST(TargetFeatures, HostDetection) {
  CpuFeatures f = host_cpu();
  EXPECT_TRUE(f.sse41);
  EXPECT_EQ(host_target(), best_target(f));
  if (std::optional<Target> cap = target_cap()) {
    EXPECT_LE(static_cast<int>(host_target()), static_cast<int>(*cap));
  }
  if (f.avx512) {
    EXPECT_TRUE(f.avx2 && f.fma);
  }
  EXPECT_TRUE(target_supported(host_target(), f));
}

// A cap removes exactly what lies above it, so an AVX-512 machine capped at avx2 behaves like a Zen 3.
TEST(TargetFeatures, CapRemovesWiderTargets) {
  CpuFeatures all{true, true, true, true, true};
  EXPECT_EQ(best_target(cap_features(all, Target::kAvx512)), Target::kAvx512);
  CpuFeatures avx2 = cap_features(all, Target::kAvx2);
  EXPECT_EQ(best_target(avx2), Target::kAvx2);
  EXPECT_FALSE(target_supported(Target::kAvx512, avx2));
  EXPECT_TRUE(target_supported(Target::kAvx2, avx2));
  CpuFeatures sse4 = cap_features(all, Target::kSse4);
  EXPECT_EQ(best_target(sse4), Target::kSse4);
  EXPECT_FALSE(target_supported(Target::kAvx2, sse4));
  EXPECT_TRUE(target_supported(Target::kSse4, sse4));
  // A cap never adds what the CPU lacks.
  CpuFeatures zen3{true, true, true, true, false};
  EXPECT_EQ(best_target(cap_features(zen3, Target::kAvx512)), Target::kAvx2);
}

}  // namespace
}  // namespace njc::x86
