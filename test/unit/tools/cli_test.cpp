// End-to-end behaviour of the njc CLI that is not about a malformed model: usage errors exit 2, the
// bundled examples run, inputs in every form agree, --iterations carries state, --output is atomic.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "test/unit/tools/run_tool.h"

namespace njc::test {
namespace {

namespace fs = std::filesystem;
const std::string kNjc = NJC_TOOL;
const std::string kSrc = NJC_SOURCE_DIR;

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_tool(kNjc, kSrc).exit_code, 2);
  EXPECT_EQ(run_tool(kNjc + " examples/mlp.json", kSrc).exit_code, 2);  // nothing to do
  EXPECT_EQ(run_tool(kNjc + " examples/mlp.json --interp walk", kSrc).exit_code, 2);
  EXPECT_EQ(run_tool(kNjc + " examples/mlp.json --interp run --iterations 0", kSrc).exit_code, 2);
  EXPECT_EQ(run_tool(kNjc + " examples/mlp.json --bogus", kSrc).exit_code, 2);
}

TEST(Cli, HelpDocumentsEveryOption) {
  ToolResult r = run_tool(kNjc + " --help", kSrc);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--jit", "--interp", "--emit-ir", "--emit-asm", "-O", "--target", "--input",
                          "--output", "--iterations", "njc opt", "njc import"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

TEST(Cli, DefaultInputIsDeterministicAndAnnounced) {
  ToolResult a = run_tool(kNjc + " examples/mlp.json --interp run", kSrc);
  ToolResult b = run_tool(kNjc + " examples/mlp.json --interp run", kSrc);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.err.find("default input"), std::string::npos);
}

TEST(Cli, JsonNestedFlatAndNpyInputsAgree) {
  fs::path dir = fs::temp_directory_path() / ("njc-cli-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string flat = "{\"obs\": [", nested = "{\"obs\": [[";
  std::vector<float> values;
  for (int i = 0; i < 32; ++i) {
    float v = static_cast<float>(i % 7) * 0.25f - 0.5f;
    values.push_back(v);
    flat += (i ? ", " : "") + std::to_string(v);
    nested += (i ? ", " : "") + std::to_string(v);
  }
  std::ofstream(dir / "flat.json") << flat << "]}";
  std::ofstream(dir / "nested.json") << nested << "]]}";
  {
    std::ofstream npy(dir / "x.npy", std::ios::binary);
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 32), }";
    header.resize(118 - 1, ' ');
    header += '\n';
    npy << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff) << char(header.size() >> 8)
        << header;
    npy.write(reinterpret_cast<const char*>(values.data()), 128);
  }
  ToolResult a =
      run_tool(kNjc + " examples/mlp.json --interp run --input " + (dir / "flat.json").string(), kSrc);
  ToolResult b =
      run_tool(kNjc + " examples/mlp.json --interp run --input " + (dir / "nested.json").string(), kSrc);
  ToolResult c = run_tool(kNjc + " examples/mlp.json --interp run --input " + (dir / "x.npy").string(), kSrc);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out, c.out) << c.err;
  fs::remove_all(dir);
}

// The JIT's printed outputs agree with the interpreter's number by number (1e-5 relative + 1e-6 absolute).
TEST(Cli, JitRunPrintsTheInterpretersOutputs) {
  for (const char* model :
       {"examples/npc_brain.json", "examples/gru_audio.json", "examples/mlp_batch.json"}) {
    ToolResult jit = run_tool(kNjc + " " + model + " --jit run --iterations 7", kSrc);
    ToolResult ref = run_tool(kNjc + " " + model + " --interp run --iterations 7", kSrc);
    ASSERT_EQ(jit.exit_code, 0) << jit.err;
    auto numbers = [](const std::string& text) {
      std::vector<double> v;
      for (size_t i = 0; i < text.size();) {
        char* end = nullptr;
        double d = std::strtod(text.c_str() + i, &end);
        if (end != text.c_str() + i &&
            (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '-')) {
          v.push_back(d);
          i = static_cast<size_t>(end - text.c_str());
        } else {
          ++i;
        }
      }
      return v;
    };
    std::vector<double> a = numbers(jit.out), b = numbers(ref.out);
    ASSERT_EQ(a.size(), b.size()) << model;
    ASSERT_FALSE(a.empty());
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(a[i], b[i], 1e-5 * std::fabs(b[i]) + 1e-6) << model << " at " << i;
  }
}

TEST(Cli, JitUsageErrors) {
  EXPECT_EQ(run_tool(kNjc + " examples/mlp.json --jit run --interp run", kSrc).exit_code, 2);
  EXPECT_EQ(run_tool(kNjc + " examples/mlp.json --jit run -O4", kSrc).exit_code, 2);
  EXPECT_EQ(run_tool(kNjc + " examples/mlp.json --jit run --target mips", kSrc).exit_code, 2);
}

TEST(Cli, OutputFileIsWrittenWhole) {
  fs::path out = fs::temp_directory_path() / ("njc-out-" + std::to_string(getpid()) + ".json");
  ToolResult r = run_tool(kNjc + " examples/mlp.json --interp run --output " + out.string(), kSrc);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  ToolResult direct = run_tool(kNjc + " examples/mlp.json --interp run", kSrc);
  EXPECT_EQ(slurp(out), direct.out);
  fs::remove(out);
}

TEST(Cli, UnwritableOutputIsAnErrorWithNothingLeft) {
  ToolResult r = run_tool(kNjc + " examples/mlp.json --interp run --output /nonexistent-dir/out.json", kSrc);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: cannot create output file"), std::string::npos) << r.err;
}

TEST(Cli, GraphTextRoundTripsThroughTheCli) {
  fs::path g = fs::temp_directory_path() / ("njc-rt-" + std::to_string(getpid()) + ".graph");
  ToolResult a = run_tool(kNjc + " examples/mlp.json --emit-ir=graph --output " + g.string(), kSrc);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ToolResult b = run_tool(kNjc + " " + g.string() + " --emit-ir=graph", kSrc);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(b.out, slurp(g));
  ToolResult from_text = run_tool(kNjc + " " + g.string() + " --interp run", kSrc);
  ToolResult from_json = run_tool(kNjc + " examples/mlp.json --interp run", kSrc);
  EXPECT_EQ(from_text.out, from_json.out);
  fs::remove(g);
}

}  // namespace
}  // namespace njc::test

namespace njc::test {
namespace {

TEST(Cli, ImportWritesAModelThatRunsLikeTheOriginal) {
  std::string rt = std::string(NJC_SHARED_DIR) + "/conformance/rtneural/models/gru.json";
  if (!std::filesystem::exists(rt)) GTEST_SKIP() << "RTNeural models not found in ../shared";
  std::filesystem::path out =
      std::filesystem::temp_directory_path() / ("njc-imp-" + std::to_string(getpid()) + ".json");
  ToolResult imp = run_tool(kNjc + " import " + rt + " -o " + out.string(), kSrc);
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  ToolResult a = run_tool(kNjc + " " + out.string() + " --interp run --iterations 5", kSrc);
  ToolResult b = run_tool(kNjc + " " + rt + " --interp run --iterations 5", kSrc);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("\"y\""), std::string::npos);
  std::filesystem::remove(out);
  ToolResult bad = run_tool(kNjc + " import examples/mlp.json -o " + out.string(), kSrc);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace njc::test
