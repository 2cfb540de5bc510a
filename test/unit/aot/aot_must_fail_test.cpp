// Bad ahead-of-time build requests (test/must-fail/aot_cases.txt): exactly the expected message, exit
// status 1, nothing on stdout, and no object, header or temporary file left behind.
#include <gtest/gtest.h>

#include <fstream>

#include "test/unit/aot/aot_test_util.h"

namespace njc::aot_test {
namespace {

struct Case {
  std::string file, args, expected;
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<Case> load_cases() {
  std::ifstream in(std::string(NJC_SOURCE_DIR) + "/test/must-fail/aot_cases.txt");
  std::vector<Case> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t a = line.find('|'), b = line.find('|', a + 1);
    cases.push_back({trim(line.substr(0, a)), trim(line.substr(a + 1, b - a - 1)), trim(line.substr(b + 1))});
  }
  return cases;
}

TEST(AotMustFail, ExactMessageExitOneNothingLeft) {
  auto cases = load_cases();
  ASSERT_GE(cases.size(), 5u);
  for (const Case& c : cases) {
    ScratchDir dir;
    fs::copy_file(std::string(NJC_SOURCE_DIR) + "/test/must-fail/" + c.file, dir / c.file);
    ToolResult r = sh(njc() + " " + c.file + " " + c.args, dir.path());
    EXPECT_EQ(r.exit_code, 1) << c.args << ": " << r.err;
    EXPECT_EQ(r.out, "") << c.args;
    EXPECT_EQ(test::first_line(r.err), c.expected) << c.args;
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
    EXPECT_EQ(left, std::vector<std::string>{c.file}) << c.args << ": a file was left behind";
  }
}

// Usage errors are not user errors: exit 2.
TEST(AotMustFail, UsageErrorsExitTwo) {
  ScratchDir dir;
  const std::string model = std::string(NJC_SOURCE_DIR) + "/examples/mlp.json";
  EXPECT_EQ(sh(njc() + " " + model + " --emit-obj", dir.path()).exit_code, 2);  // no -o
  EXPECT_EQ(sh(njc() + " " + model + " --emit-obj -o m.o -O7", dir.path()).exit_code, 2);
  EXPECT_EQ(sh(njc() + " " + model + " --emit-obj --emit-asm -o m.o", dir.path()).exit_code, 2);
  EXPECT_EQ(sh(njc() + " " + model + " --emit-asm -o m.s --header m.h", dir.path()).exit_code, 2);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace njc::aot_test
