// Tests for passes/pass_registry.cpp: the registry lists every pass once; option parsing and errors.
#include "passes/pass_registry.h"

#include <gtest/gtest.h>

#include <set>

namespace njc::passes {
namespace {

TEST(PassRegistry, EveryPassOnceWithSummaryAndOptions) {
  std::set<std::string> names;
  for (const PassInfo& p : pass_registry()) {
    EXPECT_TRUE(names.insert(std::string(p.name)).second) << p.name;
    EXPECT_FALSE(p.summary.empty());
    EXPECT_NE(p.run, nullptr);
    for (const OptionDecl& d : p.options) EXPECT_FALSE(d.help.empty()) << p.name << "." << d.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"interchange", "tile", "unroll", "vectorize", "register-tile",
                                          "split-reduction", "fuse", "cse", "vectorize-outer", "relayout"}));
}

TEST(PassRegistry, ParsesTypedOptionsWithDefaults) {
  const PassInfo* tile = find_pass("tile");
  ASSERT_NE(tile, nullptr);
  Expected<PassOptions> o = parse_pass_options(*tile, "sizes=32,16,loop=i");
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->get_ints("sizes"), (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(o->get_word("loop"), "i");
  EXPECT_EQ(format_pass(*tile, *o), "tile{sizes=32,16 loop=i}");
  const PassInfo* unroll = find_pass("unroll");
  Expected<PassOptions> u = parse_pass_options(*unroll, "");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->get_int("factor"), 4);
  EXPECT_FALSE(u->given("factor"));
  u = parse_pass_options(*unroll, "factor=full");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->get_word("factor"), "full");
}

TEST(PassRegistry, OptionErrors) {
  const PassInfo* unroll = find_pass("unroll");
  Expected<PassOptions> o = parse_pass_options(*unroll, "factor=x");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message, "unroll: option 'factor' expects an integer or 'full', not 'x'");
  EXPECT_EQ(o.error().col, 8);
  o = parse_pass_options(*unroll, "facter=2");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message, "unroll: unknown option 'facter' (options: factor, loop)");
  o = parse_pass_options(*unroll, "factor=2,3");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message, "unroll: option 'factor' takes one value");
  const PassInfo* vec = find_pass("vectorize");
  o = parse_pass_options(*vec, "tail=sideways");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message, "vectorize: option 'tail' expects 'mask' or 'scalar', not 'sideways'");
}

TEST(PassRegistry, HelpListsPassesAndOptions) {
  std::string h = registry_help();
  EXPECT_NE(h.find("split-reduction"), std::string::npos);
  EXPECT_NE(h.find("ways"), std::string::npos);
  EXPECT_NE(h.find("(default: 4)"), std::string::npos);
}

}  // namespace
}  // namespace njc::passes
