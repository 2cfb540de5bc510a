// Tests for ir/loop_verifier.cpp: each rule is broken once and reported at the right statement.
#include "ir/loop_verifier.h"

#include <gtest/gtest.h>

#include "ir/loop_builder.h"
#include "ir/loop_parser.h"

namespace njc::loop {
namespace {

Status verify_text(const std::string& text) {
  Expected<Kernel> k = parse_kernel(text);
  EXPECT_TRUE(k) << format_diag(k.error());
  if (!k) return k.error();
  return verify(*k);
}

TEST(LoopVerifier, AcceptsWellFormedKernel) {
  Status s = verify_text(R"(kernel @k {
  input %x : [20]
  output %y : [20]
  for %j = 0 to 16 step 8 {
    %a = load %x[%j] : f32x8
    store %a, %y[%j]
  }
  %t = load %x[16] masked 4 : f32x8
  store %t, %y[16] masked 4
}
)");
  EXPECT_TRUE(s) << format_diag(s.error());
}

struct Bad {
  const char* body;
  int line;
  const char* message;
};
class LoopVerifierErrors : public testing::TestWithParam<Bad> {};

TEST_P(LoopVerifierErrors, Reports) {
  std::string text = std::string("kernel @k {\n  input %x : [20]\n  output %y : [4, 20]\n") + GetParam().body + "}\n";
  Status s = verify_text(text);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().line, GetParam().line);
  EXPECT_NE(s.error().message.find(GetParam().message), std::string::npos) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LoopVerifierErrors,
    testing::Values(
        Bad{"  for %j = 0 to 20 step 8 {\n    %a = load %x[%j] : f32x8\n  }\n", 5, "out of bounds"},
        Bad{"  %a = load %x[17] masked 4 : f32x8\n", 4, "out of bounds"},
        Bad{"  %a = load %x[0] : f32\n  store %a, %x[0]\n", 5, "store to input buffer %x"},
        Bad{"  %a = load %x[0] : f32\n  store %a, %y[0]\n", 5, "indexed with 1"},
        Bad{"  %a = load %x[0] : f32\n  %b = load %x[0] : f32x4\n  %c = add %a, %b : f32\n", 6, "operand 1"},
        Bad{"  %a = load %x[0] : f32x4\n  %b = cmp.lt %a, %a : f32x4\n", 5, "result must be i1x4"},
        Bad{"  %a = load %x[0] : f32\n  %b = reduce.add %a : f32x4\n", 5, "reduces an f32 vector"},
        Bad{"  %a = load %x[0] : f32\n  %r = for %i = 0 to 2 step 1 iter(%c = %a) {\n    %v = load %x[0] : f32x4\n"
            "    yield %v\n  }\n",
            5, "yield of %v"},
        Bad{"  %a = load %x[0] masked 2 : f32\n", 4, "masked 2 lanes"},
        Bad{"  %m = mask 5 : i1x4\n", 4, "exceeds"}));

TEST(LoopVerifier, SkipsBoundsInLoopsThatNeverRun) {
  Status s = verify_text("kernel @k {\n  input %x : [4]\n  for %i = 8 to 8 step 1 {\n    %a = load %x[%i] : f32\n  }\n}\n");
  EXPECT_TRUE(s) << format_diag(s.error());
}

TEST(LoopVerifier, CatchesBrokenTreesFromPasses) {
  Kernel k;
  k.name = "k";
  Builder b(k);
  BufferId x = b.input("x", {4});
  ValueId v = b.load(x, {Affine::cst(0)});
  // A pass that forgot to rename: the same value defined twice.
  k.body.push_back(k.body.back());
  Status s = verify(k);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("defined twice"), std::string::npos);
  (void)v;
}

TEST(LoopVerifier, ParamDataMustMatchShape) {
  Kernel k;
  k.name = "k";
  Buffer p;
  p.name = "w";
  p.kind = BufferKind::kParam;
  p.shape = {2, 2};
  p.data = {1, 2, 3};
  k.add_buffer(p);
  Status s = verify(k);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("4 elements but 3 values"), std::string::npos);
}

}  // namespace
}  // namespace njc::loop
