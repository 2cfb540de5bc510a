// Tests for passes/pass_manager.cpp: pipeline text, verification after each pass, dumps and timing.
#include "passes/pass_manager.h"

#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

TEST(PassManager, ParsesAndFormatsPipelines) {
  Expected<Pipeline> p = parse_pipeline("interchange{order=1,0,2},tile{sizes=32,32}, unroll{factor=4}");
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ(format_pipeline(*p), "interchange{order=1,0,2},tile{sizes=32,32},unroll{factor=4}");
}

TEST(PassManager, PipelineErrorsPointAtTheColumn) {
  Expected<Pipeline> p = parse_pipeline("tile{sizes=4},unrol");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().col, 15);
  EXPECT_EQ(p.error().message, "unknown pass 'unrol' (see njc opt --help)");
  p = parse_pipeline("tile{sizes=4,x}");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().col, 14);
  p = parse_pipeline("tile{sizes=4");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("unterminated"), std::string::npos);
}

TEST(PassManager, RunsPrintsAfterAndTimes) {
  Kernel k = matmul(4, 8, 4), before = k;
  Expected<Pipeline> p = parse_pipeline("interchange,unroll{factor=2}");
  ASSERT_TRUE(p);
  RunConfig c;
  c.print_after = {"unroll"};
  c.time_passes = true;
  PassManager pm(c);
  std::string dump;
  ASSERT_TRUE(pm.run(*p, k, dump));
  EXPECT_TRUE(same_results(before, k));
  EXPECT_EQ(dump.find("// -----// IR after unroll{factor=2} //----- //\nkernel @matmul {"), 0u) << dump;
  EXPECT_EQ(dump.find("IR after interchange"), std::string::npos);
  std::string t = pm.timing_report();
  EXPECT_NE(t.find("interchange"), std::string::npos);
  EXPECT_NE(t.find("Total"), std::string::npos);
}

TEST(PassManager, StopsAtARefusal) {
  Kernel k = matmul(2, 2, 2);
  Expected<Pipeline> p = parse_pipeline("interchange{order=0,0,1},unroll");
  ASSERT_TRUE(p);
  PassManager pm(RunConfig{});
  std::string dump;
  Status s = pm.run(*p, k, dump);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("not a permutation"), std::string::npos);
}

}  // namespace
}  // namespace njc::passes
