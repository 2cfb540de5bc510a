// docs/aot.md's complete build really works: the C program (the ```c block that starts with its file name)
// is written out, the ```sh block runs in a scratch directory with njc on PATH and examples/ beside it, and
// the output of both programs is the ```text block.
#include <gtest/gtest.h>

#include "test/unit/aot/aot_test_util.h"

namespace njc::aot_test {
namespace {

std::string fenced(const std::string& doc, const std::string& lang, const std::string& starts_with = "") {
  const std::string open = "```" + lang + "\n";
  for (size_t at = doc.find(open); at != std::string::npos; at = doc.find(open, at + 1)) {
    size_t begin = at + open.size(), end = doc.find("```", begin);
    std::string body = doc.substr(begin, end - begin);
    if (body.starts_with(starts_with)) return body;
  }
  return "";
}

TEST(AotDocs, CompleteBuildRunsAndPrintsWhatTheDocSays) {
  const std::string doc = test::slurp(std::string(NJC_SOURCE_DIR) + "/docs/aot.md");
  const std::string program = fenced(doc, "c", "/* npc_demo.c */"), commands = fenced(doc, "sh"),
                    expected = fenced(doc, "text");
  ASSERT_FALSE(program.empty());
  ASSERT_FALSE(commands.empty());
  ASSERT_FALSE(expected.empty());
  ScratchDir dir;
  std::ofstream(dir / "npc_demo.c") << program;
  std::ofstream(dir / "build.sh") << commands;
  fs::create_directory_symlink(std::string(NJC_SOURCE_DIR) + "/examples", dir / "examples");
  const std::string tools = fs::path(njc()).parent_path().string();
  ToolResult r = sh("PATH='" + tools + "':\"$PATH\" sh -e build.sh", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected + expected);  // the static and the shared build
  EXPECT_EQ(sh("readelf -d libnpc.so", dir.path()).out.find("TEXTREL"), std::string::npos);
}

}  // namespace
}  // namespace njc::aot_test
