// Tests for ir/loop_rewrite.cpp: clone renames every definition, substitution rewrites indices.
#include "ir/loop_rewrite.h"

#include <gtest/gtest.h>

#include "ir/loop_parser.h"
#include "ir/loop_printer.h"
#include "ir/loop_verifier.h"

namespace njc::loop {
namespace {

TEST(LoopRewrite, CloneRenamesAndSubstitutes) {
  Expected<Kernel> k = parse_kernel(R"(kernel @k {
  input %x : [8]
  output %y : [8]
  for %i = 0 to 4 step 1 {
    %a = load %x[%i] : f32
    store %a, %y[%i]
  }
}
)");
  ASSERT_TRUE(k);
  Loop& l = k->body[0].loop();
  Remap m;
  m.ivs[l.iv] = Affine::var(l.iv) + 4;
  Block copy = clone_block(*k, l.body, m);
  for (Stmt& s : copy) l.body.push_back(std::move(s));
  ASSERT_TRUE(verify(*k));
  EXPECT_EQ(print(*k), R"(kernel @k {
  input %x : [8]
  output %y : [8]

  for %i = 0 to 4 step 1 {
    %a = load %x[%i] : f32
    store %a, %y[%i]
    %a.1 = load %x[%i + 4] : f32
    store %a.1, %y[%i + 4]
  }
}
)");
  ValueId a = k->body[0].loop().body[0].inst().result;
  EXPECT_EQ(count_uses(k->body, a), 1);
  replace_uses(k->body, a, k->body[0].loop().body[2].inst().result);
  EXPECT_EQ(count_uses(k->body, a), 0);
}

TEST(LoopRewrite, AffineAlgebra) {
  Affine a = Affine::var(0, 2) + Affine::var(1) + 3;
  Affine b = a.substitute(0, Affine::var(2, 4) + 1);  // i0 = 4*i2 + 1
  EXPECT_EQ(b.coeff_of(2), 8);
  EXPECT_EQ(b.coeff_of(1), 1);
  EXPECT_EQ(b.constant, 5);
  EXPECT_TRUE((a.plus(a, -1)).terms.empty());
}

}  // namespace
}  // namespace njc::loop
