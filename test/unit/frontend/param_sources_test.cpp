// Param data from a little-endian f32 file at an offset equals the same data inline.
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>

#include "frontend/model_reader.h"

namespace njc {
namespace {

TEST(ParamSources, FileAtOffsetEqualsInline) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("njc-params-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const unsigned char bytes[] = {0xde, 0xad, 0xbe, 0xef,   // 4 bytes to skip
                                 0x00, 0x00, 0x80, 0x3f,   // 1.0
                                 0x00, 0x00, 0x00, 0xc0,   // -2.0
                                 0x00, 0x00, 0x40, 0x3e};  // 0.1875
  std::ofstream(dir / "w.bin", std::ios::binary).write(reinterpret_cast<const char*>(bytes), sizeof bytes);
  std::string head = R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [3]}],
    "outputs": ["y"], "nodes": [{"op": "Mul", "inputs": ["x", "w"], "outputs": ["y"]}], "params": [)";
  std::ofstream(dir / "file.json") << head
                                   << R"({"name": "w", "shape": [3], "file": "w.bin", "offset": 4}]})";
  auto from_file = read_model_file((dir / "file.json").string());
  auto inline_ =
      read_model_text(head + R"({"name": "w", "shape": [3], "data": [1.0, -2.0, 0.1875]}]})", "i", ".");
  ASSERT_TRUE(from_file) << format_diag(from_file.error());
  ASSERT_TRUE(inline_);
  EXPECT_EQ(from_file->data_of(from_file->find("w")), inline_->data_of(inline_->find("w")));
  fs::remove_all(dir);
}

TEST(ParamSources, NestedInlineArraysAreRowMajor) {
  auto g =
      read_model_text(R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [2, 2]}],
    "outputs": ["y"], "params": [{"name": "w", "shape": [2, 2], "data": [[1, 2], [3, 4]]}],
    "nodes": [{"op": "Add", "inputs": ["x", "w"], "outputs": ["y"]}]})",
                      "n", ".");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->data_of(g->find("w")), (std::vector<float>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace njc
