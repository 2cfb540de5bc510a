// The reference interpreter on cases computed by hand or by an independent formula in the test: op
// semantics the ONNX node tests do not pin down, state carried across calls, and batch instances.
#include "ir/graph_interpreter.h"

#include <gtest/gtest.h>
#include <cmath>

#include "test/unit/ir/test_graphs.h"

namespace njc {
namespace {

using test::expect_near_all;

Tensor eval1(OpKind op, std::vector<Tensor> ins, Attributes attrs = {}) {
  Node n{op, std::vector<ValueId>(ins.size(), 0), {0}, std::move(attrs)};
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : ins) ptrs.push_back(&t);
  return evaluate_node(n, ptrs)[0];
}

TEST(Reference, GemmWithEveryAttribute) {
  Tensor a({2, 3}, {1, 2, 3, 4, 5, 6});  // used transposed: A^T is 3x2
  Tensor b({2, 2}, {1, -1, 2, 0.5f});    // used transposed
  Tensor c({2}, {10, 20});
  Tensor y2 = eval1(OpKind::Gemm, {a, b, c},
                    {{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 2.0}, {"beta", 0.5}});
  // A^T = [[1,4],[2,5],[3,6]], B^T = [[1,2],[-1,0.5]] -> A^T B^T = [[-3,4],[-3,6.5],[-3,9]]
  expect_near_all(y2.data, {2 * -3 + 5, 2 * 4 + 10, 2 * -3 + 5, 2 * 6.5 + 10, 2 * -3 + 5, 2 * 9 + 10});
}

TEST(Reference, BroadcastingBinaryOps) {
  Tensor a({2, 1, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b({2, 1}, {10, 100});
  Tensor y = eval1(OpKind::Sub, {a, b});
  EXPECT_EQ(y.shape, (Shape{2, 2, 3}));
  expect_near_all(y.data, {-9, -8, -7, -99, -98, -97, -6, -5, -4, -96, -95, -94});
}

TEST(Reference, SoftmaxIsStableAndSumsToOne) {
  Tensor x({2, 3}, {1000, 1001, 1002, -5, 0, 5});
  Tensor y = eval1(OpKind::Softmax, {x}, {{"axis", int64_t{0}}});
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(y.data[j] + y.data[3 + j], 1.0, 1e-6);
  EXPECT_NEAR(y.data[0], 1.0, 1e-6);
  Tensor l = eval1(OpKind::LogSoftmax, {x});
  double s = std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  expect_near_all(l.data, {-2 - s, -1 - s, -s, -10 - std::log(1 + std::exp(-5.0) + std::exp(-10.0)),
                           -5 - std::log(1 + std::exp(-5.0) + std::exp(-10.0)),
                           -std::log(1 + std::exp(-5.0) + std::exp(-10.0))});
}

TEST(Reference, SliceWithNegativeStepsAndClamping) {
  Tensor x({6}, {0, 1, 2, 3, 4, 5});
  Tensor y = eval1(OpKind::Slice, {x},
                   {{"starts", std::vector<int64_t>{100}},
                    {"ends", std::vector<int64_t>{-100}},
                    {"steps", std::vector<int64_t>{-2}}});
  expect_near_all(y.data, {5, 3, 1});
}

TEST(Reference, ActivationsMatchTheirDefinitions) {
  Tensor x({5}, {-3, -0.5f, 0, 0.5f, 40});
  auto check = [&](OpKind op, Attributes attrs, auto f) {
    Tensor y = eval1(op, {x}, attrs);
    for (size_t i = 0; i < x.data.size(); ++i)
      EXPECT_NEAR(y.data[i], f(double(x.data[i])), 1e-6) << op_info(op).name;
  };
  check(OpKind::LeakyRelu, {{"alpha", 0.1}}, [](double v) { return v < 0 ? 0.1 * v : v; });
  check(OpKind::Elu, {}, [](double v) { return v < 0 ? std::exp(v) - 1 : v; });
  check(OpKind::Softplus, {}, [](double v) { return std::log(1 + std::exp(v)); });
  check(OpKind::HardSigmoid, {}, [](double v) { return std::clamp(0.2 * v + 0.5, 0.0, 1.0); });
  check(OpKind::Clip, {{"min", -1.0}, {"max", 0.25}}, [](double v) { return std::clamp(v, -1.0, 0.25); });
  check(OpKind::HardSwish, {}, [](double v) { return v * std::clamp(v / 6 + 0.5, 0.0, 1.0); });
  check(OpKind::Softsign, {}, [](double v) { return v / (1 + std::fabs(v)); });
  check(OpKind::ThresholdedRelu, {{"alpha", 0.25}}, [](double v) { return v > 0.25 ? v : 0.0; });
  check(OpKind::Shrink, {{"bias", 0.5}, {"lambd", 1.0}}, [](double v) {
    return v < -1 ? v + 0.5 : v > 1 ? v - 0.5 : 0.0;
  });
  check(OpKind::Sign, {}, [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; });
  check(OpKind::Round, {}, [](double v) { return v == 0.5 ? 0.0 : v == -0.5 ? -0.0 : std::round(v); });
}

// An independent 1-D convolution, written from the definition for this test.
TEST(Reference, ConvWithPadsStridesDilationsAndGroups) {
  Tensor x({1, 4, 9});
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = std::sin(0.7f * i);
  Tensor w({6, 2, 3});
  for (size_t i = 0; i < w.data.size(); ++i) w.data[i] = std::cos(0.3f * i);
  Tensor b({6}, {1, 2, 3, 4, 5, 6});
  Tensor y = eval1(OpKind::Conv, {x, w, b},
                   {{"group", int64_t{2}},
                    {"pads", std::vector<int64_t>{2, 1}},
                    {"strides", std::vector<int64_t>{2}},
                    {"dilations", std::vector<int64_t>{2}}});
  ASSERT_EQ(y.shape, (Shape{1, 6, 4}));  // (9 + 3 - 5) / 2 + 1
  for (int m = 0; m < 6; ++m)
    for (int t = 0; t < 4; ++t) {
      double want = b.data[m];
      int g = m / 3;
      for (int c = 0; c < 2; ++c)
        for (int k = 0; k < 3; ++k) {
          int pos = t * 2 + k * 2 - 2;
          if (pos >= 0 && pos < 9)
            want += double(x.data[(g * 2 + c) * 9 + pos]) * w.data[(m * 2 + c) * 3 + k];
        }
      EXPECT_NEAR(y.data[m * 4 + t], want, 1e-5);
    }
}

double sigmoid(double v) {
  return 1 / (1 + std::exp(-v));
}

// One LSTM step written from the ONNX equations (gates i, o, f, c) for hidden size 1.
TEST(Reference, LstmStepFollowsTheOnnxEquations) {
  Tensor x({1, 1, 1}, {0.5f}), w({1, 4, 1}, {0.1f, 0.2f, 0.3f, 0.4f}),
      r({1, 4, 1}, {-0.1f, 0.5f, 0.25f, -0.3f});
  Tensor bias({1, 8}, {0.01f, 0.02f, 0.03f, 0.04f, 0.1f, 0.2f, 0.3f, 0.4f});
  Tensor h0({1, 1, 1}, {0.6f}), c0({1, 1, 1}, {-0.2f}), p({1, 3}, {0.05f, 0.07f, 0.09f});
  Node n{OpKind::LSTM, std::vector<ValueId>(8, 0), {0, 1, 2}, {}};
  auto out = evaluate_node(n, {&x, &w, &r, &bias, nullptr, &h0, &c0, &p});
  double pre[4];
  for (int g = 0; g < 4; ++g) pre[g] = w.data[g] * 0.5 + r.data[g] * 0.6 + bias.data[g] + bias.data[4 + g];
  double i = sigmoid(pre[0] + 0.05 * -0.2), f = sigmoid(pre[2] + 0.09 * -0.2), cand = std::tanh(pre[3]);
  double c = f * -0.2 + i * cand;
  double o = sigmoid(pre[1] + 0.07 * c);
  EXPECT_NEAR(out[2].data[0], c, 1e-6);
  EXPECT_NEAR(out[1].data[0], o * std::tanh(c), 1e-6);
  EXPECT_NEAR(out[0].data[0], o * std::tanh(c), 1e-6);
}

// One GRU step (gates z, r, h) in both linear_before_reset modes, hidden size 1.
TEST(Reference, GruStepInBothResetModes) {
  Tensor x({1, 1, 1}, {0.5f}), w({1, 3, 1}, {0.1f, 0.2f, 0.3f}), r({1, 3, 1}, {-0.4f, 0.5f, 0.6f});
  Tensor bias({1, 6}, {0.01f, 0.02f, 0.03f, 0.1f, 0.2f, 0.3f}), h0({1, 1, 1}, {0.7f});
  for (int64_t lbr : {0, 1}) {
    Node n{OpKind::GRU, std::vector<ValueId>(6, 0), {0, 1}, {{"linear_before_reset", lbr}}};
    auto out = evaluate_node(n, {&x, &w, &r, &bias, nullptr, &h0});
    double z = sigmoid(0.1 * 0.5 - 0.4 * 0.7 + 0.01 + 0.1), rg = sigmoid(0.2 * 0.5 + 0.5 * 0.7 + 0.02 + 0.2);
    double cand = lbr ? std::tanh(0.3 * 0.5 + 0.03 + rg * (0.6 * 0.7 + 0.3))
                      : std::tanh(0.3 * 0.5 + 0.03 + 0.6 * (rg * 0.7) + 0.3);
    EXPECT_NEAR(out[1].data[0], (1 - z) * cand + z * 0.7, 1e-6) << "linear_before_reset=" << lbr;
  }
}

TEST(Interpreter, StateCarriesAcrossCallsAndResets) {
  Graph g = test::graph_from_json(test::model_json(R"(
    "inputs": [{"name": "x", "shape": [2]}], "outputs": ["total"],
    "states": [{"name": "acc", "shape": [2], "next": "total"}],
    "nodes": [{"op": "Add", "inputs": ["acc", "x"], "outputs": ["total"]}])"));
  GraphInterpreter interp(g);
  std::vector<float> out;
  for (int i = 0; i < 3; ++i) out = interp.run({{1, 10}})[0];
  expect_near_all(out, {3, 30});
  interp.reset_state();
  expect_near_all(interp.run({{1, 10}})[0], {1, 10});
}

TEST(Interpreter, StatesStartFromTheirInitialValueInEveryInstance) {
  Graph g = test::graph_from_json(test::model_json(R"(
    "batch": 2, "inputs": [{"name": "x", "shape": [2]}], "outputs": ["total"],
    "states": [{"name": "acc", "shape": [2], "next": "total", "data": [0.5, -3]}],
    "nodes": [{"op": "Add", "inputs": ["acc", "x"], "outputs": ["total"]}])"));
  GraphInterpreter interp(g);
  expect_near_all(interp.run({{1, 10, 2, 20}})[0], {1.5, 7, 2.5, 17});
  interp.run({{1, 10, 2, 20}});
  interp.reset_state();
  expect_near_all(interp.run({{1, 10, 2, 20}})[0], {1.5, 7, 2.5, 17});
}

TEST(Interpreter, BatchRunsIndependentInstancesWithSharedParams) {
  std::string body = R"(
    "inputs": [{"name": "x", "shape": [1, 2]}], "outputs": ["y"],
    "params": [{"name": "w", "shape": [3, 2], "data": [1, 2, 3, 4, 5, 6]}],
    "states": [{"name": "s", "shape": [1, 3], "next": "y"}],
    "nodes": [{"op": "dense", "inputs": ["x", "w"], "outputs": ["lin"]},
              {"op": "Add", "inputs": ["lin", "s"], "outputs": ["y"]}])";
  Graph single = test::graph_from_json(test::model_json(body));
  Graph batched = test::graph_from_json(test::model_json(R"("batch": 3, )" + body));
  GraphInterpreter a(single), b(batched);
  std::vector<std::vector<float>> per_instance = {{1, 2}, {-1, 0.5f}, {3, -3}};
  std::vector<float> all;
  for (auto& v : per_instance) all.insert(all.end(), v.begin(), v.end());
  for (int call = 0; call < 2; ++call) {
    std::vector<float> got = b.run({all})[0];
    ASSERT_EQ(got.size(), 9u);
    for (int i = 0; i < 3; ++i) {
      GraphInterpreter one(single);
      std::vector<float> want;
      for (int c = 0; c <= call; ++c) want = one.run({per_instance[i]})[0];
      for (int k = 0; k < 3; ++k) EXPECT_FLOAT_EQ(got[i * 3 + k], want[k]);
    }
  }
}

}  // namespace
}  // namespace njc
