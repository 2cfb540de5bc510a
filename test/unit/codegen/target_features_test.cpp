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

// The development and CI machines have AVX-512 (Zen 5); elsewhere this only checks consistency.
TEST(TargetFeatures, HostDetection) {
  CpuFeatures f = detect_cpu();
  EXPECT_TRUE(f.sse41);
  EXPECT_EQ(host_target(), best_target(f));
  if (f.avx512) {
    EXPECT_TRUE(f.avx2 && f.fma);
  }
  EXPECT_TRUE(target_supported(host_target(), f));
}

}  // namespace
}  // namespace njc::x86
