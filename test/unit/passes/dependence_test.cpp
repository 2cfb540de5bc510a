// Tests for passes/dependence.cpp: direction vectors of classic nests.
#include "passes/dependence.h"

#include "passes/loop_nest.h"
#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

std::vector<std::string> deps_of(Kernel& k, size_t nest) {
  std::vector<std::string> out;
  size_t seen = 0;
  for (Stmt& s : k.body)
    if (s.is_loop() && seen++ == nest)
      for (const Dependence& d : band_dependences(k, perfect_band(s.loop())))
        out.push_back(dir_string(d.dirs) + " %" + k.buffer(d.buffer).name);
  return out;
}

TEST(Dependence, MatmulCarriesOnlyTheReduction) {
  Kernel k = matmul(4, 4, 4);
  EXPECT_EQ(deps_of(k, 1), (std::vector<std::string>{"(=, =, <) %c"}));
  EXPECT_TRUE(deps_of(k, 0).empty());
}

TEST(Dependence, StencilAndShifts) {
  Kernel k = parse_ok(R"(kernel @k {
  output %a : [10, 10]
  output %b : [10]
  for %i = 1 to 9 step 1 {
    for %j = 1 to 9 step 1 {
      %x = load %a[%i - 1, %j + 1] : f32
      store %x, %a[%i, %j]
    }
  }
  for %p = 0 to 8 step 2 {
    %y = load %b[%p + 1] : f32
    store %y, %b[%p]
  }
  for %q = 0 to 2 step 1 {
    %z = load %b[%q] : f32x8
    store %z, %b[%q + 1]
  }
}
)");
  EXPECT_EQ(deps_of(k, 0), (std::vector<std::string>{"(<, >) %a"}));
  EXPECT_TRUE(deps_of(k, 1).empty());  // odd reads, even writes: Banerjee sees the ranges never meet per step
  EXPECT_EQ(deps_of(k, 2), (std::vector<std::string>{"(<) %b"}));
}

TEST(Dependence, PermutationLegality) {
  std::vector<Dependence> deps{{{Dir::kLt, Dir::kGt}, 0}};
  EXPECT_TRUE(permutation_is_legal(deps, {0, 1}));
  EXPECT_FALSE(permutation_is_legal(deps, {1, 0}));
  std::vector<Dependence> red{{{Dir::kEq, Dir::kEq, Dir::kLt}, 0}};
  EXPECT_TRUE(permutation_is_legal(red, {2, 0, 1}));
}

}  // namespace
}  // namespace njc::passes
