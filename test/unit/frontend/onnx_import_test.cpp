// The C++ ONNX importer (frontend/onnx_import.h, onnx_model.h, protobuf_reader.h) on ONNX bytes written by
// the test itself: a small graph imports, shape subgraphs fold, every truncation and garbling of the bytes
// is refused or imported without crashing, and refused nodes are named.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "frontend/onnx_import.h"
#include "frontend/protobuf_reader.h"

namespace njc {
namespace {

// Minimal protobuf writer for the test's messages.
std::string varint(uint64_t v) {
  std::string s;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    s.push_back(static_cast<char>(b | (v ? 0x80 : 0)));
  } while (v);
  return s;
}
std::string key(uint32_t field, int type) {
  return varint(uint64_t{field} << 3 | static_cast<uint64_t>(type));
}
std::string len(uint32_t field, const std::string& bytes) {
  return key(field, 2) + varint(bytes.size()) + bytes;
}
std::string num(uint32_t field, int64_t v) {
  return key(field, 0) + varint(static_cast<uint64_t>(v));
}

std::string node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
                 const std::string& attrs = "", const std::string& name = "") {
  std::string s;
  for (auto& i : ins) s += len(1, i);
  for (auto& o : outs) s += len(2, o);
  if (!name.empty()) s += len(3, name);
  return s + len(4, op) + attrs;
}
std::string int_attr(const std::string& name, int64_t v) {
  return len(5, len(1, name) + num(3, v) + num(20, 2));
}
std::string float_tensor(const std::string& name, std::vector<int64_t> dims, std::vector<float> values) {
  std::string s;
  for (int64_t d : dims) s += num(1, d);
  s += num(2, 1) + len(8, name);
  std::string raw(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  return s + len(9, raw);
}
std::string int_tensor(const std::string& name, std::vector<int64_t> dims, std::vector<int64_t> values) {
  std::string s;
  for (int64_t d : dims) s += num(1, d);
  s += num(2, 7) + len(8, name);
  for (int64_t v : values) s += num(7, v);
  return s;
}
std::string value_info(const std::string& name, std::vector<int64_t> dims) {
  std::string shape;
  for (int64_t d : dims) shape += len(1, num(1, d));
  return len(1, name) + len(2, len(1, num(1, 1) + len(2, shape)));
}
std::string model(const std::string& graph) {
  return num(1, 8) + len(7, graph) + len(8, num(2, 14));
}

// x [1, 2] -> Gemm(W [3, 2], transB) -> Relu -> Reshape to Shape(y) gathered and concatenated (folds away).
std::string small_mlp() {
  std::string g;
  g += len(1, node("Gemm", {"x", "W"}, {"h"}, int_attr("transB", 1), "fc"));
  g += len(1, node("Relu", {"h"}, {"r"}));
  g += len(1, node("Shape", {"r"}, {"s"}));
  g += len(1, node("Gather", {"s", "one"}, {"cols"}));
  g += len(1, node("Unsqueeze", {"cols", "zero"}, {"cols1"}));
  g += len(1, node("Concat", {"minus_one", "cols1"}, {"shape"}, int_attr("axis", 0)));
  g += len(1, node("Reshape", {"r", "shape"}, {"y"}));
  g += len(2, "g");
  g += len(5, float_tensor("W", {3, 2}, {1, 2, 3, 4, -5, 6}));
  g += len(5, int_tensor("one", {}, {1}));
  g += len(5, int_tensor("zero", {1}, {0}));
  g += len(5, int_tensor("minus_one", {1}, {-1}));
  g += len(11, value_info("x", {1, 2}));
  g += len(12, value_info("y", {1, 3}));
  return model(g);
}

TEST(OnnxImport, SmallGraphImportsAndShapeSubgraphFolds) {
  auto r = import_onnx_bytes(small_mlp(), "m.onnx");
  ASSERT_TRUE(r) << r.error().message;
  const auto& nodes = r->model["nodes"];
  ASSERT_EQ(nodes.size(), 3u);  // Gemm, Relu, Reshape: Shape/Gather/Unsqueeze/Concat folded
  EXPECT_EQ(nodes[0]["op"], "Gemm");
  EXPECT_EQ(nodes[2]["op"], "Reshape");
  EXPECT_EQ(nodes[2]["attributes"]["shape"], nlohmann::json({1, 3}));  // -1 resolved on the known shape
  EXPECT_EQ(r->model["params"].size(), 1u);
}

// A GRU whose initial state is a nonzero initializer: the carried state starts from it (its initial value),
// and without carried states the initializer stays a param read by every call.
TEST(OnnxImport, ConstantInitialStateBecomesTheStatesInitialValue) {
  std::string g;
  g += len(1, node("GRU", {"x", "W", "R", "", "", "h0"}, {"", "yh"}, int_attr("hidden_size", 2), "gru"));
  g += len(2, "g");
  g += len(5, float_tensor("W", {1, 6, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  g += len(5, float_tensor("R", {1, 6, 2}, {1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1}));
  g += len(5, float_tensor("h0", {1, 1, 2}, {0.5f, -0.25f}));
  g += len(11, value_info("x", {1, 1, 2}));
  g += len(12, value_info("yh", {1, 1, 2}));
  auto carried = import_onnx_bytes(model(g), "m.onnx");
  ASSERT_TRUE(carried) << carried.error().message;
  ASSERT_EQ(carried->model["states"].size(), 1u);
  EXPECT_EQ(carried->model["states"][0]["data"], nlohmann::json({0.5, -0.25}));
  OnnxImportOptions stateless;
  stateless.carry_states = false;
  auto plain = import_onnx_bytes(model(g), "m.onnx", stateless);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->model.contains("states"));
}

TEST(OnnxImport, EmptyAndNonOnnxBytesAreRefused) {
  auto empty = import_onnx_bytes("", "e.onnx");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  EXPECT_FALSE(import_onnx_bytes("{\"format\": \"njc-model\"}", "j.onnx"));
  EXPECT_FALSE(import_onnx_bytes(num(1, 8), "no_graph.onnx"));
}

TEST(OnnxImport, EveryTruncationIsRefusedWithoutCrashing) {
  std::string bytes = small_mlp();
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = import_onnx_bytes(bytes.substr(0, n), "t.onnx");
    (void)r;  // some prefixes are complete messages; what matters is no crash and a Diag otherwise
  }
  EXPECT_FALSE(import_onnx_bytes(bytes.substr(0, bytes.size() - 1), "t.onnx"));
}

TEST(OnnxImport, GarbledBytesNeverCrash) {
  std::string bytes = small_mlp();
  std::mt19937 rng(17);
  for (int i = 0; i < 3000; ++i) {
    std::string g = bytes;
    for (int k = 0; k < 3; ++k) g[rng() % g.size()] = static_cast<char>(rng());
    auto r = import_onnx_bytes(g, "g.onnx");
    if (!r) {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
}

TEST(OnnxImport, RefusedNodeWithoutNameOrOutputsIsNamedByIndexAndOp) {
  std::string g = len(1, node("Relu", {"x"}, {"y"})) + len(1, node("Einsum", {"y"}, {""})) +
                  len(11, value_info("x", {1, 2})) + len(12, value_info("y", {1, 2}));
  auto r = import_onnx_bytes(model(g), "m.onnx");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("op 'Einsum' (node 1 (Einsum)) is not supported"), std::string::npos)
      << r.error().message;
}

TEST(ProtobufReader, VarintsAndTruncatedLengths) {
  std::string_view in = "\x96\x01";
  uint64_t v = 0;
  ASSERT_TRUE(protobuf::read_varint(in, v));
  EXPECT_EQ(v, 150u);
  protobuf::Reader reader(
      "\x0a\x05"
      "ab");  // field 1, LEN 5, only 2 bytes
  EXPECT_FALSE(reader.next());
}

}  // namespace
}  // namespace njc
