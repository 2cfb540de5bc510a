// Shape inference: the result shape of each op family, and the located error for each kind of misuse.
#include "ir/shape_inference.h"

#include <gtest/gtest.h>

namespace njc {
namespace {

Expected<std::vector<Shape>> infer(OpKind op, std::vector<Shape> ins, Attributes attrs = {}) {
  Node n{op, {}, {}, std::move(attrs)};
  std::vector<const Shape*> ptrs;
  for (const Shape& s : ins) ptrs.push_back(&s);
  n.inputs.assign(ins.size(), 0);
  return infer_shapes(n, ptrs);
}

Shape first(OpKind op, std::vector<Shape> ins, Attributes attrs = {}) {
  auto r = infer(op, std::move(ins), std::move(attrs));
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? (*r)[0] : Shape{};
}

std::string error_of(OpKind op, std::vector<Shape> ins, Attributes attrs = {}) {
  auto r = infer(op, std::move(ins), std::move(attrs));
  return r ? "(no error)" : r.error().pointer + ": " + r.error().message;
}

TEST(ShapeInference, LinearAlgebra) {
  EXPECT_EQ(first(OpKind::Gemm, {{4, 3}, {5, 3}, {5}}, {{"transB", int64_t{1}}}), (Shape{4, 5}));
  EXPECT_EQ(first(OpKind::Gemm, {{3, 4}, {3, 5}}, {{"transA", int64_t{1}}}), (Shape{4, 5}));
  EXPECT_EQ(first(OpKind::MatMul, {{2, 1, 4, 3}, {5, 3, 6}}), (Shape{2, 5, 4, 6}));
  EXPECT_EQ(first(OpKind::MatMul, {{3}, {3, 6}}), (Shape{6}));
  EXPECT_EQ(first(OpKind::MatMul, {{4, 3}, {3}}), (Shape{4}));
  EXPECT_EQ(error_of(OpKind::Gemm, {{4, 3}, {4, 5}}),
            "/inputs/1: Gemm inner dimensions differ: A[4, 3] times B[4, 5]");
  EXPECT_EQ(error_of(OpKind::Gemm, {{4, 3}, {3, 5}, {4, 4}}),
            "/inputs/2: Gemm input C [4, 4] does not broadcast to [4, 5]");
}

TEST(ShapeInference, DataMovement) {
  EXPECT_EQ(first(OpKind::Concat, {{2, 3}, {2, 5}}, {{"axis", int64_t{-1}}}), (Shape{2, 8}));
  EXPECT_EQ(first(OpKind::Transpose, {{2, 3, 4}}), (Shape{4, 3, 2}));
  EXPECT_EQ(first(OpKind::Transpose, {{2, 3, 4}}, {{"perm", std::vector<int64_t>{1, 0, 2}}}),
            (Shape{3, 2, 4}));
  EXPECT_EQ(first(OpKind::Reshape, {{2, 3, 4}}, {{"shape", std::vector<int64_t>{0, -1}}}), (Shape{2, 12}));
  EXPECT_EQ(first(OpKind::Slice, {{10, 5}},
                  {{"starts", std::vector<int64_t>{-1}},
                   {"ends", std::vector<int64_t>{-100}},
                   {"axes", std::vector<int64_t>{0}},
                   {"steps", std::vector<int64_t>{-3}}}),
            (Shape{4, 5}));
  EXPECT_EQ(first(OpKind::Slice, {{10}},
                  {{"starts", std::vector<int64_t>{20}}, {"ends", std::vector<int64_t>{30}}}),
            (Shape{0}));
  EXPECT_EQ(error_of(OpKind::Reshape, {{2, 3}}, {{"shape", std::vector<int64_t>{-1, -1}}}),
            "/attributes/shape: at most one dimension may be -1");
  EXPECT_EQ(error_of(OpKind::Concat, {{2, 3}}), ": Concat needs the attribute 'axis'");
}

TEST(ShapeInference, Reductions) {
  EXPECT_EQ(first(OpKind::ReduceSum, {{2, 3, 4}}, {{"axes", std::vector<int64_t>{1}}}), (Shape{2, 1, 4}));
  EXPECT_EQ(first(OpKind::ReduceMean, {{2, 3, 4}}, {{"keepdims", int64_t{0}}}), (Shape{}));
  EXPECT_EQ(first(OpKind::ReduceMax, {{2, 3, 4}},
                  {{"axes", std::vector<int64_t>{-1, 0}}, {"keepdims", int64_t{0}}}),
            (Shape{3}));
  EXPECT_EQ(error_of(OpKind::ReduceSum, {{2, 3}}, {{"axes", std::vector<int64_t>{1, -1}}}),
            "/attributes/axes: axis -1 is out of range or repeated for rank 2");
}

TEST(ShapeInference, Conv1d) {
  EXPECT_EQ(first(OpKind::Conv, {{1, 4, 10}, {6, 2, 3}, {6}},
                  {{"group", int64_t{2}},
                   {"pads", std::vector<int64_t>{1, 1}},
                   {"strides", std::vector<int64_t>{2}}}),
            (Shape{1, 6, 5}));
  EXPECT_EQ(first(OpKind::Conv, {{1, 1, 7}, {1, 1, 3}}, {{"auto_pad", std::string("SAME_UPPER")}}),
            (Shape{1, 1, 7}));
  EXPECT_EQ(first(OpKind::Conv, {{1, 1, 7}, {1, 1, 3}}, {{"dilations", std::vector<int64_t>{3}}}),
            (Shape{1, 1, 1}));
  EXPECT_EQ(error_of(OpKind::Conv, {{1, 1, 2}, {1, 1, 3}}),
            "/attributes/kernel_shape: the kernel is longer than the padded input");
}

TEST(ShapeInference, Recurrent) {
  auto lstm = infer(OpKind::LSTM, {{5, 2, 3}, {1, 16, 3}, {1, 16, 4}});
  ASSERT_TRUE(lstm);
  EXPECT_EQ((*lstm)[0], (Shape{5, 1, 2, 4}));
  EXPECT_EQ((*lstm)[1], (Shape{1, 2, 4}));
  EXPECT_EQ((*lstm)[2], (Shape{1, 2, 4}));
  auto gru = infer(OpKind::GRU, {{2, 5, 3}, {2, 12, 3}, {2, 12, 4}},
                   {{"layout", int64_t{1}}, {"direction", std::string("bidirectional")}});
  ASSERT_TRUE(gru);
  EXPECT_EQ((*gru)[0], (Shape{2, 5, 2, 4}));
  EXPECT_EQ((*gru)[1], (Shape{2, 2, 4}));
  EXPECT_EQ(error_of(OpKind::LSTM, {{5, 2, 3}, {1, 16, 3}, {1, 16, 4}}, {{"hidden_size", int64_t{5}}}),
            "/attributes/hidden_size: hidden_size 5 does not match R's 4");
  EXPECT_EQ(error_of(OpKind::GRU, {{5, 2, 3}, {1, 12, 3}, {1, 12, 4}},
                     {{"activations", std::vector<std::string>{"Sigmoid", "Softsign"}}}),
            "/attributes/activations: activation 'Softsign' is not supported (Sigmoid, Tanh, Relu are)");
}

TEST(ShapeInference, ArityAndAttributeSchema) {
  EXPECT_EQ(error_of(OpKind::Add, {{2}}), "/inputs: Add takes 2 inputs, got 1");
  EXPECT_EQ(error_of(OpKind::Relu, {{2}}, {{"alpha", 1.0}}),
            "/attributes/alpha: unknown attribute 'alpha' for Relu (it takes none)");
  EXPECT_EQ(error_of(OpKind::Softmax, {{2}}, {{"axis", 1.5}}),
            "/attributes/axis: attribute 'axis' must be an int");
  EXPECT_EQ(error_of(OpKind::Clip, {{2}}, {{"min", 1.0}, {"max", 0.0}}),
            "/attributes/min: Clip min is greater than max");
}

}  // namespace
}  // namespace njc
