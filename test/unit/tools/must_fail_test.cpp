// The must-fail folder: every malformed model or input in test/must-fail/cases.txt gets exactly its
// expected message, exit status 1, nothing on stdout, and no output file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "test/unit/tools/run_tool.h"

namespace njc::test {
namespace {

namespace fs = std::filesystem;

struct MustFailCase {
  std::string file, extra_args, expected;
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// gtest prints a parameter in test names and listings; the file and arguments say which case it is.
void PrintTo(const MustFailCase& c, std::ostream* os) {
  *os << c.file << ' ' << c.extra_args;
}

std::vector<MustFailCase> load_cases() {
  std::ifstream in(fs::path(NJC_SOURCE_DIR) / "test/must-fail/cases.txt");
  std::vector<MustFailCase> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t a = line.find('|'), b = line.find('|', a + 1);
    cases.push_back({trim(line.substr(0, a)), trim(line.substr(a + 1, b - a - 1)), trim(line.substr(b + 1))});
  }
  return cases;
}

class MustFail : public ::testing::TestWithParam<MustFailCase> {};

TEST_P(MustFail, ExactMessageExitOneNoOutput) {
  const MustFailCase& c = GetParam();
  fs::path out_dir = fs::temp_directory_path() / ("njc-mustfail-" + std::to_string(getpid()));
  fs::create_directories(out_dir);
  fs::path out = out_dir / "out.json";
  ToolResult r = run_tool(
      std::string(NJC_TOOL) + " " + c.file + " --interp run --output " + out.string() + " " + c.extra_args,
      std::string(NJC_SOURCE_DIR) + "/test/must-fail");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(first_line(r.err), c.expected);
  EXPECT_TRUE(fs::is_empty(out_dir)) << "an output (or temporary) file was left behind";
  fs::remove_all(out_dir);
}

std::string case_name(const ::testing::TestParamInfo<MustFailCase>& info) {
  std::string name = info.param.file + (info.param.extra_args.empty() ? "" : "_" + info.param.extra_args);
  name = name.substr(0, name.find_last_not_of(' ') + 1);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, MustFail, ::testing::ValuesIn(load_cases()), case_name);

TEST(MustFailFolder, HasAtLeastFortyCases) {
  EXPECT_GE(load_cases().size(), 40u);
}

}  // namespace
}  // namespace njc::test
